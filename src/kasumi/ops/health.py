"""Liveness and readiness checks."""

from __future__ import annotations

from django.db import connection


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means not ready; say which kind
        return False, type(exc).__name__
    return True, connection.vendor
