"""The read-only admin for public registers that only imports write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kasumi.core.admin_scoping import ReadOnlyAdminMixin, staff_user


def _may_view(request: HttpRequest) -> bool:
    user = staff_user(request)
    return bool(user and (user.is_superuser or user.role_set()))


class ReadOnlyRegistryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """View for staff with any role; no add, change or delete (imports only)."""

    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_view(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_view(request)
