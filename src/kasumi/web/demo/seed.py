"""Put the demo into the database: organisations, staff, and the generated registries.

The generators (:mod:`~kasumi.web.demo.addresses`, :mod:`~kasumi.web.demo.people`,
:mod:`~kasumi.web.demo.corporations`) only write files; this module creates the
tenants and staff accounts idempotently and hands the files to the registry
importers, exactly as an operator would with ``kasumi registry import``.

Staff passwords are never in the repository: they are generated at first run,
kept in ``var/demo-credentials.txt`` (mode 0600) and reused afterwards.
"""

from __future__ import annotations

import importlib
import math
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.db import transaction
from faker import Faker

from kasumi.core.models import Organisation, StaffRole, User
from kasumi.core.roles import Role
from kasumi.paths import var_dir
from kasumi.registry.importing import ImportResult, Progress
from kasumi.registry.models import ResidentEvent, ResidentRecord
from kasumi.web.demo.addresses import build_address_books, write_address_files
from kasumi.web.demo.corporations import CorporationData, generate_corporations, write_corporations
from kasumi.web.demo.organisations import (
    MAIN_MUNICIPALITY,
    MUNICIPALITIES,
    ORGANISATIONS,
    PLATFORM,
    PLATFORM_ADMIN_USERNAME,
    SECOND_MUNICIPALITY,
    TOKYO,
    OrgSpec,
    staff_username,
)
from kasumi.web.demo.people import ResidentData, generate_residents, write_residents

CREDENTIALS_FILE = "demo-credentials.txt"
RESIDENTS_FILE = "residents.csv"
CORPORATIONS_FILE = "corporations.csv"
# The second municipality gets this share of the main one's population.
SECOND_MUNICIPALITY_SHARE = 0.1
# Dwellings per expected household: room for moves, marriages and newcomers.
DWELLINGS_PER_HOUSEHOLD = {MAIN_MUNICIPALITY.code: 1.6, SECOND_MUNICIPALITY.code: 2.5}
PERSONS_PER_HOUSEHOLD = 2.2
# Key stretching protects passwords people choose; a random 96-bit password
# does not need a million iterations. Django re-hashes it with the full count
# at the account's first login (the hasher's ``must_update``).
DEMO_PASSWORD_ITERATIONS = 10_000

IMPORTERS = {
    "addresses": "kasumi.registry.importers.addresses",
    "residents": "kasumi.registry.importers.residents",
    "corporations": "kasumi.registry.importers.corporations",
}

Log = Callable[[str], None]


class DemoError(Exception):
    """The demo cannot be loaded as asked (the message says what to do)."""


@dataclass(frozen=True)
class Credential:
    """A demo staff account and its password (printed, and kept under var/)."""

    username: str
    organisation: str
    roles: tuple[str, ...]
    password: str


@dataclass
class GeneratedFiles:
    """The files one run wrote, in import order, and what is in them."""

    addresses: list[Path]
    residents: Path
    corporations: Path
    resident_data: ResidentData
    corporation_data: CorporationData
    dwellings: dict[str, int] = field(default_factory=dict)


# --- organisations and staff ------------------------------------------------------------


def ensure_organisations() -> dict[str, Organisation]:
    """Create the demo organisations if missing (looked up by code); return them by key."""
    created: dict[str, Organisation] = {}
    by_code: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        prefecture = by_code.get(spec.prefecture_code) if spec.prefecture_code else None
        org, _ = Organisation.objects.get_or_create(
            code=spec.code,
            defaults={
                "kind": spec.kind,
                "name": spec.name,
                "name_kana": spec.name_kana,
                "name_en": spec.name_en,
                "prefecture": prefecture,
                "is_platform_operator": spec.is_platform_operator,
            },
        )
        # An existing municipality without its prefecture link gets it; nothing else is touched.
        if prefecture is not None and org.prefecture_id is None:
            org.prefecture = prefecture
            org.save(update_fields=["prefecture"])
        created[spec.key] = org
        by_code[spec.code] = org
    return created


def credentials_path() -> Path:
    return var_dir() / CREDENTIALS_FILE


def load_passwords(path: Path) -> dict[str, str]:
    """``username → password`` from a credentials file written by :func:`save_credentials`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    passwords: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 2:
            passwords[parts[0]] = parts[1]
    return passwords


def save_credentials(path: Path, credentials: list[Credential]) -> None:
    """Write the file with mode 0600 from the start (never readable by others, even briefly)."""
    lines = [
        "# Kasumi demo staff accounts. Generated at first run; keep this file private.",
        "# username\tpassword\torganisation\troles",
    ]
    lines += [
        f"{c.username}\t{c.password}\t{c.organisation}\t{','.join(c.roles)}" for c in credentials
    ]
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(tmp, 0o600)  # O_CREAT's mode does not apply to a leftover tmp file
    os.replace(tmp, path)


def _staff_plan() -> list[tuple[str, OrgSpec, tuple[str, ...]]]:
    """(username, organisation, roles) of every demo account, in a fixed order."""
    plan: list[tuple[str, OrgSpec, tuple[str, ...]]] = [
        (PLATFORM_ADMIN_USERNAME, PLATFORM, (Role.OPERATOR.value,))
    ]
    for spec in ORGANISATIONS:
        for role in spec.roles:
            plan.append((staff_username(spec, role), spec, (str(role),)))
    return plan


def hash_generated_password(password: str) -> str:
    """Hash a generated (random) password quickly; see DEMO_PASSWORD_ITERATIONS."""
    hasher = get_hasher()
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=DEMO_PASSWORD_ITERATIONS)
    return make_password(password)


def ensure_staff(orgs: dict[str, Organisation], seed: int) -> list[Credential]:
    """Create or update the staff accounts; passwords come from (or go to) the credentials file."""
    path = credentials_path()
    known = load_passwords(path)
    fake = Faker("ja_JP")
    fake.seed_instance(f"{seed}:staff")
    credentials: list[Credential] = []
    for username, spec, roles in _staff_plan():
        # Drawn for every account, so names do not depend on which accounts exist.
        family, _, _ = fake.last_name_pair()
        given, _, _ = fake.first_name_pair()
        org = orgs[spec.key]
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            password = known.get(username)
            if user is None:
                user = User(username=username, email=f"{username}@demo.kasumi.invalid")
                user.first_name, user.last_name = given, family
            if password is None or user.pk is None:
                password = password or secrets.token_urlsafe(12)
                user.password = hash_generated_password(password)
            user.organisation = org
            user.is_staff = True
            user.is_active = True
            user.save()
            for role in roles:
                StaffRole.objects.get_or_create(user=user, role=role)
        credentials.append(Credential(username, org.name, roles, password))
    save_credentials(path, credentials)
    return credentials


# --- registries -------------------------------------------------------------------------


def event_id_prefix(seed: int, residents: int) -> str:
    """Resident event ids carry the options, so a different demo is recognised."""
    return f"demo{seed}x{residents}-"


def demo_has_residents() -> bool:
    """Whether the main demo municipality already has resident records."""
    return ResidentRecord.objects.filter(municipality__code=MAIN_MUNICIPALITY.code).exists()


def check_same_demo(seed: int, residents: int) -> None:
    """Refuse to load a different demo population on top of an existing one."""
    prefix = event_id_prefix(seed, residents)
    other = (
        ResidentEvent.objects.filter(
            municipality__code__in=[m.code for m in MUNICIPALITIES], source_id__startswith="demo"
        )
        .exclude(source_id__startswith=prefix)
        .values_list("source_id", flat=True)
        .first()
    )
    if other is not None:
        loaded = other.split("-", 1)[0].removeprefix("demo").replace("x", " with --residents ")
        raise DemoError(
            f"the database already holds demo residents from --seed {loaded}; "
            "run again with those options, or start from a fresh database"
        )


def population_sizes(residents: int) -> dict[str, int]:
    """Snapshot population per municipality code (main first)."""
    return {
        MAIN_MUNICIPALITY.code: residents,
        SECOND_MUNICIPALITY.code: max(1, round(residents * SECOND_MUNICIPALITY_SHARE)),
    }


def generate_files(seed: int, residents: int, corporations: int, out: Path) -> GeneratedFiles:
    """Write every demo file under ``out``; pure generation, no database."""
    sizes = population_sizes(residents)
    dwellings = {
        code: max(40, math.ceil(count / PERSONS_PER_HOUSEHOLD * DWELLINGS_PER_HOUSEHOLD[code]))
        for code, count in sizes.items()
    }
    books = build_address_books(seed, dwellings)
    address_paths = write_address_files(books, out)
    resident_data = generate_residents(
        seed, books, sizes, event_prefix=event_id_prefix(seed, residents)
    )
    residents_path = write_residents(out / RESIDENTS_FILE, resident_data)
    corporation_data = generate_corporations(
        seed, books, corporations, local=[TOKYO, *MUNICIPALITIES]
    )
    corporations_path = write_corporations(out / CORPORATIONS_FILE, corporation_data)
    return GeneratedFiles(
        addresses=address_paths,
        residents=residents_path,
        corporations=corporations_path,
        resident_data=resident_data,
        corporation_data=corporation_data,
        dwellings={b.lg_code: len(b.dwellings) for b in books},
    )


def importer(registry: str) -> Any:
    """The importer module of ``registry``, with a clear error while it does not exist."""
    try:
        return importlib.import_module(IMPORTERS[registry])
    except ModuleNotFoundError as exc:
        if exc.name != IMPORTERS[registry]:
            raise
        raise DemoError(
            f"the {registry} importer ({IMPORTERS[registry]}) is not installed"
        ) from None


def import_files(registry: str, paths: list[Path], progress: Progress | None) -> ImportResult:
    """Import like ``kasumi registry import REGISTRY FILE...`` (each file all-or-nothing)."""
    result: ImportResult = importer(registry).import_files(paths, progress=progress)
    return result


def ensure_trust(orgs: dict[str, Organisation]) -> list[str]:
    """Create the platform PKI if missing, and a seal for every demo organisation.

    The main municipality's head also gets an official (職責) certificate.
    Returns lines describing what was created (empty when all existed).
    """
    from kasumi.trust import pki
    from kasumi.trust.models import Certificate

    done: list[str] = []
    if pki.init_pki():
        done.append(f"platform PKI created (root certificate: {var_dir() / 'pki' / 'root.pem'})")
    for org in orgs.values():
        if not Certificate.objects.filter(
            organisation=org, kind=Certificate.Kind.ORGANISATION_SEAL, revoked_at__isnull=True
        ).exists():
            cert = pki.issue_platform_held(Certificate.Kind.ORGANISATION_SEAL, org)
            done.append(f"seal certificate {cert.serial[:12]}… for {org.name}")
    main = next((o for o in orgs.values() if o.code == MAIN_MUNICIPALITY.code), None)
    if (
        main is not None
        and not Certificate.objects.filter(
            organisation=main, kind=Certificate.Kind.OFFICIAL
        ).exists()
    ):
        cert = pki.issue_platform_held(Certificate.Kind.OFFICIAL, main, title=f"{main.name}長")
        done.append(f"official certificate for {cert.subject_cn}")
    return done
