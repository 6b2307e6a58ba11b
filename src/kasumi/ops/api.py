from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from kasumi.ops.health import database_ok

router = Router(tags=["ops"])


class Health(Schema):
    status: str
    database: str


@router.get("/health", response={200: Health, 503: Health}, auth=None)
def health(request: HttpRequest) -> tuple[int, Health]:
    ok, detail = database_ok()
    return (200 if ok else 503), Health(status="ok" if ok else "unavailable", database=detail)
