"""CA certificates, CRLs (RFC 5280) and the OCSP responder (RFC 6960) over HTTP.

Machine endpoints: no login, no CSRF token, no redirects, no HTML. Relying
parties and certificate-validating software fetch them from the URLs written
in our certificates (AIA and CRL distribution points).
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from kasumi.trust import crl as crls
from kasumi.trust import ocsp as responder
from kasumi.trust.keystore import KeyStoreError
from kasumi.trust.models import CertificateAuthority
from kasumi.trust.pki import PKIError

logger = logging.getLogger(__name__)

OCSP_REQUEST_TYPE = "application/ocsp-request"
OCSP_RESPONSE_TYPE = "application/ocsp-response"
MAX_OCSP_REQUEST = 16 * 1024  # a one-certificate request is ~100 bytes; signed ones ~2 KiB
# HTTP caches may keep a CRL or a GET OCSP answer this long (never past
# nextUpdate), so a revocation reaches clients behind a cache within minutes.
HTTP_MAX_AGE = 300
CA_CERTIFICATE_MAX_AGE = 86400


def _text(status: int, message: str, **headers: str) -> HttpResponse:
    response = HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _method_not_allowed(allowed: str) -> HttpResponse:
    return _text(405, f"method not allowed (use {allowed})", Allow=allowed)


def _max_age(until: datetime | None) -> int:
    if until is None:
        return 0
    remaining = int((until - datetime.now(UTC)).total_seconds())
    return max(0, min(HTTP_MAX_AGE, remaining))


@csrf_exempt
def ca_certificate(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET /pki/ca/<slug>.crt``: the CA certificate, DER (RFC 5280 §4.2.2.1)."""
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed("GET, HEAD")
    der = CertificateAuthority.objects.filter(slug=slug).values_list("der", flat=True).first()
    if der is None:
        return _text(404, "unknown CA")
    response = HttpResponse(bytes(der), content_type="application/pkix-cert")
    response["Cache-Control"] = f"public, max-age={CA_CERTIFICATE_MAX_AGE}"
    response["Content-Disposition"] = f'attachment; filename="{slug}.crt"'
    return response


@csrf_exempt
def crl(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET /pki/crl/<slug>.crl``: the CA's current CRL, DER."""
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed("GET, HEAD")
    ca = CertificateAuthority.objects.filter(slug=slug).first()
    if ca is None:
        return _text(404, "unknown CA")
    try:
        issued = crls.current(ca)
    except (PKIError, KeyStoreError) as exc:
        logger.error("cannot sign the CRL of CA %s: %s", slug, exc)
        return _text(503, "the CRL cannot be produced now", Retry_After="60")
    response = HttpResponse(issued.der, content_type="application/pkix-crl")
    response["Cache-Control"] = f"public, max-age={_max_age(issued.next_update)}"
    response["Last-Modified"] = http_date(issued.this_update.timestamp())
    response["Content-Disposition"] = f'attachment; filename="{slug}.crl"'
    return response


def _ocsp_response(answer: responder.Answer, *, cacheable: bool) -> HttpResponse:
    response = HttpResponse(answer.der, content_type=OCSP_RESPONSE_TYPE)
    if cacheable and not answer.has_nonce and answer.next_update is not None:
        # RFC 5019 §6.2: GET answers may be cached, but not past nextUpdate.
        response["Cache-Control"] = f"public, max-age={_max_age(answer.next_update)}, no-transform"
    else:
        response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def ocsp(request: HttpRequest, encoded: str = "") -> HttpResponse:
    """``POST /pki/ocsp`` and ``GET /pki/ocsp/<base64>`` (RFC 6960 Appendix A.1)."""
    if encoded:
        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed("GET, HEAD")
        # Django has already undone the URL encoding of the path.
        if len(encoded) > (MAX_OCSP_REQUEST * 4) // 3 + 4:
            return _text(414, "OCSP request too long for GET; use POST")
        try:
            der = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):
            # Answered like a garbled POST: OCSP clients understand malformedRequest.
            return _ocsp_response(responder.malformed_request(), cacheable=False)
        return _ocsp_response(responder.answer(der), cacheable=True)

    if request.method != "POST":
        return _method_not_allowed("POST")
    content_type = (request.content_type or "").lower()
    if content_type != OCSP_REQUEST_TYPE:
        return _text(415, f"Content-Type must be {OCSP_REQUEST_TYPE}")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _text(400, "invalid Content-Length")
    if declared > MAX_OCSP_REQUEST:
        return _text(413, f"OCSP requests are limited to {MAX_OCSP_REQUEST} bytes")
    body = request.read(MAX_OCSP_REQUEST + 1)
    if len(body) > MAX_OCSP_REQUEST:
        return _text(413, f"OCSP requests are limited to {MAX_OCSP_REQUEST} bytes")
    return _ocsp_response(responder.answer(body), cacheable=False)
