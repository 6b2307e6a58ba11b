"""django-ninja authentication: organisation API keys and staff sessions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from kasumi.core.actors import Actor
from kasumi.core.models import ApiKey, User


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer ksm_…`` issued to an organisation's system."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        key = ApiKey.authenticate(token)
        return Actor.for_api_key(key) if key else None


class StaffSessionAuth(APIKeyCookie):
    """A logged-in staff session (the admin and the registry browser); CSRF checked."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = request.user
        if isinstance(user, User) and user.is_active:
            return Actor.for_user(user)
        return None


organisation_auth = [ApiKeyAuth(), StaffSessionAuth()]
