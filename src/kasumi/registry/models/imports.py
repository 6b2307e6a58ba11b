"""A record of every import run, for audit and progress."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ImportBatch"]


class ImportBatch(models.Model):
    """One run of ``kasumi registry import`` over one or more files."""

    class Kind(models.TextChoices):
        RESIDENTS = "residents", _("Residents (住民基本台帳)")
        CORPORATIONS = "corporations", _("Corporations (法人番号)")
        ADDRESSES = "addresses", _("Addresses (アドレス・ベース・レジストリ)")

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    files = models.JSONField(default=list, help_text=_("File names and SHA-256 digests."))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_written = models.PositiveBigIntegerField(default=0)
    rows_unchanged = models.PositiveBigIntegerField(default=0)
    rows_rejected = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"
