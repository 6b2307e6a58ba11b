"""Django admin for the registries, one module per registry."""

from kasumi.registry.admin import addresses, corporations, imports, residents  # noqa: F401
