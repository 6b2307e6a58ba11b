"""Corporate registry (法人番号): the current state of each corporation and its history.

The National Tax Agency (国税庁) publishes every corporate number with its name
and address as CSV (法人番号公表サイト): a full file (全件データ) and daily diff
files (差分データ) in the same 30-column format. Each row is a complete snapshot
of one corporation after one process (処理区分: new, name change, closure, …).

- :class:`CorporationRecord` keeps every imported row (the history). A row is
  recognised on re-import by ``(corporate_number, fingerprint)``, the fingerprint
  being a digest of the row without its file-local ``sequenceNumber``.
- :class:`Corporation` is the current state: the content of the record with the
  highest precedence ``(update_date, latest, id)``; ``current_record`` points at it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasumi.core.codes import local_government_check_digit

__all__ = [
    "CloseCause",
    "Corporation",
    "CorporationKind",
    "CorporationProcess",
    "CorporationRecord",
]

# Lengths from the NTA specification (法人番号システム Web-API / 公表データ仕様).
NAME_MAX = 150
FURIGANA_MAX = 500
EN_NAME_MAX = 300
PREFECTURE_NAME_MAX = 10
CITY_NAME_MAX = 20
STREET_NUMBER_MAX = 300
ADDRESS_OUTSIDE_MAX = 300
CHANGE_CAUSE_MAX = 500
EN_PREFECTURE_NAME_MAX = 9
EN_CITY_NAME_MAX = 600
EN_ADDRESS_OUTSIDE_MAX = 600
IMAGE_ID_MAX = 8
# NFKC may expand one character into several (㍿ → 株式会社), so keys get room.
KEY_MAX = 600


class CorporationProcess(models.TextChoices):
    """処理区分: what happened to the corporation in this row."""

    NEW = "01", _("new (新規)")
    NAME_CHANGED = "11", _("name changed (商号又は名称の変更)")
    ADDRESS_CHANGED = "12", _("domestic address changed (国内所在地の変更)")
    OVERSEAS_ADDRESS_CHANGED = "13", _("overseas address changed (国外所在地の変更)")
    CLOSED = "21", _("closed (登記記録の閉鎖等)")
    CLOSURE_CANCELLED = "22", _("closure cancelled (登記記録の復活等)")
    MERGED = "71", _("absorbed by merger (吸収合併)")
    MERGER_INVALIDATED = "72", _("merger invalidated (吸収合併無効)")
    TRADE_NAME_ERASED = "81", _("trade-name registration erased (商号の登記の抹消)")
    DELETED = "99", _("deleted (削除)")


class CorporationKind(models.TextChoices):
    """法人種別."""

    NATIONAL_BODY = "101", _("national body (国の機関)")
    LOCAL_GOVERNMENT = "201", _("local government (地方公共団体)")
    KABUSHIKI_KAISHA = "301", _("stock company (株式会社)")
    YUGEN_KAISHA = "302", _("limited company (有限会社)")
    GOMEI_KAISHA = "303", _("general partnership company (合名会社)")
    GOSHI_KAISHA = "304", _("limited partnership company (合資会社)")
    GODO_KAISHA = "305", _("limited liability company (合同会社)")
    OTHER_REGISTERED = "399", _("other registered corporation (その他の設立登記法人)")
    FOREIGN_COMPANY = "401", _("foreign company (外国会社等)")
    OTHER = "499", _("other (その他)")


class CloseCause(models.TextChoices):
    """登記記録の閉鎖等の事由."""

    LIQUIDATED = "01", _("liquidation completed (清算の結了等)")
    MERGER = "11", _("merger (合併による解散等)")
    REGISTRAR = "21", _("closed by the registrar (登記官による閉鎖)")
    OTHER = "31", _("other (その他の清算の結了等)")


# Processes after which the corporation no longer exists as such (closure date set).
CLOSING_PROCESSES = frozenset({CorporationProcess.CLOSED, CorporationProcess.MERGED})
# Processes that undo a closure.
REOPENING_PROCESSES = frozenset(
    {CorporationProcess.CLOSURE_CANCELLED, CorporationProcess.MERGER_INVALIDATED}
)


class CorporationFields(models.Model):
    """Columns shared by the current state and every history record (one NTA row)."""

    corporate_number = models.CharField(_("corporate number (法人番号)"), max_length=13)
    process = models.CharField(
        _("process (処理区分)"), max_length=2, choices=CorporationProcess.choices
    )
    update_date = models.DateField(_("update date (更新年月日)"))
    change_date = models.DateField(_("change date (変更年月日)"))
    name = models.CharField(_("name (商号又は名称)"), max_length=NAME_MAX)
    furigana = models.CharField(_("furigana (フリガナ)"), max_length=FURIGANA_MAX, blank=True)
    en_name = models.CharField(_("English name"), max_length=EN_NAME_MAX, blank=True)
    kind = models.CharField(_("kind (法人種別)"), max_length=3, choices=CorporationKind.choices)
    prefecture_name = models.CharField(
        _("prefecture (国内所在地 都道府県)"), max_length=PREFECTURE_NAME_MAX, blank=True
    )
    city_name = models.CharField(
        _("city (国内所在地 市区町村)"), max_length=CITY_NAME_MAX, blank=True
    )
    street_number = models.CharField(
        _("street and number (国内所在地 丁目番地等)"), max_length=STREET_NUMBER_MAX, blank=True
    )
    prefecture_code = models.CharField(
        _("prefecture code (都道府県コード)"), max_length=2, blank=True
    )
    city_code = models.CharField(_("city code (市区町村コード)"), max_length=3, blank=True)
    post_code = models.CharField(_("post code (郵便番号)"), max_length=7, blank=True)
    address_outside = models.CharField(
        _("overseas address (国外所在地)"), max_length=ADDRESS_OUTSIDE_MAX, blank=True
    )
    close_date = models.DateField(_("close date (登記記録の閉鎖等年月日)"), null=True, blank=True)
    close_cause = models.CharField(
        _("close cause (登記記録の閉鎖等の事由)"),
        max_length=2,
        choices=CloseCause.choices,
        blank=True,
    )
    successor_corporate_number = models.CharField(
        _("successor corporate number (承継先法人番号)"), max_length=13, blank=True
    )
    change_cause = models.CharField(
        _("change cause (変更事由の詳細)"), max_length=CHANGE_CAUSE_MAX, blank=True
    )
    assignment_date = models.DateField(_("assignment date (法人番号指定年月日)"))
    en_prefecture_name = models.CharField(
        _("prefecture (English)"), max_length=EN_PREFECTURE_NAME_MAX, blank=True
    )
    en_city_name = models.CharField(
        _("city and address (English)"), max_length=EN_CITY_NAME_MAX, blank=True
    )
    en_address_outside = models.CharField(
        _("overseas address (English)"), max_length=EN_ADDRESS_OUTSIDE_MAX, blank=True
    )
    hihyoji = models.BooleanField(
        _("excluded from search (検索対象除外)"),
        default=False,
        help_text=_("The NTA excludes this corporation from name searches."),
    )

    class Meta:
        abstract = True

    @property
    def lg_code(self) -> str:
        """The 6-digit 全国地方公共団体コード of the domestic address, or ``""``."""
        if len(self.prefecture_code) != 2 or len(self.city_code) != 3:
            return ""
        base = self.prefecture_code + self.city_code
        return base + local_government_check_digit(base)

    @property
    def address(self) -> str:
        """The domestic address as one string (prefecture, city, street)."""
        return f"{self.prefecture_name}{self.city_name}{self.street_number}"


class CorporationRecord(CorporationFields):
    """One imported NTA row: the history of a corporation, never changed after import."""

    sequence_number = models.PositiveIntegerField(_("sequence number (一連番号)"))
    correct = models.BooleanField(_("correction (訂正区分)"), default=False)
    latest = models.BooleanField(_("latest (最新履歴)"), default=True)
    name_image_id = models.CharField(max_length=IMAGE_ID_MAX, blank=True)
    address_image_id = models.CharField(max_length=IMAGE_ID_MAX, blank=True)
    address_outside_image_id = models.CharField(max_length=IMAGE_ID_MAX, blank=True)
    fingerprint = models.CharField(
        max_length=32,
        editable=False,
        help_text=_("Digest of the row without its sequence number; recognises re-imports."),
    )
    batch = models.ForeignKey(
        "registry.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_line = models.PositiveIntegerField(_("line in the imported file"), default=0)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["corporate_number", "fingerprint"], name="unique_corporation_record"
            )
        ]
        indexes = [
            models.Index(
                fields=["corporate_number", "update_date"], name="corporation_record_history"
            )
        ]
        ordering = ["corporate_number", "update_date", "latest", "id"]
        verbose_name = _("corporation record")
        verbose_name_plural = _("corporation records")

    def __str__(self) -> str:
        return f"{self.corporate_number} {self.update_date} {self.get_process_display()}"


class Corporation(CorporationFields):
    """A corporation as it is now: the content of its most recent record."""

    # Shadow the abstract field to make the number unique here (one row per corporation).
    corporate_number = models.CharField(
        _("corporate number (法人番号)"), max_length=13, unique=True
    )
    deleted = models.BooleanField(
        _("deleted (削除)"), default=False, help_text=_("The last process was 99 (deleted).")
    )
    name_key = models.CharField(max_length=KEY_MAX, editable=False)
    furigana_key = models.CharField(max_length=KEY_MAX, editable=False)
    current_record = models.ForeignKey(
        CorporationRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current record"),
        db_index=False,  # records are never deleted; one index less to maintain on import
    )
    # Copied from the current record so precedence is compared without a join.
    record_latest = models.BooleanField(default=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["prefecture_code", "kind"], name="corporation_pref_kind"),
            # One index per key serving prefix search (LIKE 'x%'): on PostgreSQL
            # only a pattern_ops index does, and a second plain index would cost
            # every import row without helping search.
            models.Index(
                fields=["name_key"], name="corporation_name_key", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["furigana_key"],
                name="corporation_furigana_key",
                opclasses=["varchar_pattern_ops"],
            ),
        ]
        ordering = ["corporate_number"]
        verbose_name = _("corporation")
        verbose_name_plural = _("corporations")

    def __str__(self) -> str:
        return f"{self.name} ({self.corporate_number})"

    @property
    def closed(self) -> bool:
        return self.close_date is not None
