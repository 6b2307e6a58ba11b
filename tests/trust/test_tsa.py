"""The time-stamp authority: RFC 3161 / RFC 5816 interop with openssl, and verify_token."""

from __future__ import annotations

import hashlib
import secrets
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasumi.trust import oids, revocation, tsa
from kasumi.trust.keystore import default_keystore
from kasumi.trust.models import Certificate, CertificateAuthority, RevocationReason, TimeStamp
from tests.trust import foreign

PEM = serialization.Encoding.PEM
DATA = "児童手当 認定通知書 第131016-0001号\n".encode()


def openssl(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, text=True, check=check, timeout=60
    )


def post_query(body: bytes, content_type: str = "application/timestamp-query"):
    # CONTENT_TYPE is passed explicitly: the test client drops it for an empty body.
    return Client().generic("POST", "/tsa", body, content_type, CONTENT_TYPE=content_type)


def status_of(response_der: bytes) -> tuple[str, set[str]]:
    status = tsa.TimeStampResp.load(response_der)["status"]
    codes = {v: k for k, v in tsa.FAILURES.items()}
    return status["status"].native, {codes[f] for f in status["fail_info"].native or ()}


def make_query(
    digest: bytes, algorithm: str = "sha256", *, policy: str | None = None, **extra
) -> bytes:
    value = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
        "cert_req": True,
        **extra,
    }
    if policy is not None:
        value["req_policy"] = policy
    return tsp.TimeStampReq(value).dump()


@pytest.fixture
def files(pki, tmp_path: Path) -> Path:
    """root.pem (trust anchor), chain.pem (the TSU's issuing CA) and the data file f."""
    root = pki.root_ca().certificate
    services = pki.active_ca(CertificateAuthority.Role.SERVICES).certificate
    (tmp_path / "root.pem").write_bytes(root.public_bytes(PEM))
    (tmp_path / "chain.pem").write_bytes(services.public_bytes(PEM))
    (tmp_path / "f").write_bytes(DATA)
    return tmp_path


def field(text: str, name: str) -> str:
    """The value of ``name:`` in openssl's ``-text`` output."""
    for line in text.splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} in\n{text}")


# -- openssl interop over HTTP ---------------------------------------------------------


def test_openssl_query_reply_and_verify(files: Path):
    d = files
    openssl("ts", "-query", "-data", d / "f", "-sha256", "-cert", "-out", d / "q.tsq")
    response = post_query((d / "q.tsq").read_bytes())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/timestamp-reply"
    (d / "r.tsr").write_bytes(response.content)

    query_text = openssl("ts", "-query", "-in", d / "q.tsq", "-text").stdout
    reply_text = openssl("ts", "-reply", "-in", d / "r.tsr", "-text").stdout
    assert field(reply_text, "Status") == "Granted."
    assert field(reply_text, "Policy OID") == oids.TSA_POLICY
    assert field(reply_text, "Accuracy").startswith("0x01 seconds")
    assert field(reply_text, "Ordering") == "no"
    assert field(reply_text, "Nonce") == field(query_text, "Nonce")
    assert "." in field(reply_text, "Time stamp")  # sub-second genTime
    assert "Time-Stamping Unit" in field(reply_text, "TSA")

    common = ("-CAfile", d / "root.pem", "-untrusted", d / "chain.pem")
    by_query = openssl("ts", "-verify", "-in", d / "r.tsr", "-queryfile", d / "q.tsq", *common)
    assert "Verification: OK" in by_query.stdout
    by_data = openssl("ts", "-verify", "-in", d / "r.tsr", "-data", d / "f", *common)
    assert "Verification: OK" in by_data.stdout

    (d / "tampered").write_bytes(DATA.replace(b"0001", b"0002"))
    tampered = openssl(
        "ts", "-verify", "-in", d / "r.tsr", "-data", d / "tampered", *common, check=False
    )
    assert tampered.returncode != 0
    assert "Verification: OK" not in tampered.stdout

    info = tsa.verify_token(tsa.token_from_response(response.content), data=DATA)
    assert info.nonce == int(field(query_text, "Nonce"), 16)
    record = TimeStamp.objects.get()
    assert record.serial == format(info.serial, "x") and record.gen_time == info.gen_time
    assert record.message_digest == hashlib.sha256(DATA).hexdigest()
    assert record.hash_algorithm == "sha256" and record.policy == oids.TSA_POLICY
    assert int(record.serial, 16) == int(field(reply_text, "Serial number"), 16)


def test_openssl_sha512_without_certificates(pki, files: Path):
    """cert_req false: the token carries no certificates; the verifier supplies the TSU's."""
    d = files
    openssl("ts", "-query", "-data", d / "f", "-sha512", "-no_nonce", "-out", d / "q.tsq")
    response = post_query((d / "q.tsq").read_bytes())
    (d / "r.tsr").write_bytes(response.content)
    token = tsa.token_from_response(response.content)
    assert not cms.ContentInfo.load(token)["content"]["certificates"]

    tsu = pki.service_certificate(Certificate.Kind.TIME_STAMPING).certificate
    (d / "untrusted.pem").write_bytes(tsu.public_bytes(PEM) + (d / "chain.pem").read_bytes())
    result = openssl(
        "ts", "-verify", "-in", d / "r.tsr", "-queryfile", d / "q.tsq",
        "-CAfile", d / "root.pem", "-untrusted", d / "untrusted.pem",
    )  # fmt: skip
    assert "Verification: OK" in result.stdout
    # verify_token finds the TSU certificate among the platform's own records.
    info = tsa.verify_token(token, data=DATA)
    assert info.hash_algorithm == "sha512" and info.nonce is None


def test_sha1_query_is_refused_with_bad_alg(files: Path):
    d = files
    openssl("ts", "-query", "-data", d / "f", "-sha1", "-cert", "-out", d / "q.tsq")
    response = post_query((d / "q.tsq").read_bytes())
    assert response.status_code == 200
    assert status_of(response.content) == ("rejection", {"bad_alg"})
    (d / "r.tsr").write_bytes(response.content)
    text = openssl("ts", "-reply", "-in", d / "r.tsr", "-text").stdout
    assert field(text, "Status") == "Rejected."
    assert "unrecognized or unsupported algorithm identifier" in text
    assert not TimeStamp.objects.exists()


def test_foreign_policy_is_refused_and_ours_is_granted(files: Path):
    d = files
    openssl(
        "ts", "-query", "-data", d / "f", "-tspolicy", "1.2.3.4.5", "-out", d / "q.tsq"
    )  # fmt: skip
    refused = post_query((d / "q.tsq").read_bytes())
    assert status_of(refused.content) == ("rejection", {"unaccepted_policy"})
    ours = post_query(make_query(hashlib.sha256(DATA).digest(), policy=oids.TSA_POLICY))
    assert status_of(ours.content) == ("granted", set())


@pytest.mark.parametrize(
    ("body", "fail"),
    [
        (b"", "bad_data_format"),
        (b"GET / HTTP/1.1\r\n\r\n", "bad_data_format"),
        (b"\x30\x03\x02\x01", "bad_data_format"),  # truncated
        (b"\x30\x84\xff\xff\xff\xff", "bad_data_format"),  # length beyond the body
        (make_query(b"\x00" * 32) + b"\x00", "bad_data_format"),  # trailing bytes
        (make_query(b"\x00" * 31), "bad_data_format"),  # wrong digest length
        (make_query(b"\x00" * 64, "sha3_512"), "bad_alg"),
        (make_query(b"\x00" * 16, "md5"), "bad_alg"),
        (make_query(b"\x00" * 32, version="v2"), "bad_data_format"),
        (make_query(b"\x00" * 32, nonce=-5), "bad_request"),
        (
            make_query(b"\x00" * 32, extensions=[{"extn_id": "1.2.3", "extn_value": b"x"}]),
            "unaccepted_extension",
        ),
    ],
)
def test_bad_requests_get_a_rejection_not_an_error(pki, body: bytes, fail: str):
    response = post_query(body)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/timestamp-reply"
    status, failures = status_of(response.content)
    assert (status, failures) == ("rejection", {fail})
    with pytest.raises(tsa.TimeStampError) as exc:
        tsa.token_from_response(response.content)
    assert exc.value.code == fail and exc.value.message


VALID_QUERY = make_query(hashlib.sha256(DATA).digest(), nonce=2**63 + 5)


def mutate(data: bytes, position: int, value: int, cut: int) -> bytes:
    """``data`` with one byte replaced and perhaps truncated: near-valid DER."""
    position %= len(data)
    changed = data[:position] + bytes([value]) + data[position + 1 :]
    return changed[: len(changed) - cut]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=300)
    | st.builds(
        mutate,
        st.just(VALID_QUERY),
        st.integers(min_value=0),
        st.integers(0, 255),
        st.sampled_from([0, 0, 1, 7]),
    )
)
def test_respond_never_raises(pki, body: bytes):
    status, failures = status_of(tsa.respond(body))
    assert (status == "granted") == (not failures)
    assert failures <= set(tsa.FAILURES) - {"system_failure"}


def test_http_errors(pki):
    client = Client()
    get = client.get("/tsa")
    assert get.status_code == 405 and get["Allow"] == "POST"
    assert get.json()["code"] == "method_not_allowed"
    query = make_query(hashlib.sha256(DATA).digest())
    wrong_type = post_query(query, "application/octet-stream")
    assert wrong_type.status_code == 415
    assert wrong_type.json()["code"] == "unsupported_media_type"
    too_large = b"\x30\x82\x40\x01" + b"\x00" * 0x4001
    assert post_query(too_large).status_code == 413
    assert status_of(tsa.respond(too_large)) == ("rejection", {"bad_request"})
    # Parameters on the media type are allowed; no CSRF token or login is needed.
    ok = Client(enforce_csrf_checks=True).generic(
        "POST", "/tsa", query, CONTENT_TYPE="application/timestamp-query; foo=bar"
    )
    assert ok.status_code == 200 and status_of(ok.content)[0] == "granted"


def test_no_tsu_is_a_system_failure_not_an_error(db):
    tsa.reset()
    response = post_query(make_query(hashlib.sha256(DATA).digest()))
    assert status_of(response.content) == ("rejection", {"system_failure"})


# -- issue_token and verify_token ----------------------------------------------------


def test_token_contents(pki):
    digest = hashlib.sha384(DATA).digest()
    token = tsa.issue_token(digest, "sha384", nonce=2**70 + 1)
    signed_data = cms.ContentInfo.load(token)["content"]
    tst = signed_data["encap_content_info"]["content"].parsed.native
    assert tst["version"] == "v1" and tst["policy"] == oids.TSA_POLICY
    assert tst["message_imprint"]["hashed_message"] == digest
    assert tst["accuracy"] == {"seconds": 1, "millis": None, "micros": None}
    assert tst["ordering"] is False and tst["nonce"] == 2**70 + 1
    assert tst["serial_number"].bit_length() > 64
    tsu = pki.service_certificate(Certificate.Kind.TIME_STAMPING)
    attrs = {
        a["type"].native: a["values"][0] for a in signed_data["signer_infos"][0]["signed_attrs"]
    }
    ess = attrs["signing_certificate_v2"]["certs"][0]
    assert ess["cert_hash"].native == hashlib.sha256(bytes(tsu.der)).digest()
    assert ess["issuer_serial"]["serial_number"].native == int(tsu.serial, 16)
    certs = [c.chosen.dump() for c in signed_data["certificates"]]
    assert certs == [bytes(tsu.der), bytes(tsu.issuer.der)]

    # The envelope is assembled from parts: it must be exactly what a DER encoder makes.
    assert cms.ContentInfo.load(token).dump(force=True) == token
    bare = tsa.issue_token(digest, "sha384", nonce=2**2000, cert_req=False)
    assert cms.ContentInfo.load(bare).dump(force=True) == bare

    info = tsa.verify_token(token, data=DATA, digest=digest)
    assert info.serial == tst["serial_number"] and info.nonce == 2**70 + 1
    assert abs(info.gen_time - datetime.now(UTC)) < timedelta(minutes=1)
    assert info.tsu_certificate.serial_number == int(tsu.serial, 16)
    record = TimeStamp.objects.get(serial=format(info.serial, "x"))
    assert record.gen_time == info.gen_time and record.tsu_id == tsu.pk


def test_timestamp_data_establishes_when_data_existed(pki):
    token = tsa.timestamp_data(DATA)
    info = tsa.verify_token(token, data=DATA)
    assert info.hash_algorithm == "sha256" and info.policy == oids.TSA_POLICY
    assert info.message_digest == hashlib.sha256(DATA).digest()
    with pytest.raises(tsa.TimeStampError) as exc:
        tsa.verify_token(token, data=DATA + b" ")
    assert exc.value.code == "imprint_mismatch"
    with pytest.raises(tsa.TimeStampError) as exc:
        tsa.verify_token(token, digest=hashlib.sha256(b"other").digest())
    assert exc.value.code == "imprint_mismatch"


def test_serials_are_unique(pki):
    serials = {tsa.verify_token(tsa.timestamp_data(b"%d" % i)).serial for i in range(150)}
    assert len(serials) == 150
    assert TimeStamp.objects.values("serial").distinct().count() == 150


def test_refusals_when_issuing(pki):
    for args, code in [
        ((hashlib.sha1(DATA).digest(), "sha1"), "bad_alg"),
        ((hashlib.md5(DATA).digest(), "md5"), "bad_alg"),
        ((b"\x00" * 33, "sha256"), "bad_data_format"),
    ]:
        with pytest.raises(tsa.TimeStampError) as exc:
            tsa.issue_token(*args)
        assert exc.value.code == code
    with pytest.raises(tsa.TimeStampError) as exc:
        tsa.issue_token(b"\x00" * 32, policy="1.2.3.4")
    assert exc.value.code == "unaccepted_policy"
    assert not TimeStamp.objects.exists()


def _flip(token: bytes, part: bytes) -> bytes:
    assert token.count(part) == 1
    changed = bytes([part[0] ^ 0x01]) + part[1:]
    return token.replace(part, changed)


def test_altered_tokens_are_rejected(pki):
    digest = hashlib.sha256(DATA).digest()
    token = tsa.issue_token(digest)
    signer_info = cms.ContentInfo.load(token)["content"]["signer_infos"][0]
    cases = {
        "signature_invalid": _flip(token, signer_info["signature"].native),
        "content_altered": _flip(token, digest),
        "token_malformed": token[:-1],
    }
    for code, altered in cases.items():
        with pytest.raises(tsa.TimeStampError) as exc:
            tsa.verify_token(altered)
        assert exc.value.code == code
    for garbage in (b"", b"\x30\x00", b"not a token", tsa.rejection("bad_alg", "x")):
        with pytest.raises(tsa.TimeStampError) as exc:
            tsa.verify_token(garbage)
        assert exc.value.code == "token_malformed"


@pytest.fixture
def one_token(pki) -> tuple[bytes, tsa.TokenInfo]:
    token = tsa.issue_token(hashlib.sha256(DATA).digest(), nonce=7)
    return token, tsa.verify_token(token)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=0), value=st.integers(0, 255))
def test_a_changed_byte_never_yields_a_different_verified_claim(one_token, position, value):
    """Any one-byte change is refused, or (in the unsigned CA certificate) changes nothing."""
    token, original = one_token
    changed = mutate(token, position, value, 0)
    try:
        info = tsa.verify_token(changed, data=DATA)
    except tsa.TimeStampError as exc:
        assert exc.code and exc.message
        return
    assert (info.serial, info.gen_time, info.message_digest, info.nonce) == (
        original.serial,
        original.gen_time,
        original.message_digest,
        original.nonce,
    )
    assert info.tsu_certificate == original.tsu_certificate


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    algorithm=st.sampled_from(sorted(tsa.DIGEST_SIZES)),
    data=st.data(),
)
def test_any_imprint_round_trips(pki, algorithm: str, data):
    size = tsa.DIGEST_SIZES[algorithm]
    digest = data.draw(st.binary(min_size=size, max_size=size), label="digest")
    nonce = data.draw(st.none() | st.integers(min_value=0, max_value=2**1024), label="nonce")
    cert_req = data.draw(st.booleans(), label="cert_req")
    token = tsa.issue_token(digest, algorithm, nonce=nonce, cert_req=cert_req)
    info = tsa.verify_token(token, digest=digest)
    assert (info.hash_algorithm, info.message_digest, info.nonce) == (algorithm, digest, nonce)

    wrong = data.draw(st.binary(max_size=size + 8).filter(lambda b: len(b) != size), label="wrong")
    with pytest.raises(tsa.TimeStampError) as exc:
        tsa.issue_token(wrong, algorithm)
    assert exc.value.code == "bad_data_format"


@given(size=st.integers(0, 70_000) | st.integers(120, 300))
def test_envelope_lengths_are_der(size: int):
    content = b"\x00" * size
    assert tsa._tlv(0x04, content) == core.OctetString(content).dump()


# -- other time-stamping units --------------------------------------------------------


TS_CONFIG = """\
[ tsa ]
default_tsa = unit
[ unit ]
serial = {dir}/serial
crypto_device = builtin
signer_digest = sha256
default_policy = {policy}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def openssl_token(d: Path, cert: x509.Certificate, key: rsa.RSAPrivateKey, policy: str) -> bytes:
    """A token for DATA made by ``openssl ts -reply`` with the given TSU certificate and key."""
    (d / "serial").write_text("01\n")
    (d / "ts.cnf").write_text(TS_CONFIG.format(dir=d, policy=policy))
    (d / "tsu.pem").write_bytes(cert.public_bytes(PEM))
    (d / "tsu.key").write_bytes(
        key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (d / "f").write_bytes(DATA)
    openssl("ts", "-query", "-data", d / "f", "-sha256", "-cert", "-out", d / "q.tsq")
    openssl(
        "ts", "-reply", "-config", d / "ts.cnf", "-queryfile", d / "q.tsq",
        "-signer", d / "tsu.pem", "-inkey", d / "tsu.key", "-token_out", "-out", d / "t.tst",
    )  # fmt: skip
    return (d / "t.tst").read_bytes()


@pytest.fixture(scope="module")
def foreign_keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    return tuple(rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))


def foreign_tsu(ca_name: x509.Name, ca_key, tsu_key) -> x509.Certificate:
    return foreign.certificate(
        foreign.name("Someone Else's TSA"),
        issuer_name=ca_name,
        issuer_key=ca_key,
        public_key=tsu_key.public_key(),
        extensions=((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),),
    )


@pytest.mark.parametrize(
    ("copy_our_ca_name", "code"), [(False, "unknown_issuer"), (True, "chain_invalid")]
)
def test_foreign_tsa_tokens_are_rejected(pki, tmp_path, foreign_keys, copy_our_ca_name, code):
    ca_key, tsu_key = foreign_keys
    if copy_our_ca_name:  # a foreign CA that took the name of our services CA
        ca_name = pki.active_ca(CertificateAuthority.Role.SERVICES).certificate.subject
    else:
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Throwaway CA")])
    token = openssl_token(tmp_path, foreign_tsu(ca_name, ca_key, tsu_key), tsu_key, oids.TSA_POLICY)
    with pytest.raises(tsa.TimeStampError) as exc:
        tsa.verify_token(token, data=DATA)
    assert exc.value.code == code


def test_platform_certificate_that_is_not_a_tsu_is_rejected(pki, tmp_path, citizen_keys):
    """A citizen signing certificate cannot time-stamp, even with the timeStamping EKU."""
    key = citizen_keys[0]
    cert = pki.issue(
        Certificate.Kind.CITIZEN_SIGN,
        public_key=key.public_key(),
        subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "K0000000001")]),
        not_after=datetime.now(UTC) + timedelta(days=30),
        extra_extensions=[
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
        ],
    )
    token = openssl_token(tmp_path, cert.certificate, key, oids.TSA_POLICY)
    with pytest.raises(tsa.TimeStampError) as exc:
        tsa.verify_token(token, data=DATA)
    assert exc.value.code == "not_a_tsu"


def test_openssl_made_token_from_our_tsu_verifies(pki, tmp_path):
    """verify_token is not only consistent with issue_token: it reads openssl's tokens too."""
    record = pki.service_certificate(Certificate.Kind.TIME_STAMPING)
    key = pki.held_key(record).private_key()
    assert key is not None
    token = openssl_token(tmp_path, record.certificate, key, "1.2.3.4.1")
    info = tsa.verify_token(token, data=DATA)
    assert info.policy == "1.2.3.4.1" and info.tsu_certificate == record.certificate


def test_new_and_revoked_tsu_certificates_take_effect_at_once(pki):
    old = pki.service_certificate(Certificate.Kind.TIME_STAMPING)
    before = tsa.timestamp_data(DATA)  # caches the current TSU

    label = f"tsu-test-{secrets.token_hex(4)}"
    public = default_keystore().generate_rsa(label, 2048)
    new = pki.issue(
        Certificate.Kind.TIME_STAMPING,
        public_key=public,
        subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kasumi Time-Stamping Unit 2")]),
        not_after=datetime.now(UTC) + timedelta(days=365),
        key_label=label,
    )
    after = tsa.verify_token(tsa.timestamp_data(DATA), data=DATA)
    assert after.tsu_certificate.serial_number == int(new.serial, 16)

    # Superseded: tokens made before the revocation stay valid, new ones use no revoked key.
    revocation.revoke(new, RevocationReason.SUPERSEDED)
    assert tsa.verify_token(tsa.timestamp_data(DATA)).tsu_certificate.serial_number == int(
        old.serial, 16
    )
    # Key compromise: nothing the key signed can be trusted any more.
    revocation.revoke(old, RevocationReason.KEY_COMPROMISE)
    with pytest.raises(tsa.TimeStampError) as exc:
        tsa.verify_token(before)
    assert exc.value.code == "tsu_revoked"
    with pytest.raises(pki.PKIError):
        tsa.timestamp_data(DATA)
    assert status_of(tsa.respond(make_query(hashlib.sha256(DATA).digest()))) == (
        "rejection",
        {"system_failure"},
    )
