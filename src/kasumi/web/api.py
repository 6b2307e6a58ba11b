"""The JSON API: one django-ninja instance, each app contributing a router."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kasumi.core.apierrors import ServiceError
from kasumi.ops.api import router as ops_router
from kasumi.registry.api import router as registry_router
from kasumi.trust.api import router as trust_router

api = NinjaAPI(
    title="Kasumi API",
    version="0.1.0",
    description=(
        "Kasumi government common platform. Authenticate with an organisation API key "
        "(`Authorization: Bearer ksm_…`) or a staff session. Errors are JSON "
        '`{"code": …, "message": …}` with a stable `code`.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "A valid API key or staff session is required.")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, "invalid_request", "The request is not valid.", details=exc.errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, f"http_{exc.status_code}", str(exc))


api.add_router("/ops", ops_router)
api.add_router("/registry", registry_router)
api.add_router("/trust", trust_router)
