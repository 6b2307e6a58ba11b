"""The trust admin: who sees which certificate, read-only pages, the revoke action."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import messages
from django.test import Client

from kasumi.core.roles import Role
from kasumi.trust.basic4 import BasicFourItems
from kasumi.trust.issuance import issue_citizen_certificates
from kasumi.trust.models import Certificate, Revocation, RevocationReason
from tests.conftest import make_staff

Kind = Certificate.Kind
CHANGELIST = "/admin/trust/certificate/"


def admin_client(org, username: str, *roles: str) -> Client:
    client = Client()
    client.force_login(make_staff(org, username, *roles, is_staff=True))
    return client


@pytest.fixture
def certificates(pki, chiyoda, shibuya, citizen_keys):
    """A citizen pair issued by 千代田区's registrar, and seals of both municipalities."""
    pair = issue_citizen_certificates(
        citizen_keys[0].public_key(),
        BasicFourItems(
            name="霞 花子",
            sex="2",
            date_of_birth=date(1990, 4, 1),
            address="東京都千代田区霞が関一丁目1番1号",
        ),
        subject_ref="person:1",
        issued_by=chiyoda,
    )
    return {
        "sign": pair.signing,
        "auth": pair.authentication,
        "chiyoda_seal": pki.issue_platform_held(Kind.ORGANISATION_SEAL, chiyoda),
        "shibuya_seal": pki.issue_platform_held(Kind.ORGANISATION_SEAL, shibuya),
        "ocsp": Certificate.objects.filter(kind=Kind.OCSP_SIGNING).first(),
        "tsu": Certificate.objects.get(kind=Kind.TIME_STAMPING),
    }


def listed(client: Client, *certs: Certificate, url: str = CHANGELIST) -> list[bool]:
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    return [cert.serial in page for cert in certs]


def test_platform_operator_sees_platform_certificates_but_never_citizens(
    certificates, platform_org
):
    client = admin_client(platform_org, "root-ops", Role.OPERATOR)
    c = certificates
    assert listed(client, c["ocsp"], c["tsu"], c["chiyoda_seal"], c["shibuya_seal"]) == [True] * 4
    assert listed(client, c["sign"], c["auth"]) == [False, False]
    # Not by direct URL either (the admin treats it as missing and redirects).
    response = client.get(f"{CHANGELIST}{c['sign'].pk}/change/")
    assert response.status_code == 302
    assert client.get("/admin/trust/certificateauthority/").status_code == 200
    assert client.get("/admin/trust/timestamp/").status_code == 200


def test_registrar_sees_the_citizen_certificates_their_organisation_issued(
    certificates, chiyoda, shibuya
):
    c = certificates
    own = admin_client(chiyoda, "chiyoda-reg", Role.REGISTRAR)
    assert listed(own, c["sign"], c["auth"], c["chiyoda_seal"]) == [True, True, True]
    assert listed(own, c["shibuya_seal"], c["ocsp"]) == [False, False]
    page = own.get(f"{CHANGELIST}{c['sign'].pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()

    other = admin_client(shibuya, "shibuya-reg", Role.REGISTRAR)
    assert listed(other, c["sign"], c["auth"], c["shibuya_seal"]) == [False, False, True]
    assert other.get(f"{CHANGELIST}{c['sign'].pk}/change/").status_code == 302

    clerk = admin_client(chiyoda, "chiyoda-clerk", Role.CLERK)
    assert listed(clerk, c["sign"], c["chiyoda_seal"]) == [False, True]


def test_only_operators_see_cas_and_time_stamps(certificates, chiyoda):
    client = admin_client(chiyoda, "chiyoda-reg", Role.REGISTRAR)
    assert client.get("/admin/trust/certificateauthority/").status_code == 403
    assert client.get("/admin/trust/timestamp/").status_code == 403
    assert client.get(CHANGELIST).status_code == 200


def test_certificates_are_read_only(certificates, platform_org):
    client = admin_client(platform_org, "root-ops", Role.OPERATOR)
    seal = certificates["chiyoda_seal"]
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{seal.pk}/change/", {}).status_code == 403
    assert client.get(f"{CHANGELIST}{seal.pk}/delete/").status_code == 403


def revoke_action(client: Client, *certs: Certificate, reason: int | None):
    data = {"action": "revoke", "_selected_action": [str(c.pk) for c in certs], "index": "0"}
    if reason is not None:
        data["reason"] = str(reason)
    return client.post(CHANGELIST, data, follow=True)


def test_registrar_revokes_with_a_reason_through_the_revocation_log(certificates, chiyoda):
    sign = certificates["sign"]
    client = admin_client(chiyoda, "chiyoda-reg", Role.REGISTRAR)
    response = revoke_action(client, sign, reason=RevocationReason.KEY_COMPROMISE)
    assert response.status_code == 200
    sign.refresh_from_db()
    assert sign.revocation_reason == RevocationReason.KEY_COMPROMISE
    logged = Revocation.objects.get(certificate=sign)
    assert (logged.reason, logged.revoked_by, logged.cause) == (
        RevocationReason.KEY_COMPROMISE, "user:chiyoda-reg", "admin",
    )  # fmt: skip
    certificates["auth"].refresh_from_db()
    assert not certificates["auth"].is_revoked


def test_revoking_needs_a_reason(certificates, chiyoda):
    client = admin_client(chiyoda, "chiyoda-reg", Role.REGISTRAR)
    response = revoke_action(client, certificates["sign"], reason=None)
    assert [m.level for m in response.context["messages"]] == [messages.ERROR]
    assert not Revocation.objects.exists()


def test_nobody_revokes_what_is_not_theirs(certificates, chiyoda, shibuya):
    # Another municipality's registrar: the certificate is not even in their list.
    other = admin_client(shibuya, "shibuya-reg", Role.REGISTRAR)
    revoke_action(other, certificates["sign"], reason=RevocationReason.KEY_COMPROMISE)
    # A clerk sees the seal but has no revoke action.
    clerk = admin_client(chiyoda, "chiyoda-clerk", Role.CLERK)
    revoke_action(clerk, certificates["chiyoda_seal"], reason=RevocationReason.KEY_COMPROMISE)
    # A registrar sees the seal but seals are revoked by the organisation's operators.
    registrar = admin_client(chiyoda, "chiyoda-reg", Role.REGISTRAR)
    revoke_action(registrar, certificates["chiyoda_seal"], reason=RevocationReason.SUPERSEDED)
    assert not Revocation.objects.exists()

    operator = admin_client(chiyoda, "chiyoda-ops", Role.OPERATOR)
    revoke_action(operator, certificates["chiyoda_seal"], reason=RevocationReason.SUPERSEDED)
    assert Revocation.objects.get().certificate_id == certificates["chiyoda_seal"].pk


def test_revocation_log_is_scoped_like_certificates(certificates, chiyoda, platform_org):
    registrar = admin_client(chiyoda, "chiyoda-reg", Role.REGISTRAR)
    revoke_action(registrar, certificates["sign"], reason=RevocationReason.KEY_COMPROMISE)
    url = "/admin/trust/revocation/"
    assert listed(registrar, certificates["sign"], url=url) == [True]
    operator = admin_client(platform_org, "root-ops", Role.OPERATOR)
    assert listed(operator, certificates["sign"], url=url) == [False]
