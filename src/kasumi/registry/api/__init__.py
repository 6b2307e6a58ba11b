"""Registry API (django-ninja router mounted at ``/api/registry``).

At this stage each registry is read by its owner only: a municipality reads its
own residents. Corporations and addresses are public registers (法人番号 is
published by law; the Address Base Registry is open data), so every
authenticated organisation may read them; only their keepers write them.
"""

from __future__ import annotations

from ninja import Router

from kasumi.core.api_auth import organisation_auth
from kasumi.registry.api.addresses import router as addresses_router
from kasumi.registry.api.corporations import router as corporations_router
from kasumi.registry.api.residents import router as residents_router

router = Router(tags=["registry"], auth=organisation_auth)
router.add_router("/residents", residents_router)
router.add_router("/corporations", corporations_router)
router.add_router("/addresses", addresses_router)
