"""Registry API (django-ninja router mounted at ``/api/registry``)."""

from __future__ import annotations

from ninja import Router

from kasumi.core.api_auth import organisation_auth

router = Router(tags=["registry"], auth=organisation_auth)
