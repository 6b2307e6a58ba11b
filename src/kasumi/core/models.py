"""Organisations (国の機関, 都道府県, 市区町村), staff accounts and API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kasumi.core.codes import (
    CodeError,
    is_prefecture_code,
    validate_corporate_number,
    validate_local_government_code,
)
from kasumi.core.roles import Role


class Organisation(models.Model):
    """A tenant of the platform: a national agency, a prefecture or a municipality.

    Prefectures and municipalities are identified by their 6-digit
    全国地方公共団体コード; national agencies by their 13-digit 法人番号.
    """

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National agency (国の機関)")
        PREFECTURE = "prefecture", _("Prefecture (都道府県)")
        MUNICIPALITY = "municipality", _("Municipality (市区町村)")

    code = models.CharField(_("code"), max_length=13, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    prefecture = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="municipalities",
        limit_choices_to={"kind": "prefecture"},
        verbose_name=_("prefecture"),
    )
    is_platform_operator = models.BooleanField(
        _("platform operator"),
        default=False,
        help_text=_("Its operators administer every organisation on the platform."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        errors = code_errors(self.kind, self.code)
        if errors:
            raise ValidationError({"code": errors})


def code_errors(kind: str, code: str) -> list[str]:
    """Why ``code`` cannot identify an organisation of ``kind`` (empty if it can)."""
    try:
        if kind == Organisation.Kind.NATIONAL:
            validate_corporate_number(code)
            return []
        validate_local_government_code(code)
    except CodeError as exc:
        return [str(exc)]
    if kind == Organisation.Kind.PREFECTURE and not is_prefecture_code(code):
        return [f"{code} is a municipality code, not a prefecture code (ddd000c)"]
    if kind == Organisation.Kind.MUNICIPALITY and is_prefecture_code(code):
        return [f"{code} is a prefecture code, not a municipality code"]
    return []


class User(AbstractUser):
    """A staff account. It belongs to one organisation and holds roles there."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("organisation"),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("staff account")  # type: ignore[assignment]
        verbose_name_plural = _("staff accounts")  # type: ignore[assignment]

    def role_set(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(self.roles.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set() & set(roles))

    @property
    def is_platform_operator(self) -> bool:
        """Operators of the platform organisation (and superusers) see every tenant."""
        if self.is_superuser:
            return True
        org = self.organisation
        return bool(org and org.is_platform_operator and self.has_role(Role.OPERATOR))


class StaffRole(models.Model):
    """One role a staff account holds within its organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_staff_role")]
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")

    def __str__(self) -> str:
        return self.get_role_display()


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True, organisation__active=True)


class ApiKey(models.Model):
    """A key another system of an organisation uses to call Kasumi's APIs.

    Only a SHA-256 of the key is stored; the key itself is shown once.
    The key acts with ``role`` inside ``organisation``.
    """

    PREFIX = "ksm_"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    lookup = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.PREFIX}{self.lookup}…)"

    @classmethod
    def issue(cls, organisation: Organisation, name: str, role: str) -> tuple[ApiKey, str]:
        """Create a key; return it and the secret token (shown to the caller once)."""
        lookup = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = f"{cls.PREFIX}{lookup}_{secret}"
        key = cls.objects.create(
            organisation=organisation,
            name=name,
            role=role,
            lookup=lookup,
            key_hash=_hash_key(token),
        )
        return key, token

    @classmethod
    def authenticate(cls, token: str) -> ApiKey | None:
        if not token.startswith(cls.PREFIX):
            return None
        lookup = token[len(cls.PREFIX) :].split("_", 1)[0]
        key = cls.objects.active().select_related("organisation").filter(lookup=lookup).first()
        if key is None or not secrets.compare_digest(key.key_hash, _hash_key(token)):
            return None
        now = timezone.now()
        # A write per API call would serialise busy clients on one row; a
        # minute's precision is enough to tell which keys are in use.
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            cls.objects.filter(pk=key.pk).update(last_used_at=now)
        return key
