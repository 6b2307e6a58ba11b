"""The corporations API: authenticated reads, JSON errors with stable codes."""

from __future__ import annotations

import pytest
from django.test import Client

from kasumi.core.roles import Role
from kasumi.registry.importers.corporations import import_files
from kasumi.registry.models import CorporationKind, CorporationProcess
from tests.conftest import make_staff
from tests.registry.test_corporations_rows import DATA, synthetic_number

BASE = "/api/registry/corporations"
A, B = synthetic_number(101), synthetic_number(102)


@pytest.fixture
def client(db, chiyoda, api_key_for) -> Client:
    import_files([DATA / "full-20240329.csv", DATA / "diff-20240401.csv"])
    return api_key_for(chiyoda, Role.CLERK)


def test_authentication_is_required(db):
    response = Client().get(f"{BASE}/{A}")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_bad_api_key_is_refused(db):
    response = Client(headers={"Authorization": "Bearer ksm_nope"}).get(BASE, {"name": "霞"})
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_lookup_returns_the_current_state(client):
    response = client.get(f"{BASE}/{A}")
    assert response.status_code == 200
    body = response.json()
    assert body["corporate_number"] == A
    assert body["name"] == "株式会社霞トレーディング"
    # Labels follow the request's language; compare with the model's own labels.
    assert body["process"] == "11"
    assert body["process_label"] == str(CorporationProcess.NAME_CHANGED.label)
    assert body["kind"] == "301" and body["kind_label"] == str(
        CorporationKind.KABUSHIKI_KAISHA.label
    )
    assert body["lg_code"] == "131016"
    assert body["update_date"] == "2024-04-01" and body["close_date"] is None
    assert body["closed"] is False and body["deleted"] is False


def test_any_authenticated_organisation_may_read(client, shibuya, api_key_for):
    other = api_key_for(shibuya, Role.AUDITOR)
    assert other.get(f"{BASE}/{A}").status_code == 200


def test_staff_session_may_read(client, chiyoda):
    staff = make_staff(chiyoda, "clerk1", Role.CLERK, is_staff=True)
    session = Client()
    session.force_login(staff)
    assert session.get(f"{BASE}/{A}").status_code == 200


def test_unknown_number_is_404_json(client):
    response = client.get(f"{BASE}/{synthetic_number(555)}")
    assert response.status_code == 404
    assert response.json()["code"] == "corporation_not_found"


def test_invalid_number_is_422_json(client):
    response = client.get(f"{BASE}/5011001098993")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_corporate_number"
    assert "expected 4" in body["message"]


def test_history(client):
    response = client.get(f"{BASE}/{B}/history")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["process"], r["latest"]) for r in rows] == [
        ("12", True),
        ("12", False),
        ("11", True),
    ]
    assert rows[-1]["name"] == "合同会社髙橋研究所"


def test_history_of_unknown_number_is_404(client):
    response = client.get(f"{BASE}/{synthetic_number(555)}/history")
    assert response.status_code == 404 and response.json()["code"] == "corporation_not_found"


def test_search_by_kana(client):
    response = client.get(BASE, {"name": "たかはし"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["corporate_number"] == B


def test_search_filters_and_paging(client):
    body = client.get(BASE, {"prefecture": "13", "kind": "301", "limit": 10}).json()
    assert [r["corporate_number"] for r in body["results"]] == [A]
    body = client.get(BASE, {"name": "霞", "limit": 1, "offset": 1}).json()
    assert body["count"] == 2 and len(body["results"]) == 1


def test_search_bad_parameters_are_422_json(client):
    response = client.get(BASE, {"prefecture": "48"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_prefecture"
    response = client.get(BASE, {"kind": "300"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_kind"
    response = client.get(BASE, {"limit": 1000})
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"


def test_openapi_documents_the_routes(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    for path in (BASE, f"{BASE}/{{number}}", f"{BASE}/{{number}}/history"):
        assert "get" in schema["paths"][path]
