"""``kasumi registry import {residents,corporations,addresses} FILE...``"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasumi.registry.importing import ImportFailed, NoProgress, TqdmProgress

IMPORTERS = {
    "residents": "kasumi.registry.importers.residents",
    "corporations": "kasumi.registry.importers.corporations",
    "addresses": "kasumi.registry.importers.addresses",
}


class Command(BaseCommand):
    help = "Work with the base registries: import residents, corporations or addresses."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        imp = actions.add_parser("import", help="Import registry files (each file all-or-nothing).")
        imp.add_argument("registry", choices=sorted(IMPORTERS))
        imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
        imp.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows; write rejected rows to a rejects file.",
        )
        imp.add_argument(
            "--rejects",
            type=Path,
            default=None,
            help="Where to write rejected rows (default: FILE.rejects.csv beside each file).",
        )
        imp.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        files: list[Path] = options["files"]
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        module = importlib.import_module(IMPORTERS[options["registry"]])
        progress = NoProgress() if options["no_progress"] else TqdmProgress()
        try:
            result = module.import_files(
                files,
                skip_invalid=options["skip_invalid"],
                rejects_path=options["rejects"],
                progress=progress,
            )
        except ImportFailed as exc:
            raise CommandError(f"nothing was imported from the failing file:\n{exc}") from None
        self.stdout.write(self.style.SUCCESS(result.summary()))
