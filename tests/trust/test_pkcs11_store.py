"""The PKCS#11 key store against a real SoftHSM2 token made for this test run.

Each test run creates its own token directory, so nothing touches the
system's SoftHSM tokens. SoftHSM reads ``SOFTHSM2_CONF`` when the module is
initialised, which is the first time a store opens a session.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp

from kasumi.trust import jws, pkcs11_store, pki
from kasumi.trust.basic4 import BasicFourItems
from kasumi.trust.issuance import issue_citizen_certificates
from kasumi.trust.keystore import KeyRef, KeyStoreError, default_keystore, rsa_padding
from kasumi.trust.models import Certificate, CertificateAuthority
from kasumi.trust.pkcs11_store import DEFAULT_MODULE, Pkcs11KeyStore
from kasumi.trust.x509sign import sign_crl, sign_ocsp

pytestmark = pytest.mark.skipif(
    shutil.which("softhsm2-util") is None or not Path(DEFAULT_MODULE).exists(),
    reason="SoftHSM2 is not installed (apt install softhsm2): no PKCS#11 token to test against",
)

TOKEN = "kasumi-test"
OTHER_TOKEN = "kasumi-other"  # a second token, so a failed login does not meet ours
PIN = "1234"
SO_PIN = "12345678"


# Session scope, not module: pytest-django runs database tests first, which
# splits this module's tests in two, and a module fixture would then be set up
# twice. SoftHSM reads its configuration only once per process, so a second
# token directory would be invisible to this process but not to subprocesses.
@pytest.fixture(scope="session")
def softhsm(tmp_path_factory):
    """A SoftHSM2 configuration with two fresh tokens; SOFTHSM2_CONF points at it."""
    root = tmp_path_factory.mktemp("softhsm")
    tokens = root / "tokens"
    tokens.mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(conf))
        for token in (TOKEN, OTHER_TOKEN):
            subprocess.run(
                [
                    *("softhsm2-util", "--init-token", "--free", "--label", token),
                    *("--pin", PIN, "--so-pin", SO_PIN),
                ],
                check=True,
                capture_output=True,
            )
        yield conf


@pytest.fixture(scope="session")
def store(softhsm):
    return Pkcs11KeyStore(DEFAULT_MODULE, TOKEN, PIN)


@pytest.fixture(scope="session")
def hierarchy(store):
    """A whole platform PKI whose keys are on the token (five RSA-3072 CA keys)."""
    return pki.generate_hierarchy(store)


@pytest.fixture
def hsm_selected(softhsm, monkeypatch):
    """KASUMI_KEYSTORE=pkcs11 for this test, so pki.ca_key() uses the token."""
    monkeypatch.setenv("KASUMI_KEYSTORE", "pkcs11")
    monkeypatch.setenv("KASUMI_PKCS11_MODULE", DEFAULT_MODULE)
    monkeypatch.setenv("KASUMI_PKCS11_TOKEN", TOKEN)
    monkeypatch.setenv("KASUMI_PKCS11_PIN", PIN)
    default_keystore.cache_clear()
    yield
    default_keystore.cache_clear()  # the next test gets the store its environment names


def label(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def pem(tmp_path: Path, name: str, der: bytes) -> Path:
    path = tmp_path / f"{name}.pem"
    path.write_bytes(x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM))
    return path


# -- keys and signatures -------------------------------------------------------------


@pytest.mark.parametrize("pad", ["pkcs1v15", "pss"])
def test_sign_verify_round_trip(store, pad):
    name = label("seal")
    public = store.generate_rsa(name, 2048)
    assert public.key_size == 2048 and store.has(name)
    signature = store.sign(name, b"payload", pad)
    public.verify(signature, b"payload", rsa_padding(pad), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(signature, b"payload!", rsa_padding(pad), hashes.SHA256())
    # Another store object has no cached public key: it reads the modulus from the token.
    again = Pkcs11KeyStore(DEFAULT_MODULE, TOKEN, PIN).public_key(name)
    assert again.public_numbers() == public.public_numbers()


def test_private_key_never_leaves_the_token(store, softhsm):
    name = label("ca")
    store.generate_rsa(name, 2048)
    assert store.private_key(name) is None
    # Read the key's attributes from a separate process with its own login,
    # through python-pkcs11 directly: what the token says, not what the store says.
    script = """
import json, sys, pkcs11
from pkcs11 import Attribute as A, ObjectClass
lib = pkcs11.lib(sys.argv[1])
with lib.get_token(token_label=sys.argv[2]).open(user_pin=sys.argv[3]) as s:
    key = s.get_key(ObjectClass.PRIVATE_KEY, label=sys.argv[4])
    out = {a.name: key[a] for a in (A.SENSITIVE, A.EXTRACTABLE, A.ALWAYS_SENSITIVE,
                                      A.NEVER_EXTRACTABLE, A.SIGN, A.DECRYPT, A.TOKEN)}
    out["ID"] = key[A.ID].hex()
    try:
        key[A.PRIVATE_EXPONENT]
        out["exponent_readable"] = True
    except pkcs11.exceptions.AttributeSensitive:
        out["exponent_readable"] = False
print(json.dumps(out))
"""
    done = subprocess.run(
        [sys.executable, "-c", script, DEFAULT_MODULE, TOKEN, PIN, name],
        capture_output=True,
        text=True,
        env={**os.environ, "SOFTHSM2_CONF": str(softhsm)},
    )
    assert done.returncode == 0, done.stderr
    attrs = json.loads(done.stdout)
    assert attrs == {
        "SENSITIVE": True,
        "EXTRACTABLE": False,
        "ALWAYS_SENSITIVE": True,
        "NEVER_EXTRACTABLE": True,
        "SIGN": True,
        "DECRYPT": False,
        "TOKEN": True,
        "ID": attrs["ID"],
        "exponent_readable": False,
    }
    assert len(bytes.fromhex(attrs["ID"])) == 16


def test_clear_errors(store, softhsm):
    name = label("tsu")
    store.generate_rsa(name, 2048)
    with pytest.raises(KeyStoreError, match=f"key '{name}' already exists on PKCS#11 token"):
        store.generate_rsa(name, 2048)
    with pytest.raises(KeyStoreError, match="at least 2048 bits"):
        store.generate_rsa(label("small"), 1024)
    with pytest.raises(KeyStoreError, match="invalid key label"):
        store.generate_rsa("../Bad", 2048)
    assert not store.has("absent-key")
    with pytest.raises(KeyStoreError, match="no key 'absent-key' on PKCS#11 token 'kasumi-test'"):
        store.sign("absent-key", b"data")
    with pytest.raises(KeyStoreError, match="no key 'absent-key'"):
        store.public_key("absent-key")

    with pytest.raises(KeyStoreError, match="wrong user PIN for PKCS#11 token 'kasumi-other'"):
        Pkcs11KeyStore(DEFAULT_MODULE, OTHER_TOKEN, "0000").has("any")
    # Login is per process: a wrong PIN must not ride on the session the right one opened.
    with pytest.raises(KeyStoreError, match="already logged in in this process with another PIN"):
        Pkcs11KeyStore(DEFAULT_MODULE, TOKEN, "0000").has(name)
    with pytest.raises(KeyStoreError, match=r"no PKCS#11 token labelled 'nope'.*kasumi-test"):
        Pkcs11KeyStore(DEFAULT_MODULE, "nope", PIN).has("any")
    with pytest.raises(KeyStoreError, match="no PKCS#11 module at /nonexistent"):
        Pkcs11KeyStore("/nonexistent/libhsm.so", TOKEN, PIN)
    assert "1234" not in repr(store)


# Under pytest-xdist the test process has threads; the child only uses the
# store, whose lock is replaced at fork, so the usual fork-with-threads risk
# does not apply to what it does.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_forked_child_logs_in_again(store):
    # What a gunicorn worker does: the parent used the token, then forked.
    name = label("ocsp")
    public = store.generate_rsa(name, 2048)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.write(write, store.sign(name, b"from the child"))
        except BaseException as exc:
            os.write(write, repr(exc).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        signature = fh.read()
    os.waitpid(pid, 0)
    assert not signature.startswith(b"KeyStoreError"), signature
    public.verify(signature, b"from the child", rsa_padding("pkcs1v15"), hashes.SHA256())
    # The parent's own session is untouched by the child.
    store.sign(name, b"parent again")


def test_threads_share_the_session_safely(store):
    # Web server threads sign at once; the store serialises calls into the module.
    name = label("ocsp")
    public = store.generate_rsa(name, 2048)
    messages = [f"response {i}".encode() for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        signatures = list(pool.map(lambda m: store.sign(name, m, "pss"), messages))
    for message, signature in zip(messages, signatures, strict=True):
        public.verify(signature, message, rsa_padding("pss"), hashes.SHA256())


def test_lost_session_logs_in_again(store):
    # As after an HSM restart: the session the store holds is closed under it.
    name = label("tsu")
    public = store.generate_rsa(name, 2048)
    lost = pkcs11_store._sessions[(DEFAULT_MODULE, TOKEN)]
    lost.session.close()
    signature = store.sign(name, b"after the restart")
    assert pkcs11_store._sessions[(DEFAULT_MODULE, TOKEN)] is not lost
    public.verify(signature, b"after the restart", rsa_padding("pkcs1v15"), hashes.SHA256())


# -- the PKI with its keys on the token ----------------------------------------------


def test_hierarchy_verifies_with_openssl(store, hierarchy, tmp_path):
    assert hierarchy.keystore == "pkcs11"
    root = next(ca for ca in hierarchy.cas if ca.slug == "root")
    root_pem = pem(tmp_path, "root", root.der)
    for ca in hierarchy.cas:
        cert = x509.load_der_x509_certificate(ca.der)
        assert cert.public_key().public_numbers() == store.public_key(ca.key_label).public_numbers()
        done = subprocess.run(
            [
                "openssl",
                "verify",
                "-x509_strict",
                "-CAfile",
                root_pem,
                pem(tmp_path, ca.slug, ca.der),
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    for item in hierarchy.certificates:  # OCSP signers and the TSU, one level further down
        issuer = next(ca for ca in hierarchy.cas if ca.slug == item.issuer_slug)
        chain = ["-untrusted", pem(tmp_path, issuer.slug, issuer.der)] if issuer is not root else []
        leaf = pem(tmp_path, f"{item.kind}-{item.issuer_slug}", item.der)
        done = subprocess.run(
            ["openssl", "verify", "-x509_strict", "-CAfile", root_pem, *chain, leaf],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_citizen_certificate_issued_by_hsm_ca_signs_a_verifiable_jws(
    db, hierarchy, hsm_selected, citizen_keys
):
    pki.reset_caches()
    pki.install_hierarchy(hierarchy)
    pki.reset_caches()  # on_commit does not fire inside the test's transaction
    assert isinstance(default_keystore(), Pkcs11KeyStore)
    ca = pki.active_ca(CertificateAuthority.Role.CITIZEN_SIGN)
    assert ca.keystore == "pkcs11"
    key = citizen_keys[0]  # the citizen's own key (in her browser), not on the token
    pair = issue_citizen_certificates(
        key.public_key(),
        BasicFourItems(
            name="霞 花子",
            sex="2",
            date_of_birth=date(1990, 4, 1),
            address="東京都千代田区霞が関一丁目1番1号",
        ),
        subject_ref="person:1",
        issued_by=None,
    )
    assert pair.signing is not None and pair.authentication is not None
    leaf = pair.signing.certificate
    leaf.verify_directly_issued_by(ca.certificate)
    assert Certificate.objects.filter(issuer=ca, kind=Certificate.Kind.CITIZEN_SIGN).count() == 1

    token = jws.sign(b'{"procedure":"jidou-teate"}', key, [leaf, ca.certificate], alg="PS256")
    result = jws.verify(token)
    assert result.reason is None, result.checks
    assert result.payload == b'{"procedure":"jidou-teate"}'


def test_crl_signed_on_the_token(store, hierarchy):
    by_slug = {ca.slug: ca for ca in hierarchy.cas}
    ca = by_slug["citizen-sign"]
    ca_cert = x509.load_der_x509_certificate(ca.der)
    now = datetime.now(UTC).replace(microsecond=0)
    crl = sign_crl(
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + timedelta(days=1))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(0x1234).revocation_date(now).build()
        ),
        KeyRef(store, ca.key_label),
    )
    assert crl.is_signature_valid(ca_cert.public_key())
    assert crl.get_revoked_certificate_by_serial_number(0x1234) is not None
    assert not crl.is_signature_valid(
        x509.load_der_x509_certificate(by_slug["root"].der).public_key()
    )


def test_ocsp_response_signed_on_the_token(store, hierarchy):
    ca = next(ca for ca in hierarchy.cas if ca.slug == "citizen-sign")
    ca_cert = x509.load_der_x509_certificate(ca.der)
    responder = next(
        c
        for c in hierarchy.certificates
        if c.kind == Certificate.Kind.OCSP_SIGNING and c.issuer_slug == "citizen-sign"
    )
    responder_cert = x509.load_der_x509_certificate(responder.der)
    now = datetime.now(UTC).replace(microsecond=0)
    response = sign_ocsp(
        ocsp.OCSPResponseBuilder().add_response(
            cert=responder_cert,
            issuer=ca_cert,
            algorithm=hashes.SHA256(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=now,
            next_update=now + timedelta(hours=4),
            revocation_time=None,
            revocation_reason=None,
        ),
        KeyRef(store, responder.key_label),
        responder_cert,
    )
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert response.certificates == [responder_cert]
    assert response.responder_key_hash == (
        x509.SubjectKeyIdentifier.from_public_key(store.public_key(responder.key_label)).digest
    )
    assert response.signature_hash_algorithm is not None
    responder_cert.public_key().verify(
        response.signature,
        response.tbs_response_bytes,
        padding.PKCS1v15(),
        response.signature_hash_algorithm,
    )
