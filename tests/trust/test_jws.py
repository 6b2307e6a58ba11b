"""JWS verification: every failure has its own reason code, and nothing else passes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasumi.trust import jws
from kasumi.trust.models import Certificate, RevocationReason
from kasumi.trust.results import Verdict
from kasumi.trust.revocation import revoke
from tests.trust import foreign

PAYLOAD = '{"procedure":"児童手当","amount":15000}'.encode()


@pytest.fixture
def signer(issue_citizen):
    key, pair, chain = issue_citizen()
    return key, pair, [pair.signing.certificate, *chain]


def _header(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def _with_header(token: str, header: dict, key: rsa.RSAPrivateKey) -> str:
    protected = jws.b64url(json.dumps(header).encode())
    payload = token.split(".")[1]
    sig = key.sign(f"{protected}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{protected}.{payload}.{jws.b64url(sig)}"


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_valid_signature_verifies_with_signer_details(signer, alg):
    key, pair, chain = signer
    token = jws.sign(PAYLOAD, key, chain, alg=alg)
    result = jws.verify(token)
    assert result.valid, result.as_dict()
    assert result.payload == PAYLOAD
    assert result.signer.kind == Certificate.Kind.CITIZEN_SIGN
    assert result.signer.certificate_serial == pair.signing.serial
    # The verdict for a citizen signature names no person.
    assert "霞" not in json.dumps(result.as_dict(), ensure_ascii=False)
    assert [c.name for c in result.checks] == [
        "structure",
        "algorithm",
        "signature",
        "chain",
        "key_usage",
        "validity",
        "revocation",
    ]


def test_detached_payload_verifies_only_with_the_same_bytes(signer):
    key, _, chain = signer
    token = jws.sign(PAYLOAD, key, chain, detached=True)
    assert ".." in token
    assert jws.verify(token, payload=PAYLOAD).valid
    result = jws.verify(token, payload=PAYLOAD + b" ")
    assert result.reason == "signature_invalid" and result.verdict == Verdict.ALTERED
    assert jws.verify(token).reason == "jws_malformed"


def test_tampered_payload_is_altered(signer):
    key, _, chain = signer
    header, _, sig = jws.sign(PAYLOAD, key, chain).split(".")
    forged = f"{header}.{jws.b64url(PAYLOAD.replace(b'15000', b'99000'))}.{sig}"
    result = jws.verify(forged)
    assert result.reason == "signature_invalid"
    assert result.payload is None


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.AAAA",
        "e30..AAAA",
        "bm90IGpzb24.e30.AAAA",
        "WzFd.e30.AAAA",
    ],
)
def test_malformed_tokens(pki, token):
    assert jws.verify(token).reason == "jws_malformed"


@pytest.mark.parametrize("alg", ["none", "HS256", "ES256", "RS512", None])
def test_algorithms_other_than_rs256_ps256_are_refused(signer, alg):
    key, _, chain = signer
    token = jws.sign(PAYLOAD, key, chain, alg="RS256")
    header = _header(token)
    header["alg"] = alg
    assert jws.verify(_with_header(token, header, key)).reason == "alg_not_allowed"


def test_alg_none_with_empty_signature_is_refused(signer):
    key, _, chain = signer
    token = jws.sign(PAYLOAD, key, chain)
    header = _header(token)
    header["alg"] = "none"
    protected = jws.b64url(json.dumps(header).encode())
    assert jws.verify(f"{protected}.{token.split('.')[1]}.").reason == "jws_malformed"
    assert jws.verify(f"{protected}.{token.split('.')[1]}.AA").reason == "alg_not_allowed"


def test_crit_header_is_refused(signer):
    key, _, chain = signer
    token = jws.sign(PAYLOAD, key, chain, alg="RS256")
    header = {**_header(token), "crit": ["exp"], "exp": 1}
    assert jws.verify(_with_header(token, header, key)).reason == "crit_unsupported"


def test_missing_and_malformed_x5c(signer):
    key, _, chain = signer
    token = jws.sign(PAYLOAD, key, chain, alg="RS256")
    header = _header(token)
    assert jws.verify(_with_header(token, {"alg": "RS256"}, key)).reason == "x5c_missing"
    assert jws.verify(_with_header(token, {**header, "x5c": "x"}, key)).reason == "x5c_missing"
    bad = {**header, "x5c": ["not base64!"]}
    assert jws.verify(_with_header(token, bad, key)).reason == "x5c_malformed"
    garbage = {**header, "x5c": [base64.b64encode(b"\x30\x03\x02\x01\x01").decode()]}
    assert jws.verify(_with_header(token, garbage, key)).reason == "x5c_malformed"
    long_chain = {**header, "x5c": header["x5c"][:1] * 5}
    assert jws.verify(_with_header(token, long_chain, key)).reason == "x5c_too_long"


def test_oversized_header_is_refused(signer):
    key, _, chain = signer
    token = jws.sign(PAYLOAD, key, chain, alg="RS256", extra_header={"pad": "x" * 40_000})
    assert jws.verify(token).reason == "jws_header_too_large"


def _foreign_chain(common_name: str = "Evil Root CA"):
    ca_key, leaf_key = foreign.new_key(), foreign.new_key()
    ca_name = foreign.name(common_name)
    leaf = foreign.certificate(
        foreign.name("someone"),
        issuer_name=ca_name,
        issuer_key=ca_key,
        public_key=leaf_key.public_key(),
        extensions=foreign.signing_extensions(),
        days=365,
    )
    return leaf_key, leaf, ca_name, ca_key


def test_foreign_ca_is_unknown_issuer(pki):
    leaf_key, leaf, _, _ = _foreign_chain()
    result = jws.verify(jws.sign(PAYLOAD, leaf_key, [leaf]))
    assert result.reason == "unknown_issuer" and result.verdict == Verdict.UNKNOWN_ISSUER


def test_foreign_ca_copying_our_ca_name_is_chain_invalid(pki):
    from kasumi.trust.models import CertificateAuthority

    ours = pki.active_ca(CertificateAuthority.Role.CITIZEN_SIGN).certificate.subject
    leaf_key, leaf, _, _ = _foreign_chain()
    forged = foreign.certificate(
        leaf.subject,
        issuer_name=ours,
        issuer_key=foreign.new_key(),
        public_key=leaf_key.public_key(),
    )
    assert jws.verify(jws.sign(PAYLOAD, leaf_key, [forged])).reason == "chain_invalid"


def test_authentication_certificate_cannot_sign(signer):
    key, pair, _ = signer
    token = jws.sign(PAYLOAD, key, [pair.authentication.certificate])
    assert jws.verify(token).reason == "key_usage_invalid"


def test_expired_and_not_yet_valid_at_signing_time(signer):
    key, pair, chain = signer
    token = jws.sign(PAYLOAD, key, chain)
    later = pair.signing.not_after + timedelta(seconds=1)
    result = jws.verify(token, at=later)
    assert result.reason == "certificate_expired" and result.verdict == Verdict.EXPIRED
    earlier = pair.signing.not_before - timedelta(days=1)
    assert jws.verify(token, signing_time=earlier).reason == "certificate_not_yet_valid"


def test_revoked_certificate_is_refused_and_earlier_timestamped_signature_stands(signer):
    key, pair, chain = signer
    token = jws.sign(PAYLOAD, key, chain)
    revoked_at = pair.signing.not_before + timedelta(hours=2)
    revoke(pair.signing, RevocationReason.AFFILIATION_CHANGED, cause="test", at=revoked_at)
    after = revoked_at + timedelta(seconds=1)
    result = jws.verify(token, signing_time=after)
    assert result.reason == "certificate_revoked" and result.verdict == Verdict.REVOKED
    # With a trusted signing time before the revocation, the signature stands.
    before = revoked_at - timedelta(hours=1)
    assert jws.verify(token, signing_time=before).valid


def test_key_compromise_invalidates_even_earlier_signatures(signer):
    key, pair, chain = signer
    token = jws.sign(PAYLOAD, key, chain)
    revoke(pair.signing, RevocationReason.KEY_COMPROMISE)
    before = pair.signing.not_before + timedelta(seconds=1)
    assert jws.verify(token, signing_time=before).reason == "certificate_revoked"


def test_organisation_seal_may_sign_jws(pki, chiyoda):
    cert = pki.issue_platform_held(Certificate.Kind.ORGANISATION_SEAL, chiyoda)
    key = pki.held_key(cert).private_key()
    ca = pki.active_ca("organisation").certificate
    result = jws.verify(jws.sign(PAYLOAD, key, [cert.certificate, ca]))
    assert result.valid
    assert result.signer.organisation_code == "131016"
    assert result.signer.organisation_name == "千代田区"


def test_bytes_token_and_non_ascii(signer):
    key, _, chain = signer
    token = jws.sign(PAYLOAD, key, chain)
    assert jws.verify(token.encode()).valid
    assert jws.verify("é".encode() + token.encode()).reason == "jws_malformed"


@settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_and_never_pass(pki, data):
    result = jws.verify(data)
    assert not result.valid
    assert result.reason is not None


@settings(
    max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_single_byte_change_in_the_token_fails(signer, position, flip):
    key, _, chain = signer
    token = jws.sign(b"payload", key, chain, alg="RS256")
    raw = bytearray(token.encode())
    i = position % len(raw)
    raw[i] = (raw[i] + flip) % 256
    result = jws.verify(bytes(raw))
    # Base64 has slack bits; a change that decodes to the same bytes is not a change.
    if result.valid:
        assert result.payload == b"payload"
        parts = bytes(raw).decode().split(".")
        assert [jws._b64url_decode(p) for p in parts] == [
            jws._b64url_decode(p) for p in token.split(".")
        ]


def test_timestamped_signature_keeps_its_signing_time_after_revocation(signer):
    key, pair, chain = signer
    token = jws.sign(PAYLOAD, key, chain)
    stamp = jws.timestamp(token)
    revoke(
        pair.signing,
        RevocationReason.AFFILIATION_CHANGED,
        at=datetime.now(UTC) + timedelta(seconds=2),
    )
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert jws.verify(token, at=later).reason == "certificate_revoked"
    result = jws.verify_timestamped(token, stamp, at=later)
    assert result.valid, result.as_dict()
    assert result.signing_time_source == "timestamp"
    assert result.checks[0].name == "timestamp"


def test_timestamp_of_another_signature_is_refused(signer):
    key, _, chain = signer
    token = jws.sign(PAYLOAD, key, chain)
    other = jws.sign(b"other", key, chain)
    result = jws.verify_timestamped(token, jws.timestamp(other))
    assert result.reason == "timestamp_invalid"
    assert jws.verify_timestamped(token, b"garbage").reason == "timestamp_invalid"
