"""Registry importers: one module per registry, sharing :mod:`kasumi.registry.importing`."""
