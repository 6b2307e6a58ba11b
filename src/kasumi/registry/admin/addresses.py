"""Admin for the Address Base Registry (アドレス・ベース・レジストリ): read-only.

The masters come from imports (``kasumi registry import addresses``), so the
admin only shows them: any active staff member holding a role may view; nobody
adds, changes or deletes here. The ABR is open data, so there is no
organisation scoping.
"""

from __future__ import annotations

from django.contrib import admin

from kasumi.registry.admin.readonly import ReadOnlyRegistryAdmin
from kasumi.registry.models import (
    AddressBlock,
    AddressMunicipality,
    AddressResidence,
    AddressTown,
)


@admin.register(AddressMunicipality)
class AddressMunicipalityAdmin(ReadOnlyRegistryAdmin):
    list_display = ["lg_code", "pref", "county", "city", "ward"]
    search_fields = ["=lg_code", "city", "ward"]
    exclude = ["pref_key", "county_key", "city_key", "ward_key"]


@admin.register(AddressTown)
class AddressTownAdmin(ReadOnlyRegistryAdmin):
    list_display = [
        "lg_code", "machiaza_id", "rsdt_addr_flg", "city", "ward", "oaza_cho", "chome", "koaza",
        "post_code", "efct_date", "ablt_date",
    ]  # fmt: skip
    list_filter = ["rsdt_addr_flg", "machiaza_type", "pref"]
    search_fields = ["=lg_code", "=machiaza_id", "oaza_cho", "oaza_cho_kana", "koaza"]
    exclude = ["oaza_key", "koaza_key"]
    show_full_result_count = False  # COUNT(*) over a national table on every page is slow


@admin.register(AddressBlock)
class AddressBlockAdmin(ReadOnlyRegistryAdmin):
    list_display = [
        "lg_code",
        "machiaza_id",
        "blk_id",
        "city",
        "oaza_cho",
        "chome",
        "blk_num",
        "ablt_date",
    ]
    search_fields = ["=lg_code", "=machiaza_id", "oaza_cho"]
    exclude = ["blk_key"]
    show_full_result_count = False


@admin.register(AddressResidence)
class AddressResidenceAdmin(ReadOnlyRegistryAdmin):
    list_display = [
        "lg_code", "machiaza_id", "blk_id", "rsdt_id", "rsdt2_id", "oaza_cho", "chome",
        "blk_num", "rsdt_num", "rsdt_num2", "ablt_date",
    ]  # fmt: skip
    search_fields = ["=lg_code", "=machiaza_id", "oaza_cho"]
    exclude = ["rsdt_key", "rsdt2_key"]
    show_full_result_count = False
