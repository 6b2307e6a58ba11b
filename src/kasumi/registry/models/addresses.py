"""Address Base Registry (アドレス・ベース・レジストリ, ABR): towns, blocks, residences.

The Digital Agency (デジタル庁) publishes the ABR as CSV masters. Kasumi keeps
three of them, keyed as ABR keys them:

- :class:`AddressTown` — 町字マスター ``mt_town``: one row per 町字 (大字・町 +
  丁目 or 小字) per municipality, ``(lg_code, machiaza_id, rsdt_addr_flg)``. The
  same ``machiaza_id`` appears twice where part of the 町字 has 住居表示
  (residential addressing, ``rsdt_addr_flg`` 1) and part still uses 地番 (0).
- :class:`AddressBlock` — 住居表示-街区マスター ``mt_rsdtdsp_blk``: the 街区
  (block, 「1番」) of a 住居表示 town, ``(lg_code, machiaza_id, blk_id)``.
- :class:`AddressResidence` — 住居表示-住居マスター ``mt_rsdtdsp_rsdt``: the
  住居番号 (residence number, 「1号」) within a block,
  ``(lg_code, machiaza_id, blk_id, rsdt_id, rsdt2_id)``.

There are no foreign keys between them: ABR joins on the natural keys, imports
upsert by natural key, and each master can be reloaded on its own.

:class:`AddressMunicipality` is derived, not an ABR master: one row per
``lg_code`` with the prefecture / 郡 / 市区町村 / 政令市の区 names, refreshed by
the town importer, so that the matcher finds a municipality with one indexed
query instead of scanning towns.

The ``*_key`` columns hold matching keys (:mod:`kasumi.registry.address_text`);
they are derived on import and never shown.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["AddressBlock", "AddressMunicipality", "AddressResidence", "AddressTown"]

# Lengths leave room: ABR's specification gives no hard limits for names, and
# NFKC in keys can expand a character into several.
NAME_MAX = 120
KANA_MAX = 240
ROMA_MAX = 240
KEY_MAX = 240
NUM_MAX = 20


class AddressMunicipality(models.Model):
    """A municipality (市区町村, or 政令市の区) as named in the town master; derived."""

    lg_code = models.CharField(
        _("local government code (全国地方公共団体コード)"), max_length=6, unique=True
    )
    pref = models.CharField(_("prefecture (都道府県)"), max_length=NAME_MAX)
    pref_kana = models.CharField(max_length=KANA_MAX, blank=True)
    county = models.CharField(_("county (郡)"), max_length=NAME_MAX, blank=True)
    city = models.CharField(_("city (市区町村)"), max_length=NAME_MAX)
    city_kana = models.CharField(max_length=KANA_MAX, blank=True)
    ward = models.CharField(_("ward (政令市の区)"), max_length=NAME_MAX, blank=True)
    ward_kana = models.CharField(max_length=KANA_MAX, blank=True)
    pref_key = models.CharField(max_length=KEY_MAX, db_index=True, editable=False)
    county_key = models.CharField(max_length=KEY_MAX, db_index=True, editable=False)
    city_key = models.CharField(max_length=KEY_MAX, db_index=True, editable=False)
    ward_key = models.CharField(max_length=KEY_MAX, editable=False)

    class Meta:
        ordering = ["lg_code"]
        verbose_name = _("address municipality")
        verbose_name_plural = _("address municipalities")

    def __str__(self) -> str:
        return f"{self.lg_code} {self.display_name}"

    @property
    def display_name(self) -> str:
        return f"{self.pref}{self.county}{self.city}{self.ward}"


class AddressTown(models.Model):
    """町字 (town / machiaza): one row of ABR ``mt_town``."""

    lg_code = models.CharField(_("local government code (全国地方公共団体コード)"), max_length=6)
    machiaza_id = models.CharField(_("town id (町字ID)"), max_length=7)
    machiaza_type = models.CharField(_("town type (町字区分コード)"), max_length=1)
    pref = models.CharField(_("prefecture (都道府県)"), max_length=NAME_MAX)
    pref_kana = models.CharField(max_length=KANA_MAX, blank=True)
    pref_roma = models.CharField(max_length=ROMA_MAX, blank=True)
    county = models.CharField(_("county (郡)"), max_length=NAME_MAX, blank=True)
    county_kana = models.CharField(max_length=KANA_MAX, blank=True)
    county_roma = models.CharField(max_length=ROMA_MAX, blank=True)
    city = models.CharField(_("city (市区町村)"), max_length=NAME_MAX)
    city_kana = models.CharField(max_length=KANA_MAX, blank=True)
    city_roma = models.CharField(max_length=ROMA_MAX, blank=True)
    ward = models.CharField(_("ward (政令市の区)"), max_length=NAME_MAX, blank=True)
    ward_kana = models.CharField(max_length=KANA_MAX, blank=True)
    ward_roma = models.CharField(max_length=ROMA_MAX, blank=True)
    oaza_cho = models.CharField(_("大字・町"), max_length=NAME_MAX, blank=True)
    oaza_cho_kana = models.CharField(max_length=KANA_MAX, blank=True)
    oaza_cho_roma = models.CharField(max_length=ROMA_MAX, blank=True)
    chome = models.CharField(_("丁目"), max_length=NAME_MAX, blank=True)
    chome_kana = models.CharField(max_length=KANA_MAX, blank=True)
    chome_number = models.PositiveSmallIntegerField(_("丁目 number"), null=True, blank=True)
    koaza = models.CharField(_("小字"), max_length=NAME_MAX, blank=True)
    koaza_kana = models.CharField(max_length=KANA_MAX, blank=True)
    koaza_roma = models.CharField(max_length=ROMA_MAX, blank=True)
    machiaza_dist = models.CharField(_("同一町字識別情報"), max_length=NAME_MAX, blank=True)
    rsdt_addr_flg = models.PositiveSmallIntegerField(_("住居表示フラグ"))
    rsdt_addr_mtd_code = models.CharField(_("住居表示方式コード"), max_length=1, blank=True)
    oaza_cho_aka_flg = models.CharField(max_length=1, blank=True)
    koaza_aka_code = models.CharField(max_length=1, blank=True)
    oaza_cho_gsi_uncmn = models.CharField(max_length=1, blank=True)
    koaza_gsi_uncmn = models.CharField(max_length=1, blank=True)
    status_flg = models.CharField(_("状態フラグ"), max_length=1, blank=True)
    wake_num_flg = models.CharField(_("起番フラグ"), max_length=1, blank=True)
    efct_date = models.DateField(_("effective from (効力発生日)"), null=True, blank=True)
    ablt_date = models.DateField(_("abolished on (廃止日)"), null=True, blank=True)
    src_code = models.CharField(_("原典資料コード"), max_length=NUM_MAX, blank=True)
    post_code = models.CharField(_("post code (郵便番号)"), max_length=7, blank=True)
    remarks = models.TextField(_("remarks (備考)"), blank=True)
    # Matching keys (address_text.name_key): 大字・町 and 小字 without 丁目.
    oaza_key = models.CharField(max_length=KEY_MAX, editable=False)
    koaza_key = models.CharField(max_length=KEY_MAX, editable=False, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lg_code", "machiaza_id", "rsdt_addr_flg"], name="unique_abr_town"
            )
        ]
        indexes = [models.Index(fields=["lg_code", "oaza_key"], name="abr_town_oaza_key")]
        ordering = ["lg_code", "machiaza_id", "-rsdt_addr_flg"]
        verbose_name = _("address town (町字)")
        verbose_name_plural = _("address towns (町字)")

    def __str__(self) -> str:
        return f"{self.lg_code}-{self.machiaza_id} {self.name}"

    @property
    def name(self) -> str:
        """大字・町 + 丁目 + 小字 as the registry writes them (「内幸町一丁目」)."""
        return f"{self.oaza_cho}{self.chome}{self.koaza}"

    @property
    def municipality_name(self) -> str:
        return f"{self.county}{self.city}{self.ward}"


class AddressBlock(models.Model):
    """街区 (block, 「1番」) of a 住居表示 town: one row of ABR ``mt_rsdtdsp_blk``."""

    lg_code = models.CharField(_("local government code (全国地方公共団体コード)"), max_length=6)
    machiaza_id = models.CharField(_("town id (町字ID)"), max_length=7)
    blk_id = models.CharField(_("block id (街区ID)"), max_length=3)
    city = models.CharField(max_length=NAME_MAX)
    ward = models.CharField(max_length=NAME_MAX, blank=True)
    oaza_cho = models.CharField(max_length=NAME_MAX, blank=True)
    chome = models.CharField(max_length=NAME_MAX, blank=True)
    koaza = models.CharField(max_length=NAME_MAX, blank=True)
    machiaza_dist = models.CharField(max_length=NAME_MAX, blank=True)
    blk_num = models.CharField(_("block number (街区符号)"), max_length=NUM_MAX)
    rsdt_addr_flg = models.PositiveSmallIntegerField(_("住居表示フラグ"))
    rsdt_addr_mtd_code = models.CharField(max_length=1, blank=True)
    status_flg = models.CharField(max_length=1, blank=True)
    efct_date = models.DateField(null=True, blank=True)
    ablt_date = models.DateField(null=True, blank=True)
    src_code = models.CharField(max_length=NUM_MAX, blank=True)
    remarks = models.TextField(blank=True)
    # Matching key (address_text.number_key): 「０１」 and 「1」 are the same block.
    blk_key = models.CharField(max_length=NUM_MAX, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lg_code", "machiaza_id", "blk_id"], name="unique_abr_block"
            )
        ]
        # The unique index's (lg_code, machiaza_id) prefix serves the matcher:
        # a town has tens of blocks, compared on blk_key in that range.
        ordering = ["lg_code", "machiaza_id", "blk_id"]
        verbose_name = _("address block (街区)")
        verbose_name_plural = _("address blocks (街区)")

    def __str__(self) -> str:
        return f"{self.lg_code}-{self.machiaza_id}-{self.blk_id} {self.blk_num}番"


class AddressResidence(models.Model):
    """住居 (residence number, 「1号」): one row of ABR ``mt_rsdtdsp_rsdt``."""

    lg_code = models.CharField(_("local government code (全国地方公共団体コード)"), max_length=6)
    machiaza_id = models.CharField(_("town id (町字ID)"), max_length=7)
    blk_id = models.CharField(_("block id (街区ID)"), max_length=3)
    rsdt_id = models.CharField(_("residence id (住居ID)"), max_length=3)
    rsdt2_id = models.CharField(_("residence id 2 (住居2ID)"), max_length=4, blank=True)
    city = models.CharField(max_length=NAME_MAX)
    ward = models.CharField(max_length=NAME_MAX, blank=True)
    oaza_cho = models.CharField(max_length=NAME_MAX, blank=True)
    chome = models.CharField(max_length=NAME_MAX, blank=True)
    koaza = models.CharField(max_length=NAME_MAX, blank=True)
    machiaza_dist = models.CharField(max_length=NAME_MAX, blank=True)
    blk_num = models.CharField(_("block number (街区符号)"), max_length=NUM_MAX)
    rsdt_num = models.CharField(_("residence number (住居番号)"), max_length=NUM_MAX)
    rsdt_num2 = models.CharField(
        _("residence number 2 (住居番号2)"), max_length=NUM_MAX, blank=True
    )
    basic_rsdt_div = models.CharField(_("基礎番号・住居番号区分"), max_length=1, blank=True)
    rsdt_addr_flg = models.PositiveSmallIntegerField(_("住居表示フラグ"))
    rsdt_addr_mtd_code = models.CharField(max_length=1, blank=True)
    status_flg = models.CharField(max_length=1, blank=True)
    efct_date = models.DateField(null=True, blank=True)
    ablt_date = models.DateField(null=True, blank=True)
    src_code = models.CharField(max_length=NUM_MAX, blank=True)
    remarks = models.TextField(blank=True)
    rsdt_key = models.CharField(max_length=NUM_MAX, editable=False)
    rsdt2_key = models.CharField(max_length=NUM_MAX, editable=False, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lg_code", "machiaza_id", "blk_id", "rsdt_id", "rsdt2_id"],
                name="unique_abr_residence",
            )
        ]
        ordering = ["lg_code", "machiaza_id", "blk_id", "rsdt_id", "rsdt2_id"]
        verbose_name = _("address residence (住居)")
        verbose_name_plural = _("address residences (住居)")

    def __str__(self) -> str:
        number = f"{self.rsdt_num}-{self.rsdt_num2}" if self.rsdt_num2 else self.rsdt_num
        return f"{self.lg_code}-{self.machiaza_id}-{self.blk_id}-{self.rsdt_id} {self.blk_num}番{number}号"
