"""Kasumi (霞): an open-source government common platform."""

__version__ = "0.1.0"
