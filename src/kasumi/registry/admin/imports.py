"""Admin for import batches: what was imported, when, with what result."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kasumi.core.admin_scoping import RoleBasedAdmin
from kasumi.core.roles import Role
from kasumi.registry.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(RoleBasedAdmin):
    view_roles = frozenset({Role.REGISTRAR, Role.OPERATOR, Role.AUDITOR})
    list_display = [
        "id",
        "kind",
        "status",
        "rows_read",
        "rows_written",
        "rows_unchanged",
        "rows_rejected",
        "started_at",
        "finished_at",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
