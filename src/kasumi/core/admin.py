from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kasumi.core.admin_scoping import (
    OrganisationScopedAdmin,
    RoleBasedAdmin,
    has_role,
    sees_everything,
    staff_user,
)
from kasumi.core.models import ApiKey, Organisation, StaffRole, User
from kasumi.core.roles import Role

ANY_ROLE = frozenset(Role.values)


@admin.register(Organisation)
class OrganisationAdmin(RoleBasedAdmin):
    view_roles = ANY_ROLE
    list_display = ["code", "name", "kind", "prefecture", "is_platform_operator", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "name_kana", "name_en"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        qs = super().get_queryset(request)
        if sees_everything(request):
            return qs
        user = staff_user(request)
        return qs.filter(pk=user.organisation_id if user else None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # organisations are deactivated, never deleted


class StaffRoleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = StaffRole
    extra = 1

    # Whoever may edit the staff account may edit its roles (within its organisation).
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request) or has_role(
            request, frozenset({Role.OPERATOR, Role.AUDITOR})
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request) or has_role(request, frozenset({Role.OPERATOR}))

    has_add_permission = has_change_permission  # type: ignore[assignment]
    has_delete_permission = has_change_permission


@admin.register(User)
class StaffAdmin(OrganisationScopedAdmin, UserAdmin):  # type: ignore[misc,type-arg]
    view_roles = frozenset({Role.OPERATOR, Role.AUDITOR})
    edit_roles = frozenset({Role.OPERATOR})
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
    view_roles = frozenset({Role.OPERATOR, Role.AUDITOR})
    edit_roles = frozenset({Role.OPERATOR})
    list_display = [
        "name",
        "organisation",
        "role",
        "lookup",
        "created_at",
        "revoked_at",
        "last_used_at",
    ]
    readonly_fields = ["lookup", "created_at", "last_used_at"]
    list_filter = ["role"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # issued with `kasumi apikey issue`, which shows the secret once
