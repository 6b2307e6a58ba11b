"""Admin classes that show staff only their own organisation's objects.

Platform operators (operators of the platform organisation, and superusers)
see every organisation; everyone else sees rows whose organisation field
(``organisation_field``) is their own, and can only assign their own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from kasumi.core.models import Organisation, User


class ReadOnlyAdminMixin:
    """Viewed, never added, changed or deleted in the admin: imports and services write.

    Put it before the admin class in the bases; it also fits inlines.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def staff_user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_active and user.is_staff else None


def sees_everything(request: HttpRequest) -> bool:
    user = staff_user(request)
    return bool(user and user.is_platform_operator)


def has_role(request: HttpRequest, roles: frozenset[str]) -> bool:
    user = staff_user(request)
    return bool(user and user.has_role(*roles))


class RoleBasedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Admin permissions from Kasumi roles rather than per-model Django permissions.

    ``view_roles`` and ``edit_roles`` name the roles that may see and change
    the model; ``platform_operator_access`` says whether platform operators
    may too (not for personal data: operators run the platform, they do not
    need to read residents).
    """

    view_roles: frozenset[str] = frozenset()
    edit_roles: frozenset[str] = frozenset()
    platform_operator_access = True

    def _allowed(self, request: HttpRequest, roles: frozenset[str]) -> bool:
        if self.platform_operator_access and sees_everything(request):
            return True
        return has_role(request, roles)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, self.view_roles | self.edit_roles)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.view_roles | self.edit_roles)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.edit_roles)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, self.edit_roles)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.edit_roles)


class OrganisationScopedAdmin(RoleBasedAdmin):
    """Restrict list, change and foreign-key choices to the user's organisation."""

    organisation_field = "organisation"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if self.platform_operator_access and sees_everything(request):
            return qs
        user = staff_user(request)
        if user is None or user.organisation_id is None:
            return qs.none()
        return qs.filter(**{self.organisation_field: user.organisation_id})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Organisation and not sees_everything(request):
            user = staff_user(request)
            org_id = user.organisation_id if user else None
            kwargs["queryset"] = Organisation.objects.filter(pk__in=[org_id] if org_id else [])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if not sees_everything(request):
            user = staff_user(request)
            # Defence in depth: a tampered form cannot move a row to another tenant.
            setattr(obj, f"{self.organisation_field}_id", user.organisation_id if user else None)
        super().save_model(request, obj, form, change)
