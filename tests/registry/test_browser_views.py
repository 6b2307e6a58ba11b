"""The registry browser's HTML pages: role checks, dates, and no 個人番号 anywhere.

The data builders here are also used by the Playwright tests in ``tests/web``.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from kasumi.core.codes import corporate_number_check_digit
from kasumi.core.models import Organisation
from kasumi.core.roles import Role
from kasumi.core.textkeys import kana_key, name_key
from kasumi.registry import address_text
from kasumi.registry.models import (
    AddressBlock,
    AddressMunicipality,
    AddressResidence,
    AddressTown,
    Corporation,
    CorporationRecord,
    Person,
)
from tests.conftest import make_staff
from tests.registry import factories as f

# --- data builders (synthetic) -------------------------------------------------


def build_family(municipality: Organisation) -> dict[str, Person]:
    """髙橋 household H-0001: the father is head until 2021-06-01, then the mother.

    The mother holds a 個人番号. The son is born into the household in 2016.
    """
    hh = f.household(municipality, "H-0001")
    father = f.person("髙橋", "一郎", "タカハシ", "イチロウ", date(1970, 1, 5), 1)
    mother = f.person(
        "髙橋", "花子", "タカハシ", "ハナコ", date(1972, 3, 9), 2, with_my_number=True
    )
    son = f.person("髙橋", "翔太", "タカハシ", "ショウタ", date(2016, 8, 20), 1)
    f.live(father, municipality, hh, "head", date(2015, 1, 1), date(2021, 6, 1))
    f.live(mother, municipality, hh, "spouse", date(2015, 1, 1), date(2021, 6, 1))
    f.live(mother, municipality, hh, "head", date(2021, 6, 1), kind="household_change")
    f.live(son, municipality, hh, "child", date(2016, 8, 20), kind="birth")
    return {"father": father, "mother": mother, "son": son}


def corporate_number(n: int) -> str:
    base = f"{n:012d}"
    return corporate_number_check_digit(base) + base


def build_corporation() -> Corporation:
    """株式会社霞商事 in 千代田区, renamed once (two history rows)."""
    number = corporate_number(700000000101)
    common = {
        "corporate_number": number,
        "kind": "301",
        "prefecture_name": "東京都",
        "city_name": "千代田区",
        "street_number": "霞が関一丁目1番1号",
        "prefecture_code": "13",
        "city_code": "101",
        "post_code": "1000013",
        "assignment_date": date(2015, 10, 5),
    }
    CorporationRecord.objects.create(
        **common,
        process="01",
        update_date=date(2015, 10, 5),
        change_date=date(2015, 10, 5),
        name="株式会社霞物産",
        furigana="カスミブッサン",
        sequence_number=1,
        latest=False,
        fingerprint="a",
    )
    current = CorporationRecord.objects.create(
        **common,
        process="11",
        update_date=date(2020, 4, 1),
        change_date=date(2020, 3, 30),
        name="株式会社霞商事",
        furigana="カスミショウジ",
        sequence_number=2,
        latest=True,
        fingerprint="b",
    )
    return Corporation.objects.create(
        **common,
        process="11",
        update_date=current.update_date,
        change_date=current.change_date,
        name=current.name,
        furigana=current.furigana,
        name_key=name_key(current.name),
        furigana_key=kana_key(current.furigana),
        current_record=current,
    )


def build_addresses() -> None:
    """千代田区 霞が関一丁目 and 二丁目 (住居表示), with block 1 and residence 1 of 一丁目."""
    key = address_text.name_key
    AddressMunicipality.objects.create(
        lg_code="131016",
        pref="東京都",
        city="千代田区",
        pref_key=key("東京都"),
        county_key="",
        city_key=key("千代田区"),
        ward_key="",
    )
    for chome, number in (("一丁目", 1), ("二丁目", 2)):
        AddressTown.objects.create(
            lg_code="131016",
            machiaza_id=f"000{number}00{number}",
            machiaza_type="2",
            pref="東京都",
            city="千代田区",
            oaza_cho="霞が関",
            chome=chome,
            chome_number=number,
            rsdt_addr_flg=1,
            oaza_key=key("霞が関"),
        )
    AddressBlock.objects.create(
        lg_code="131016",
        machiaza_id="0001001",
        blk_id="001",
        city="千代田区",
        oaza_cho="霞が関",
        chome="一丁目",
        blk_num="1",
        rsdt_addr_flg=1,
        blk_key="1",
    )
    AddressResidence.objects.create(
        lg_code="131016",
        machiaza_id="0001001",
        blk_id="001",
        rsdt_id="001",
        city="千代田区",
        oaza_cho="霞が関",
        chome="一丁目",
        blk_num="1",
        rsdt_num="1",
        rsdt_addr_flg=1,
        rsdt_key="1",
    )


# --- fixtures --------------------------------------------------------------------


@pytest.fixture
def family(chiyoda):
    return build_family(chiyoda)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clerk(chiyoda) -> Client:
    return logged_in(make_staff(chiyoda, "chiyoda-clerk", Role.CLERK))


@pytest.fixture
def registrar(chiyoda) -> Client:
    return logged_in(make_staff(chiyoda, "chiyoda-registrar", Role.REGISTRAR))


def text_of(response) -> str:
    return str(response.content.decode())


# --- access ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/registry/",
        "/registry/residents/",
        "/registry/residents/00000000019/",
        "/registry/households/H-0001/",
        "/registry/corporations/",
        "/registry/addresses/match/",
    ],
)
def test_every_registry_page_requires_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.django_db
def test_english_pages_send_to_the_english_sign_in(client):
    response = client.get("/en/registry/residents/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/login/?next=/en/registry/residents/")


@pytest.mark.django_db
def test_operator_cannot_see_residents_and_is_told_which_role(family, chiyoda):
    operator = logged_in(make_staff(chiyoda, "chiyoda-operator", Role.OPERATOR))
    code = family["mother"].resident_code
    for url in [
        "/registry/residents/",
        f"/registry/residents/{code}/",
        "/registry/households/H-0001/",
    ]:
        response = operator.get(url)
        assert response.status_code == 403, url
        html = text_of(response)
        assert "担当職員" in html  # the clerk role is named as one that may read
        assert "髙橋" not in html
    english = operator.get("/en/registry/residents/")
    assert english.status_code == 403
    assert "Clerk" in text_of(english)
    assert "Access not permitted" in text_of(english)


@pytest.mark.django_db
def test_operator_index_says_residents_are_not_available(chiyoda):
    operator = logged_in(make_staff(chiyoda, "chiyoda-operator", Role.OPERATOR))
    response = operator.get("/en/registry/")
    assert response.status_code == 200
    html = text_of(response)
    assert "Not available to your account" in html
    assert 'href="/en/registry/residents/"' not in html


@pytest.mark.django_db
def test_clerk_of_another_municipality_gets_not_found(family, shibuya):
    other = logged_in(make_staff(shibuya, "shibuya-clerk", Role.CLERK))
    response = other.get(f"/registry/residents/{family['mother'].resident_code}/")
    assert response.status_code == 404
    assert "髙橋" not in text_of(response)
    assert other.get("/registry/households/H-0001/").status_code == 404
    found = other.get("/en/registry/residents/", {"name": "たかはし"})
    assert found.status_code == 200
    assert "0 residents registered" in text_of(found)
    assert family["mother"].resident_code not in text_of(found)


@pytest.mark.django_db
def test_national_agency_staff_cannot_read_residents(platform_org, family):
    staff = logged_in(make_staff(platform_org, "agency-clerk", Role.CLERK))
    response = staff.get("/en/registry/residents/")
    assert response.status_code == 403
    assert "Only a municipality keeps a resident registry" in text_of(response)


@pytest.mark.django_db
def test_account_without_organisation_gets_forbidden(db):
    response = logged_in(make_staff(None, "nobody")).get("/registry/corporations/")
    assert response.status_code == 403


@pytest.mark.django_db
def test_invalid_resident_code_is_a_clear_error(clerk, chiyoda):
    response = clerk.get("/en/registry/residents/12345/")
    assert response.status_code == 422
    assert "not a valid resident record code" in text_of(response)


# --- residents ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["高橋", "髙橋", "たかはし", "タカハシ ハナコ", "ﾀｶﾊｼ"])
def test_search_by_kanji_or_kana(clerk, family, query):
    response = clerk.get("/registry/residents/", {"name": query, "on": "2022-01-01"})
    assert response.status_code == 200
    assert family["mother"].resident_code in text_of(response)


@pytest.mark.django_db
def test_search_as_of_a_past_date(clerk, family):
    now = text_of(clerk.get("/registry/residents/", {"name": "一郎"}))
    then = text_of(clerk.get("/registry/residents/", {"name": "一郎", "on": "2020-01-01"}))
    assert family["father"].resident_code not in now  # he moved out in 2021
    assert family["father"].resident_code in then


@pytest.mark.django_db
def test_search_by_birth_date(clerk, family):
    html = text_of(clerk.get("/registry/residents/", {"birth_date": "2016-08-20"}))
    assert family["son"].resident_code in html
    assert family["mother"].resident_code not in html


@pytest.mark.django_db
def test_search_without_criteria_shows_a_linked_error_summary(clerk, family):
    response = clerk.get("/en/registry/residents/", {"name": "", "birth_date": ""})
    assert response.status_code == 400
    html = text_of(response)
    assert 'class="error-summary"' in html
    assert '<a href="#id_name">Enter a name or a date of birth' in html


@pytest.mark.django_db
def test_invalid_date_is_reported_on_its_field(clerk, family):
    response = clerk.get("/en/registry/residents/", {"name": "高橋", "on": "2022-13-45"})
    assert response.status_code == 400
    html = text_of(response)
    assert 'href="#id_on"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_on_helptext id_on_error"' in html


@pytest.mark.django_db
def test_search_is_paginated(clerk, chiyoda):
    hh = f.household(chiyoda, "H-0100")
    for i in range(25):
        p = f.person("佐藤", f"太郎{i:02d}", "サトウ", f"タロウ{i:02d}")
        f.live(p, chiyoda, hh, "head" if i == 0 else "other", date(2020, 1, 1))
    first = text_of(clerk.get("/en/registry/residents/", {"name": "佐藤"}))
    assert "25 residents registered" in first
    assert first.count('href="/en/registry/residents/') == 20
    assert "Page 1 of 2" in first
    assert "page=2" in first
    second = text_of(clerk.get("/en/registry/residents/", {"name": "佐藤", "page": "2"}))
    assert second.count('href="/en/registry/residents/') == 5
    assert "Showing 21–25" in second


@pytest.mark.django_db
def test_person_page_shows_record_on_date_and_full_history(clerk, family):
    code = family["mother"].resident_code
    response = clerk.get(f"/en/registry/residents/{code}/", {"on": "2016-01-01"})
    assert response.status_code == 200
    html = text_of(response)
    assert "Record on Jan. 1, 2016" in html
    assert "spouse" in html and "head of household" in html  # both periods in the history
    assert "household change" in html  # the event
    assert 'href="/en/registry/households/H-0001/?on=2016-01-01"' in html
    assert 'href="/en/registry/households/H-0001/?on=2021-06-01"' in html
    assert "In force on Jan. 1, 2016" in html
    assert response["Cache-Control"].startswith("max-age=0")  # never cached


@pytest.mark.django_db
def test_household_members_on_a_date(clerk, family):
    before = text_of(clerk.get("/en/registry/households/H-0001/", {"on": "2020-01-01"}))
    after = text_of(clerk.get("/en/registry/households/H-0001/", {"on": "2022-01-01"}))
    assert "3 members on Jan. 1, 2020" in before
    assert family["father"].resident_code in before
    assert "2 members on Jan. 1, 2022" in after
    assert family["father"].resident_code not in after
    # The head is named first and linked to her record on the same date.
    head = f'href="/en/registry/residents/{family["mother"].resident_code}/?on=2022-01-01"'
    assert head in after


@pytest.mark.django_db
def test_japanese_by_default(clerk, family):
    html = text_of(clerk.get(f"/registry/residents/{family['mother'].resident_code}/"))
    assert '<html lang="ja">' in html
    assert "世帯主" in html  # relationship label in Japanese
    assert "2015年1月1日" in html  # Japanese date format


@pytest.mark.django_db
def test_my_number_never_appears_in_any_page(registrar, family, chiyoda):
    mother = family["mother"]
    number = mother.my_number()
    assert number and mother.has_my_number
    code = mother.resident_code
    pages = [
        "/registry/",
        "/registry/residents/?name=たかはし",
        "/registry/residents/?birth_date=1972-03-09",
        f"/registry/residents/{code}/",
        f"/registry/residents/{code}/?on=2016-01-01",
        "/registry/households/H-0001/",
        "/registry/households/H-0001/?on=2016-01-01",
    ]
    for prefix in ("", "/en"):
        for url in pages:
            response = registrar.get(prefix + url)
            assert response.status_code == 200, url
            html = text_of(response)
            digits = re.sub(r"\D", "", html)
            assert number not in html and number not in digits, url
    held = text_of(registrar.get(f"/en/registry/residents/{code}/"))
    assert "Held" in held
    not_held = text_of(registrar.get(f"/en/registry/residents/{family['son'].resident_code}/"))
    assert "Not held" in not_held


# --- corporations --------------------------------------------------------------------


@pytest.mark.django_db
def test_any_staff_can_search_corporations_kana_insensitively(chiyoda):
    corp = build_corporation()
    operator = logged_in(make_staff(chiyoda, "chiyoda-operator", Role.OPERATOR))
    for query in ["かすみしょうじ", "ｶｽﾐｼｮｳｼﾞ", "霞商事"]:
        response = operator.get("/registry/corporations/", {"name": query})
        assert response.status_code == 200
        assert corp.corporate_number in text_of(response), query
    by_prefecture = operator.get("/registry/corporations/", {"prefecture": "13"})
    assert corp.corporate_number in text_of(by_prefecture)
    elsewhere = operator.get("/registry/corporations/", {"name": "霞", "prefecture": "27"})
    assert corp.corporate_number not in text_of(elsewhere)


@pytest.mark.django_db
def test_corporation_search_requires_a_criterion(clerk):
    response = clerk.get("/en/registry/corporations/", {"name": ""})
    assert response.status_code == 400
    assert "Enter a name or choose a prefecture" in text_of(response)


@pytest.mark.django_db
def test_corporation_detail_with_history(clerk):
    corp = build_corporation()
    response = clerk.get(f"/en/registry/corporations/{corp.corporate_number}/")
    assert response.status_code == 200
    html = text_of(response)
    assert "株式会社霞商事" in html and "株式会社霞物産" in html
    assert "name changed" in html
    assert "〒100-0013" in html


@pytest.mark.django_db
def test_unknown_corporation_is_not_found(clerk):
    response = clerk.get(f"/registry/corporations/{corporate_number(700000000999)}/")
    assert response.status_code == 404
    bad = clerk.get("/registry/corporations/123/")
    assert bad.status_code == 422


# --- address matcher ---------------------------------------------------------------------


@pytest.mark.django_db
def test_address_matcher_shows_level_ids_and_remainder(clerk):
    build_addresses()
    response = clerk.get(
        "/en/registry/addresses/match/", {"text": "東京都千代田区霞が関1-1-1 霞ビル101"}
    )
    assert response.status_code == 200
    html = text_of(response)
    assert "Residence (住居)" in html
    assert "0001001" in html and "131016" in html
    assert "霞ビル101" in html  # the remainder, in the caller's spelling


@pytest.mark.django_db
def test_address_matcher_reports_ambiguity(clerk):
    build_addresses()
    html = text_of(clerk.get("/en/registry/addresses/match/", {"text": "千代田区霞が関"}))
    assert "2 candidates remain" in html
    assert "霞が関一丁目" in html and "霞が関二丁目" in html


@pytest.mark.django_db
def test_address_matcher_rejects_a_bad_code_on_its_field(clerk):
    build_addresses()
    response = clerk.get(
        "/en/registry/addresses/match/", {"text": "霞が関1-1", "lg_code": "131017"}
    )
    assert response.status_code == 400
    assert 'href="#id_lg_code"' in text_of(response)
