"""The single ``kasumi`` console command: Django's management commands plus ours."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command (``kasumi migrate``, ``kasumi registry import …``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasumi.web.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kasumi", *(sys.argv[1:] if argv is None else argv)])
