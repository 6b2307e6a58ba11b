"""Admin for the corporations registry."""
