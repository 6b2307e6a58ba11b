"""Corporate registry (法人番号): models are defined in this module."""

__all__: list[str] = []
