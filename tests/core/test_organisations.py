from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kasumi.core.models import Organisation, code_errors
from kasumi.core.roles import Role
from tests.conftest import make_org, make_staff


@pytest.mark.parametrize(
    ("kind", "code", "problem"),
    [
        ("municipality", "131017", "check digit"),
        ("municipality", "130001", "prefecture code, not a municipality"),
        ("prefecture", "131016", "municipality code, not a prefecture"),
        ("national", "131016", "13 ASCII digits"),
        ("national", "5011001098993", "check digit"),
    ],
)
def test_organisation_code_must_fit_its_kind(kind, code, problem):
    errors = code_errors(kind, code)
    assert errors and problem in errors[0]


@pytest.mark.django_db
def test_full_clean_rejects_a_municipality_with_a_bad_check_digit():
    org = Organisation(code="131017", name="架空区", kind=Organisation.Kind.MUNICIPALITY)
    with pytest.raises(ValidationError) as info:
        org.full_clean()
    assert "expected 6" in str(info.value)


@pytest.mark.django_db
def test_only_operators_of_the_platform_organisation_see_every_tenant(platform_org, chiyoda):
    assert make_staff(platform_org, "ops", Role.OPERATOR).is_platform_operator
    assert not make_staff(platform_org, "ops-auditor", Role.AUDITOR).is_platform_operator
    assert not make_staff(chiyoda, "chiyoda-ops", Role.OPERATOR).is_platform_operator


@pytest.mark.django_db
def test_national_agency_is_identified_by_its_corporate_number():
    org = make_org("4011001098993", "架空庁", Organisation.Kind.NATIONAL)
    org.full_clean()
