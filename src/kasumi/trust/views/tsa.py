"""The time-stamp authority over HTTP (RFC 3161 §3.4).

``POST /tsa`` with a DER ``TimeStampReq`` as ``application/timestamp-query``;
the answer is always a DER ``TimeStampResp`` (``application/timestamp-reply``),
refusals included, as RFC 3161 clients expect. Only requests that are not
time-stamp queries at all get an HTTP error (JSON ``{"code", "message"}``).
No authentication: a time-stamp reveals nothing but a hash and a time.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from kasumi.trust import tsa

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


def _error(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@csrf_exempt
def timestamp(request: HttpRequest) -> HttpResponse:
    """Answer one RFC 3161 time-stamp request."""
    if request.method != "POST":
        return _error(405, "method_not_allowed", "POST a time-stamp query", Allow="POST")
    if request.content_type != QUERY_TYPE:
        return _error(415, "unsupported_media_type", f"the request body must be {QUERY_TYPE}")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > tsa.MAX_REQUEST_BYTES:
        return _error(413, "too_large", f"requests are limited to {tsa.MAX_REQUEST_BYTES} bytes")
    # Read one byte past the limit so a body without a true Content-Length is caught too.
    body = request.read(tsa.MAX_REQUEST_BYTES + 1)
    if len(body) > tsa.MAX_REQUEST_BYTES:
        return _error(413, "too_large", f"requests are limited to {tsa.MAX_REQUEST_BYTES} bytes")
    return HttpResponse(tsa.respond(body), content_type=REPLY_TYPE)
