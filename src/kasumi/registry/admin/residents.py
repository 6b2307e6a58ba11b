"""Admin for the residents registry."""
