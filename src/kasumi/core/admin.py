from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kasumi.core.admin_scoping import OrganisationScopedAdmin, sees_everything, staff_user
from kasumi.core.models import ApiKey, Organisation, StaffRole, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "kind", "prefecture", "is_platform_operator", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "name_kana", "name_en"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        qs = super().get_queryset(request)
        if sees_everything(request):
            return qs
        user = staff_user(request)
        return qs.filter(pk=user.organisation_id if user else None)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return sees_everything(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # organisations are deactivated, never deleted


class StaffRoleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = StaffRole
    extra = 1


@admin.register(User)
class StaffAdmin(OrganisationScopedAdmin, UserAdmin):  # type: ignore[misc]
    inlines = [StaffRoleInline]
    list_display = ["username", "first_name", "last_name", "organisation", "is_active"]
    list_filter = ["organisation__kind", "is_active", "roles__role"]
    fieldsets = [
        *(UserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ["organisation"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not sees_everything(request):
            # Only platform operators can create superusers or grant admin-wide permissions.
            fields += ["is_superuser", "user_permissions", "groups"]
        return fields


@admin.register(ApiKey)
class ApiKeyAdmin(OrganisationScopedAdmin):
    list_display = ["name", "organisation", "role", "lookup", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["lookup", "created_at", "last_used_at"]
    list_filter = ["role"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # issued with `kasumi apikey issue`, which shows the secret once
