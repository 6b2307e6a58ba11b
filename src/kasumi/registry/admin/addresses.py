"""Admin for the addresses registry."""
