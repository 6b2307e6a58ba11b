"""The admin shows staff only their own organisation; platform operators see all."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from kasumi.core.roles import Role
from tests.conftest import make_staff
from tests.registry import factories as f


def admin_client(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_municipal_operator_lists_only_its_own_staff(chiyoda, shibuya):
    make_staff(shibuya, "shibuya-clerk", Role.CLERK)
    make_staff(chiyoda, "chiyoda-clerk", Role.CLERK)
    client = admin_client(make_staff(chiyoda, "chiyoda-ops", Role.OPERATOR))
    page = client.get("/admin/core/user/").content.decode()
    assert "chiyoda-clerk" in page
    assert "shibuya-clerk" not in page


@pytest.mark.django_db
def test_municipal_operator_cannot_open_another_organisations_staff(chiyoda, shibuya):
    other = make_staff(shibuya, "shibuya-clerk", Role.CLERK)
    client = admin_client(make_staff(chiyoda, "chiyoda-ops", Role.OPERATOR))
    response = client.get(f"/admin/core/user/{other.pk}/change/")
    assert response.status_code == 302  # Django's admin redirects "does not exist" to the index


@pytest.mark.django_db
def test_platform_operator_lists_every_organisations_staff(platform_org, chiyoda, shibuya):
    make_staff(shibuya, "shibuya-clerk", Role.CLERK)
    make_staff(chiyoda, "chiyoda-clerk", Role.CLERK)
    client = admin_client(make_staff(platform_org, "root-ops", Role.OPERATOR))
    page = client.get("/admin/core/user/").content.decode()
    assert "chiyoda-clerk" in page and "shibuya-clerk" in page


@pytest.mark.django_db
def test_registrar_sees_only_residents_of_its_municipality(chiyoda, shibuya):
    ours = f.person("佐藤", "一", "サトウ", "ハジメ")
    theirs = f.person("鈴木", "二郎", "スズキ", "ジロウ")
    f.live(ours, chiyoda, f.household(chiyoda, "1"), "head", date(2015, 1, 1))
    f.live(theirs, shibuya, f.household(shibuya, "1"), "head", date(2015, 1, 1))
    client = admin_client(make_staff(chiyoda, "chiyoda-reg", Role.REGISTRAR))
    page = client.get("/admin/registry/person/").content.decode()
    assert ours.resident_code in page
    assert theirs.resident_code not in page


@pytest.mark.django_db
def test_operators_are_not_shown_personal_data_in_the_admin(platform_org, chiyoda):
    p = f.person()
    f.live(p, chiyoda, f.household(chiyoda, "1"), "head", date(2015, 1, 1))
    client = admin_client(make_staff(platform_org, "root-ops", Role.OPERATOR))
    assert client.get("/admin/registry/person/").status_code == 403


@pytest.mark.django_db
def test_my_number_never_appears_in_admin_pages(chiyoda):
    p = f.person(with_my_number=True)
    f.live(p, chiyoda, f.household(chiyoda, "1"), "head", date(2015, 1, 1))
    client = admin_client(make_staff(chiyoda, "chiyoda-reg", Role.REGISTRAR))
    number = p.my_number()
    for url in ["/admin/registry/person/", f"/admin/registry/person/{p.pk}/change/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert number not in response.content.decode()
