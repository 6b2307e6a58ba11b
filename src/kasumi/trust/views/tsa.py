"""The time-stamp authority over HTTP (RFC 3161 §3.4)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def timestamp(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
