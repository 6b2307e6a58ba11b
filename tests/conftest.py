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
