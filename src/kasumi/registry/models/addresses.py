"""Address Base Registry (アドレス・ベース・レジストリ): models are defined in this module."""

__all__: list[str] = []
