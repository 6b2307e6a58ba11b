"""Shared fixtures. Every run gets its own state directory and field-encryption key."""

from __future__ import annotations

import os
import tempfile

# Files and keys that tests generate at run time go to a temporary directory, not ./var.
os.environ["KASUMI_VAR_DIR"] = tempfile.mkdtemp(prefix="kasumi-test-var-")
os.environ.setdefault("KASUMI_FIELD_KEY", os.urandom(32).hex())

import pytest
from django.test import Client

from kasumi.core.models import ApiKey, Organisation, StaffRole, User


def make_org(
    code: str, name: str, kind: str = Organisation.Kind.MUNICIPALITY, **extra
) -> Organisation:
    org, _ = Organisation.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, **extra}
    )
    return org


def make_staff(org: Organisation | None, username: str, *roles: str, **extra) -> User:
    user = User.objects.create_user(
        username=username, password="correct-horse-battery", organisation=org, **extra
    )
    for role in roles:
        StaffRole.objects.create(user=user, role=role)
    return user


@pytest.fixture
def tokyo(db) -> Organisation:
    return make_org("130001", "東京都", Organisation.Kind.PREFECTURE)


@pytest.fixture
def chiyoda(db, tokyo) -> Organisation:
    return make_org("131016", "千代田区", prefecture=tokyo)


@pytest.fixture
def shibuya(db, tokyo) -> Organisation:
    return make_org("131130", "渋谷区", prefecture=tokyo)


@pytest.fixture
def platform_org(db) -> Organisation:
    return make_org(
        "7123456789012",
        "霞プラットフォーム運用",
        Organisation.Kind.NATIONAL,
        is_platform_operator=True,
    )


@pytest.fixture
def api_key_for():
    """``api_key_for(org, role)`` → an API client authenticated as that org's system."""

    def factory(org: Organisation, role: str) -> Client:
        _, token = ApiKey.issue(org, f"{org.code}-{role}", role)
        return Client(headers={"Authorization": f"Bearer {token}"})

    return factory


# -- the platform PKI ---------------------------------------------------------------
# Keys are generated once per test process (RSA key generation is slow); each
# test that needs the PKI gets the same hierarchy installed in its database.


@pytest.fixture(scope="session")
def pki_hierarchy():
    from kasumi.trust.pki import generate_hierarchy

    return generate_hierarchy()


@pytest.fixture
def pki(db, pki_hierarchy):
    """The platform PKI, installed in this test's database."""
    from kasumi.trust import pki as pki_module

    pki_module.reset_caches()
    if not pki_module.is_initialised():
        pki_module.install_hierarchy(pki_hierarchy)
    pki_module.reset_caches()
    return pki_module


@pytest.fixture(scope="session")
def citizen_keys():
    """A few RSA-2048 keys to issue citizen certificates for (generated once)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]


@pytest.fixture
def issue_citizen(pki, citizen_keys):
    """``issue_citizen(key_index=0, **basic4)`` → (private key, CitizenPair, chain for x5c)."""
    from datetime import date

    from kasumi.trust.basic4 import BasicFourItems
    from kasumi.trust.issuance import issue_citizen_certificates
    from kasumi.trust.models import CertificateAuthority

    def factory(key_index: int = 0, subject_ref: str = "person:1", **items):
        key = citizen_keys[key_index]
        basic4 = BasicFourItems(
            name=items.get("name", "霞 花子"),
            sex=items.get("sex", "2"),
            date_of_birth=items.get("date_of_birth", date(1990, 4, 1)),
            address=items.get("address", "東京都千代田区霞が関一丁目1番1号"),
        )
        pair = issue_citizen_certificates(
            key.public_key(),
            basic4,
            subject_ref=subject_ref,
            issued_by=None,
            now=items.get("now"),
        )
        chain = [pki.active_ca(CertificateAuthority.Role.CITIZEN_SIGN).certificate]
        return key, pair, chain

    return factory
