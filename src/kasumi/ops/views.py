from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from kasumi.ops.health import database_ok


def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: the database answers."""
    ok, detail = database_ok()
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "database": detail}, status=200 if ok else 503
    )
