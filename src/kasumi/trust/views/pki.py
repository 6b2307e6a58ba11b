"""CA certificates, CRLs (RFC 5280) and the OCSP responder (RFC 6960) over HTTP."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def ca_certificate(request: HttpRequest, slug: str) -> HttpResponse:
    raise NotImplementedError


def crl(request: HttpRequest, slug: str) -> HttpResponse:
    raise NotImplementedError


def ocsp(request: HttpRequest, encoded: str = "") -> HttpResponse:
    raise NotImplementedError
