"""Base registries (ベース・レジストリ): residents, corporations, addresses."""

from kasumi.registry.models.addresses import *  # noqa: F403
from kasumi.registry.models.corporations import *  # noqa: F403
from kasumi.registry.models.imports import *  # noqa: F403
from kasumi.registry.models.residents import *  # noqa: F403
