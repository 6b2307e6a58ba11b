"""The public verify page: upload a sealed PDF or a JWS, get a plain verdict."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def verify(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
