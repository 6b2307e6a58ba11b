"""``kasumi demo`` end to end: organisations, staff, and the three registries imported."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kasumi.core.models import Organisation, User
from kasumi.core.roles import Role
from kasumi.registry.models import (
    AddressResidence,
    AddressTown,
    Corporation,
    Household,
    Person,
    ResidentEvent,
    ResidentRecord,
)
from kasumi.web.demo import organisations as specs
from kasumi.web.demo.seed import DEMO_PASSWORD_ITERATIONS, credentials_path, load_passwords

REPO = Path(__file__).resolve().parents[2]
ARGS = ("--residents", "300", "--corporations", "30", "--no-progress")


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "persons": Person.objects.count(),
        "households": Household.objects.count(),
        "events": ResidentEvent.objects.count(),
        "records": ResidentRecord.objects.count(),
        "corporations": Corporation.objects.count(),
        "towns": AddressTown.objects.count(),
        "residences": AddressResidence.objects.count(),
        "users": User.objects.count(),
    }


@pytest.mark.django_db
def test_demo_loads_everything_and_is_safe_to_rerun(tmp_path):
    out_dir = tmp_path / "demo"
    output = run_demo(*ARGS, "--out", str(out_dir))

    # Organisations, linked as they should be.
    chiyoda = Organisation.objects.get(code="131016")
    tokyo = Organisation.objects.get(code="130001")
    assert chiyoda.kind == Organisation.Kind.MUNICIPALITY and chiyoda.prefecture == tokyo
    assert Organisation.objects.get(code="131130").prefecture == tokyo
    platform = Organisation.objects.get(code=specs.PLATFORM.code)
    assert platform.is_platform_operator and platform.kind == Organisation.Kind.NATIONAL
    for spec in specs.ORGANISATIONS:
        Organisation.objects.get(code=spec.code).full_clean()

    # Staff with roles, in their organisations.
    registrar = User.objects.get(username="chiyoda-registrar")
    assert registrar.organisation == chiyoda and registrar.is_staff
    assert registrar.role_set() == {Role.REGISTRAR}
    for role in Role:
        assert User.objects.filter(organisation=chiyoda, roles__role=role).exists(), role
    admin = User.objects.get(username=specs.PLATFORM_ADMIN_USERNAME)
    assert admin.is_platform_operator and admin.is_staff and not admin.is_superuser

    # Passwords: generated, printed, kept outside the repository with mode 0600.
    path = credentials_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert REPO not in path.resolve().parents
    passwords = load_passwords(path)
    assert registrar.check_password(passwords["chiyoda-registrar"])
    # The quick hash of a generated password is upgraded at the first login.
    assert registrar.password.startswith("pbkdf2_sha256$")
    assert not registrar.password.startswith(f"pbkdf2_sha256${DEMO_PASSWORD_ITERATIONS}$")
    assert passwords["chiyoda-registrar"] in output

    # The registries.
    assert Person.objects.count() >= 300
    assert Household.objects.filter(municipality=chiyoda).count() > 100
    current = ResidentRecord.objects.filter(municipality=chiyoda, valid_to__isnull=True)
    assert current.count() > 200
    assert current.filter(relationship="head").count() == (
        current.values("household").distinct().count()
    )
    assert ResidentEvent.objects.filter(municipality__code="131130", kind="move_in").exists()
    assert Corporation.objects.count() == 30 + 6
    towns = AddressTown.objects.filter(lg_code="131016")
    assert towns.filter(rsdt_addr_flg=1).exists() and towns.filter(rsdt_addr_flg=0).exists()
    assert AddressResidence.objects.filter(lg_code="131016").count() > 100
    assert "Summary" in output

    # A second run changes nothing and keeps the passwords.
    before = counts()
    run_demo(*ARGS, "--out", str(out_dir))
    assert counts() == before
    assert load_passwords(path) == passwords

    # --if-empty does nothing once residents exist.
    assert "nothing to do" in run_demo(*ARGS, "--if-empty", "--out", str(tmp_path / "other"))
    assert not (tmp_path / "other").exists()

    # A different population on top of this one is refused with a clear message.
    with pytest.raises(CommandError, match="--seed 2026 with --residents 300"):
        run_demo("--seed", "1", *ARGS, "--out", str(tmp_path / "seed1"))
