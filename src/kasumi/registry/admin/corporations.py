"""Admin for the corporate registry (法人番号): read-only, filled only by imports.

Any active staff member holding a role may look corporations up (the register
is public); nobody adds, changes or deletes them here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kasumi.core.textkeys import kana_key, name_key
from kasumi.registry.admin.readonly import ReadOnlyRegistryAdmin
from kasumi.registry.models import Corporation, CorporationRecord

HISTORY_SHOWN = 50


@admin.register(Corporation)
class CorporationAdmin(ReadOnlyRegistryAdmin):
    list_display = [
        "corporate_number",
        "name",
        "furigana",
        "kind",
        "prefecture_name",
        "city_name",
        "process",
        "close_date",
        "update_date",
    ]
    list_filter = ["kind", "process", "deleted", "hihyoji"]
    search_fields = ["corporate_number"]
    search_help_text = _("A corporate number, or a name in kanji or kana.")
    exclude = ["current_record", "record_latest"]
    readonly_fields = ["history_table"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isascii() and term.isdigit():
            return queryset.filter(corporate_number__startswith=term), False
        # Names are matched on keys, like the API: kana and variant kanji agree.
        return (
            queryset.filter(
                Q(name_key__contains=name_key(term)) | Q(furigana_key__contains=kana_key(term))
            ),
            False,
        )

    @admin.display(description=_("history (履歴)"))
    def history_table(self, obj: Corporation) -> SafeString:
        records = CorporationRecord.objects.filter(corporate_number=obj.corporate_number).order_by(
            "-update_date", "-latest", "-id"
        )[:HISTORY_SHOWN]
        rows = format_html_join(
            "",
            "<tr><td><a href='{}'>{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    reverse("admin:registry_corporationrecord_change", args=[r.pk]),
                    r.update_date,
                    r.get_process_display(),
                    r.change_date,
                    r.name,
                    r.address or r.address_outside,
                )
                for r in records
            ),
        )
        link = (
            reverse("admin:registry_corporationrecord_changelist")
            + "?"
            + urlencode({"corporate_number": obj.corporate_number})
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>{}</tbody></table><p><a href='{}'>{}</a></p>",
            _("update date"),
            _("process"),
            _("change date"),
            _("name"),
            _("address"),
            rows,
            link,
            _("all records"),
        )


@admin.register(CorporationRecord)
class CorporationRecordAdmin(ReadOnlyRegistryAdmin):
    list_display = [
        "corporate_number",
        "update_date",
        "process",
        "change_date",
        "name",
        "latest",
        "correct",
        "batch",
    ]
    list_filter = ["process", "latest", "correct"]
    search_fields = ["=corporate_number"]
    ordering = ["corporate_number", "-update_date", "-id"]
