"""The address API (/api/registry/addresses) and the read-only admin."""

from __future__ import annotations

import pytest
from django.test import Client

from kasumi.core.roles import Role
from kasumi.registry.models import AddressTown
from tests.conftest import make_staff
from tests.registry.test_address_helpers import abr  # noqa: F401

MATCH = "/api/registry/addresses/match"
TOWNS = "/api/registry/addresses/towns"


def test_matching_needs_authentication(abr):  # noqa: F811
    response = Client().get(MATCH, {"q": "千代田区内幸町1-1-1"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_any_organisation_can_match_an_address(abr, shibuya, api_key_for):  # noqa: F811
    client = api_key_for(shibuya, Role.CLERK)
    response = client.get(MATCH, {"q": "東京都千代田区内幸町１－１－１ 霞ビル"})
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "residence"
    assert (body["lg_code"], body["machiaza_id"], body["blk_id"], body["rsdt_id"], body["rsdt2_id"]) == (
        "131016", "0001001", "001", "001", None,
    )  # fmt: skip
    assert body["display"] == "東京都千代田区内幸町一丁目1番1号"
    assert body["remainder"] == "霞ビル"
    assert (body["ambiguous"], body["partial"]) == (False, False)
    assert body["candidates"][0]["level"] == "residence"


def test_matching_within_a_municipality_and_ambiguous_results(abr, chiyoda, api_key_for):  # noqa: F811
    client = api_key_for(chiyoda, Role.REGISTRAR)
    body = client.get(MATCH, {"q": "永田町", "lg_code": "131016"}).json()
    assert body["level"] == "town" and body["ambiguous"] is True
    assert body["candidate_count"] == 2
    assert [c["machiaza_id"] for c in body["candidates"]] == ["0002001", "0002002"]


def test_a_partial_match_reports_its_remainder(abr, chiyoda, api_key_for):  # noqa: F811
    body = api_key_for(chiyoda, Role.CLERK).get(MATCH, {"q": "千代田区内幸町1-9-9"}).json()
    assert (body["level"], body["partial"], body["remainder"]) == ("town", True, "9-9")


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [({}, 422, "empty_address"), ({"q": " "}, 422, "empty_address"),
     ({"q": "内幸町", "lg_code": "131017"}, 422, "invalid_lg_code")],
)  # fmt: skip
def test_bad_match_queries_get_json_error_codes(abr, chiyoda, api_key_for, params, status, code):  # noqa: F811
    response = api_key_for(chiyoda, Role.CLERK).get(MATCH, params)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_listing_the_towns_of_a_municipality(abr, shibuya, api_key_for):  # noqa: F811
    body = api_key_for(shibuya, Role.AUDITOR).get(f"{TOWNS}/131016").json()
    assert body["municipality"] == "東京都千代田区"
    assert body["count"] == AddressTown.objects.filter(lg_code="131016").count()
    first = body["towns"][0]
    assert (first["machiaza_id"], first["name"], first["rsdt_addr_flg"]) == (
        "0001001",
        "内幸町一丁目",
        1,
    )
    page = (
        api_key_for(shibuya, Role.AUDITOR).get(f"{TOWNS}/131016", {"limit": 2, "offset": 2}).json()
    )
    assert [t["machiaza_id"] for t in page["towns"]] == [
        t["machiaza_id"] for t in body["towns"][2:4]
    ]


def test_abolished_towns_are_listed_only_when_asked(abr, chiyoda, api_key_for):  # noqa: F811
    AddressTown.objects.filter(machiaza_id="0007000").update(ablt_date="2020-01-01")
    client = api_key_for(chiyoda, Role.CLERK)
    current = client.get(f"{TOWNS}/131016").json()
    everything = client.get(f"{TOWNS}/131016", {"include_abolished": "true"}).json()
    assert everything["count"] == current["count"] + 1


@pytest.mark.parametrize(
    ("lg_code", "params", "status", "code"),
    [("131017", {}, 422, "invalid_lg_code"), ("131024", {}, 404, "unknown_municipality"),
     ("131016", {"limit": 0}, 422, "invalid_paging")],
)  # fmt: skip
def test_bad_town_listings_get_json_error_codes(
    abr,  # noqa: F811
    chiyoda,
    api_key_for,
    lg_code,
    params,
    status,
    code,
):
    response = api_key_for(chiyoda, Role.CLERK).get(f"{TOWNS}/{lg_code}", params)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_listing_towns_needs_authentication(abr):  # noqa: F811
    assert Client().get(f"{TOWNS}/131016").status_code == 401


# --- admin -----------------------------------------------------------------------


@pytest.fixture
def staff_client():
    def factory(org, *roles, **extra):
        user = make_staff(
            org, f"staff-{len(roles)}-{'-'.join(roles)}", *roles, is_staff=True, **extra
        )
        client = Client()
        client.force_login(user)
        return client

    return factory


def test_staff_with_a_role_can_view_but_not_edit_the_masters(abr, chiyoda, staff_client):  # noqa: F811
    client = staff_client(chiyoda, Role.CLERK)
    town = AddressTown.objects.get(lg_code="131016", machiaza_id="0001001", rsdt_addr_flg=1)
    assert client.get("/admin/registry/addresstown/").status_code == 200
    assert client.get("/admin/registry/addressblock/").status_code == 200
    assert client.get("/admin/registry/addressresidence/").status_code == 200
    assert client.get(f"/admin/registry/addresstown/{town.pk}/change/").status_code == 200
    assert client.get("/admin/registry/addresstown/add/").status_code == 403
    assert client.post(f"/admin/registry/addresstown/{town.pk}/delete/").status_code == 403
    response = client.post(f"/admin/registry/addresstown/{town.pk}/change/", {"oaza_cho": "x"})
    assert response.status_code == 403
    town.refresh_from_db()
    assert town.oaza_cho == "内幸町"


def test_staff_without_a_role_cannot_view_the_masters(abr, chiyoda, staff_client):  # noqa: F811
    client = staff_client(chiyoda)
    assert client.get("/admin/registry/addresstown/").status_code == 403
