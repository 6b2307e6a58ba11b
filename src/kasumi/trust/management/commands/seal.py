"""``kasumi seal --org CODE (--template NAME --context ctx.json | --pdf in.pdf) --out out.pdf``."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasumi.core.models import Organisation
from kasumi.trust import sealing
from kasumi.trust.keystore import KeyStoreError
from kasumi.trust.pki import PKIError


class Command(BaseCommand):
    help = (
        "Seal a document with an organisation's seal certificate (PAdES B-LTA): either render "
        "a document template (decision, certificate) with a JSON context, or seal an existing PDF."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organisation code (e.g. 131016).")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--template",
            help=f"Document template: {', '.join(sorted(sealing.TEMPLATES))}.",
        )
        source.add_argument("--pdf", type=Path, help="An existing PDF to seal.")
        parser.add_argument(
            "--context", type=Path, help="JSON object with the template's values (UTF-8)."
        )
        parser.add_argument("--out", required=True, type=Path, help="Where to write the PDF.")
        parser.add_argument("--reason", default="", help="Reason recorded in the signature.")
        parser.add_argument("--location", default="", help="Location recorded in the signature.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organisation.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(f"no organisation with code {options['org']}")
        try:
            if options["template"]:
                context = self._context(options["context"])
                pdf = sealing.render_pdf(options["template"], {**context, "organisation": org})
            else:
                if options["context"] is not None:
                    raise CommandError("--context goes with --template, not with --pdf")
                pdf = self._read(options["pdf"])
            sealed = sealing.seal_pdf(
                pdf, org, reason=options["reason"], location=options["location"]
            )
        except (sealing.SealingError, PKIError, KeyStoreError) as exc:
            raise CommandError(str(exc)) from exc
        self._write(options["out"], sealed)
        self.stdout.write(f"{options['out']}: sealed by {org.name} ({len(sealed)} bytes)\n")

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc

    def _context(self, path: Path | None) -> dict[str, Any]:
        if path is None:
            raise CommandError("--template needs --context ctx.json")
        try:
            value = json.loads(self._read(path).decode("utf-8"))
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8") from None
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path}: line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        if not isinstance(value, dict):
            raise CommandError(f"{path}: expected a JSON object")
        return value

    def _write(self, path: Path, data: bytes) -> None:
        # Written beside the target and renamed, so a failure leaves no half file.
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
