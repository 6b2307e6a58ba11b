"""Admin for import batches: what was imported, when, with what result."""

from __future__ import annotations

from django.contrib import admin

from kasumi.core.admin_scoping import ReadOnlyAdminMixin, RoleBasedAdmin
from kasumi.core.roles import Role
from kasumi.registry.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdminMixin, RoleBasedAdmin):
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
