"""The corporations admin: read-only, for staff holding any role."""

from __future__ import annotations

import pytest
from django.test import Client

from kasumi.core.roles import Role
from kasumi.registry.importers.corporations import import_files
from kasumi.registry.models import Corporation
from tests.conftest import make_staff
from tests.registry.test_corporations_rows import DATA, synthetic_number

A = synthetic_number(101)


@pytest.fixture
def corporations(db):
    import_files([DATA / "full-20240329.csv", DATA / "diff-20240401.csv"])


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_with_a_role_can_view_and_search_by_kana(corporations, chiyoda):
    client = login(make_staff(chiyoda, "clerk1", Role.CLERK, is_staff=True))
    response = client.get("/admin/registry/corporation/", {"q": "かすみとれーでぃんぐ"})
    assert response.status_code == 200
    assert A in response.content.decode()
    assert client.get("/admin/registry/corporation/", {"q": A[:6]}).status_code == 200


def test_change_page_is_read_only_with_history(corporations, chiyoda):
    client = login(make_staff(chiyoda, "clerk1", Role.CLERK, is_staff=True))
    pk = Corporation.objects.get(corporate_number=A).pk
    page = client.get(f"/admin/registry/corporation/{pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "株式会社霞商事" in text and "株式会社霞トレーディング" in text  # history rows
    assert 'name="_save"' not in text
    assert client.post(f"/admin/registry/corporation/{pk}/change/", {}).status_code == 403
    assert client.get("/admin/registry/corporation/add/").status_code == 403
    assert client.get(f"/admin/registry/corporation/{pk}/delete/").status_code == 403
    records = client.get("/admin/registry/corporationrecord/", {"corporate_number": A})
    assert records.status_code == 200


def test_staff_without_a_role_cannot_view(corporations, chiyoda):
    client = login(make_staff(chiyoda, "norole", is_staff=True))
    assert client.get("/admin/registry/corporation/").status_code == 403
