"""Admin for the imports registry."""
