from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kasumi.core.models import ApiKey
from kasumi.core.roles import Role


@pytest.mark.django_db
def test_key_is_stored_only_as_a_hash(chiyoda):
    key, token = ApiKey.issue(chiyoda, "juki", Role.REGISTRAR)
    assert token.startswith("ksm_")
    assert token not in key.key_hash
    assert ApiKey.authenticate(token) == key


@pytest.mark.django_db
def test_wrong_or_revoked_keys_do_not_authenticate(chiyoda):
    key, token = ApiKey.issue(chiyoda, "juki", Role.REGISTRAR)
    assert ApiKey.authenticate(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert ApiKey.authenticate("Basic xyz") is None
    key.revoked_at = timezone.now()
    key.save()
    assert ApiKey.authenticate(token) is None


@pytest.mark.django_db
def test_api_without_credentials_answers_401_json():
    response = Client().get("/api/registry/residents")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.django_db
def test_apikey_command_prints_the_secret_once(chiyoda, capsys):
    call_command("apikey", "issue", "--org", "131016", "--role", "clerk", "--name", "case system")
    token = capsys.readouterr().out.strip()
    assert ApiKey.authenticate(token).organisation == chiyoda
    call_command("apikey", "list")
    assert token not in capsys.readouterr().out
