"""The resident registry API answers the owning municipality only, as of a date."""

from __future__ import annotations

from datetime import date

import pytest

from kasumi.core.roles import Role
from tests.registry import factories as f


@pytest.fixture
def family(chiyoda):
    """A household whose head changes on 2021-06-01 (the father moves out)."""
    hh = f.household(chiyoda, "H-0001")
    father = f.person("髙橋", "一郎", "タカハシ", "イチロウ", date(1970, 1, 5), 1)
    mother = f.person(
        "髙橋", "花子", "タカハシ", "ハナコ", date(1972, 3, 9), 2, with_my_number=True
    )
    f.live(father, chiyoda, hh, "head", date(2015, 1, 1), date(2021, 6, 1))
    f.live(mother, chiyoda, hh, "spouse", date(2015, 1, 1), date(2021, 6, 1))
    f.live(mother, chiyoda, hh, "head", date(2021, 6, 1), kind="household_change")
    return {"hh": hh, "father": father, "mother": mother}


@pytest.mark.django_db
def test_household_members_and_head_on_a_date(family, chiyoda, api_key_for):
    client = api_key_for(chiyoda, Role.CLERK)
    before = client.get("/api/registry/residents/households/H-0001?on=2020-01-01").json()
    after = client.get("/api/registry/residents/households/H-0001?on=2022-01-01").json()
    assert before["head"] == family["father"].resident_code
    assert {m["relationship"] for m in before["members"]} == {"head", "spouse"}
    assert after["head"] == family["mother"].resident_code
    assert len(after["members"]) == 1


@pytest.mark.django_db
def test_record_on_a_date_and_full_history(family, chiyoda, api_key_for):
    client = api_key_for(chiyoda, Role.REGISTRAR)
    code = family["mother"].resident_code
    old = client.get(f"/api/registry/residents/{code}?on=2016-01-01").json()
    assert old["record"]["relationship"] == "spouse"
    history = client.get(f"/api/registry/residents/{code}/history").json()
    assert [r["relationship"] for r in history["records"]] == ["spouse", "head"]
    assert [e["kind"] for e in history["events"]] == ["registration", "household_change"]


@pytest.mark.django_db
def test_search_finds_variant_kanji_and_kana_spellings(family, chiyoda, api_key_for):
    client = api_key_for(chiyoda, Role.CLERK)
    for query in ["高橋", "たかはし", "ﾀｶﾊｼ ﾊﾅｺ"]:
        body = client.get("/api/registry/residents", {"name": query, "on": "2022-01-01"}).json()
        assert [r["person"]["given_name"] for r in body["results"]] == ["花子"], query


@pytest.mark.django_db
def test_other_municipality_gets_not_found_not_forbidden(family, shibuya, api_key_for):
    client = api_key_for(shibuya, Role.REGISTRAR)
    response = client.get(f"/api/registry/residents/{family['mother'].resident_code}")
    assert response.status_code == 404
    assert response.json()["code"] == "resident_not_found"


@pytest.mark.django_db
def test_operators_do_not_read_personal_data(family, chiyoda, api_key_for):
    response = api_key_for(chiyoda, Role.OPERATOR).get("/api/registry/residents")
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_permitted"


@pytest.mark.django_db
def test_national_agency_is_not_a_resident_registry_owner(platform_org, family, api_key_for):
    response = api_key_for(platform_org, Role.REGISTRAR).get("/api/registry/residents")
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_registry_owner"


@pytest.mark.django_db
def test_my_number_is_never_in_ordinary_output(family, chiyoda, api_key_for):
    number = family["mother"].my_number()
    client = api_key_for(chiyoda, Role.CLERK)
    code = family["mother"].resident_code
    for url in [
        f"/api/registry/residents/{code}",
        f"/api/registry/residents/{code}/history",
        "/api/registry/residents?on=2022-01-01",
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert number not in response.content.decode()
    assert client.get(f"/api/registry/residents/{code}/my-number").status_code == 403


@pytest.mark.django_db
def test_registrar_reads_my_number_and_the_read_is_audited_without_it(
    family, chiyoda, api_key_for, caplog
):
    number = family["mother"].my_number()
    client = api_key_for(chiyoda, Role.REGISTRAR)
    code = family["mother"].resident_code
    with caplog.at_level("INFO", logger="kasumi.audit"):
        body = client.get(f"/api/registry/residents/{code}/my-number").json()
    assert body["my_number"] == number
    assert "my_number read" in caplog.text and number not in caplog.text


@pytest.mark.django_db
def test_bad_resident_code_is_a_422_with_a_code(chiyoda, api_key_for):
    response = api_key_for(chiyoda, Role.CLERK).get("/api/registry/residents/12345678901")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_resident_code"
