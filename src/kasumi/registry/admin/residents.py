"""Admin for the resident registry, scoped to the staff member's municipality.

Read-only: the registry changes through events (imports and, later, counter
procedures), never by editing rows. The 個人番号 is not shown in lists; its
presence is.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kasumi.core.admin_scoping import OrganisationScopedAdmin, ReadOnlyAdminMixin, staff_user
from kasumi.core.roles import PERSONAL_REGISTRY_READ
from kasumi.registry.models import Household, Person, ResidentEvent, ResidentRecord


class ResidentRecordInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = ResidentRecord
    fk_name = "person"
    extra = 0
    fields = ("valid_from", "valid_to", "household", "relationship", "address")
    readonly_fields = ("valid_from", "valid_to", "household", "relationship", "address")
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResidentRecord]:
        user = staff_user(request)
        qs = super().get_queryset(request).select_related("household")
        return qs.filter(municipality_id=user.organisation_id if user else None)


@admin.register(Person)
class PersonAdmin(ReadOnlyAdminMixin, OrganisationScopedAdmin):
    view_roles = PERSONAL_REGISTRY_READ
    platform_operator_access = False
    organisation_field = "records__municipality"
    list_display = [
        "resident_code",
        "family_name",
        "given_name",
        "birth_date",
        "sex",
        "has_my_number",
    ]
    search_fields = ["resident_code", "name_key", "kana_key"]
    readonly_fields = fields = (
        "resident_code",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birth_date",
        "sex",
        "death_date",
        "has_my_number",
    )
    inlines = [ResidentRecordInline]

    @admin.display(boolean=True, description=_("個人番号 held"))
    def has_my_number(self, obj: Person) -> bool:
        return obj.has_my_number

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        # A person has many records in the municipality: distinct keeps one row each.
        return super().get_queryset(request).distinct()

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        from kasumi.core.textkeys import name_key

        return super().get_search_results(request, queryset, name_key(search_term))


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdminMixin, OrganisationScopedAdmin):
    view_roles = PERSONAL_REGISTRY_READ
    platform_operator_access = False
    organisation_field = "municipality"
    list_display = ["number", "municipality", "created_at"]
    search_fields = ["number"]


@admin.register(ResidentEvent)
class ResidentEventAdmin(ReadOnlyAdminMixin, OrganisationScopedAdmin):
    view_roles = PERSONAL_REGISTRY_READ
    platform_operator_access = False
    organisation_field = "municipality"
    list_display = ["effective_date", "kind", "source_id", "person", "recorded_at"]
    list_filter = ["kind"]
    date_hierarchy = "effective_date"
    search_fields = ["source_id", "person__resident_code"]
    list_select_related = ["person"]
