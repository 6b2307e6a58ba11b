"""``kasumi demo``: load deterministic synthetic demo data (see docs/operators/demo.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasumi.paths import var_dir
from kasumi.registry.importing import ImportFailed, ImportResult, NoProgress, Progress, TqdmProgress
from kasumi.web.demo import seed as demo
from kasumi.web.demo.organisations import MAIN_MUNICIPALITY

MAX_SEED = 10**12  # keeps resident event ids within their 40 characters


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _seed(text: str) -> int:
    value = _non_negative(text)
    if value >= MAX_SEED:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Create demo organisations and staff, generate synthetic address, resident and "
        "corporate registries, and import them. The same --seed gives the same files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=_seed, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--residents",
            type=_non_negative,
            default=10_000,
            help="Residents of the main municipality at the snapshot (default 10000).",
        )
        parser.add_argument(
            "--corporations",
            type=_non_negative,
            default=300,
            help="Companies in the corporate registry (default 300).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the demo municipality already has residents.",
        )
        parser.add_argument(
            "--out",
            type=Path,
            default=None,
            help="Directory for the generated CSV files (default var/demo/).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw progress bars.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        seed: int = options["seed"]
        residents: int = options["residents"]
        out: Path = (options["out"] or var_dir() / "demo").resolve()
        if residents < 1:
            raise CommandError("--residents must be at least 1")

        if options["if_empty"] and demo.demo_has_residents():
            # Older demo databases predate the PKI: give them one, and seals.
            for line in demo.ensure_trust(demo.ensure_organisations()):
                self.stdout.write(f"  {line}")
            self.stdout.write(
                f"Demo data is already loaded ({MAIN_MUNICIPALITY.name} {MAIN_MUNICIPALITY.code} "
                f"has residents); nothing to do. Staff passwords: {demo.credentials_path()}"
            )
            return
        try:
            demo.check_same_demo(seed, residents)
            self._run(seed, residents, options["corporations"], out, options["no_progress"])
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Demo ready in {time.monotonic() - started:.1f} s."))

    def _step(self, text: str) -> None:
        self.stdout.write(f"• {text}")

    def _progress(self, disabled: bool) -> Progress:
        stream = cast(IO[str], self.stderr._out)
        if disabled or not getattr(stream, "isatty", lambda: False)():
            return NoProgress()
        return TqdmProgress(stream)

    def _import(self, registry: str, paths: list[Path], no_progress: bool) -> ImportResult:
        self._step(f"Importing {registry} ({', '.join(p.name for p in paths)})")
        started = time.monotonic()
        try:
            result = demo.import_files(registry, paths, self._progress(no_progress))
        except ImportFailed as exc:
            raise CommandError(
                f"the {registry} importer rejected a generated file; nothing of it was imported:\n{exc}"
            ) from None
        self.stdout.write(f"  {result.summary()} ({time.monotonic() - started:.1f} s)")
        return result

    def _run(
        self, seed: int, residents: int, corporations: int, out: Path, no_progress: bool
    ) -> None:
        self._step("Organisations")
        orgs = demo.ensure_organisations()
        for org in orgs.values():
            self.stdout.write(f"  {org.code}  {org.name}")

        self._step("Platform PKI and seals")
        started = time.monotonic()
        for line in demo.ensure_trust(orgs) or ["already in place"]:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"  ({time.monotonic() - started:.1f} s)")

        self._step("Staff accounts")
        started = time.monotonic()
        credentials = demo.ensure_staff(orgs, seed)
        self.stdout.write(f"  {len(credentials)} accounts ({time.monotonic() - started:.1f} s)")

        self._step(f"Generating files in {out} (seed {seed})")
        started = time.monotonic()
        files = demo.generate_files(seed, residents, corporations, out)
        data = files.resident_data
        self.stdout.write(
            f"  addresses: {sum(files.dwellings.values())} dwellings; residents: {data.persons} persons, "
            f"{len(data.rows)} events; corporations: {files.corporation_data.corporations} "
            f"({len(files.corporation_data.rows)} rows) ({time.monotonic() - started:.1f} s)"
        )

        self._import("addresses", files.addresses, no_progress)
        self._import("residents", [files.residents], no_progress)
        self._import("corporations", [files.corporations], no_progress)

        self._summary(files, credentials)

    def _summary(self, files: demo.GeneratedFiles, credentials: list[demo.Credential]) -> None:
        data = files.resident_data
        self.stdout.write("")
        self.stdout.write("Summary")
        for code, count in data.residents_at_end.items():
            self.stdout.write(
                f"  {code}: {count} residents in {data.households_at_end[code]} households "
                "at the end of the history"
            )
        events = ", ".join(f"{kind} {n}" for kind, n in sorted(data.events.items()))
        self.stdout.write(f"  resident events: {events}")
        corp = files.corporation_data
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(corp.kinds.items()))
        processes = ", ".join(f"{p} {n}" for p, n in sorted(corp.processes.items()))
        self.stdout.write(f"  corporations by kind: {kinds}; rows by process: {processes}")
        self.stdout.write("")
        self.stdout.write(
            f"Staff accounts (passwords kept in {demo.credentials_path()}, mode 0600):"
        )
        width = max(len(c.username) for c in credentials)
        for c in credentials:
            self.stdout.write(
                f"  {c.username:<{width}}  {c.password}  {','.join(c.roles):<9}  {c.organisation}"
            )
