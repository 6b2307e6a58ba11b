"""The time-stamp authority (タイムスタンプ局): RFC 3161 tokens with RFC 5816 ESSCertIDv2.

:func:`issue_token` signs a TSTInfo over a message imprint with the platform's
time-stamping unit (TSU) and records it in :class:`~kasumi.trust.models.TimeStamp`;
:func:`respond` answers a DER ``TimeStampReq`` with a ``TimeStampResp`` (the HTTP
view is a thin wrapper); :func:`verify_token` checks a token and says when the
imprinted data is known to have existed; :func:`timestamp_data` is the
in-process client the sealing and signature code uses.

Choices:

- **Serial numbers** are random 128-bit integers, not database ids. Any number
  of app processes can issue without coordinating, a token is signed before its
  row exists (a failed signature leaves no row), and serials reveal nothing about
  how many tokens were issued. Uniqueness is enforced by the unique constraint
  on ``TimeStamp.serial``: a collision (odds about 2**-65 after 2**32 tokens)
  fails the insert and the token is re-made with a new serial.
- **Accuracy** is declared as 1 second. ``genTime`` carries microseconds so
  tokens issued within one second still order, but the TSA does not measure its
  own offset from UTC; it relies on the host's NTP discipline, which keeps it
  far inside one second. One second is also the bound ETSI EN 319 421 sets for
  TSAs, so relying parties that expect that profile accept our tokens.
- The TSU signs with ``KeyRef.sign`` (RSA PKCS#1 v1.5, SHA-256) so the key can
  live in an HSM. What does not change between tokens (the signer identifier,
  the ESSCertIDv2 attribute, the certificates) is encoded once per process and
  re-read when the TSU certificate changes (see :func:`reset`).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import algos, cms, core, parser, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models.signals import post_delete, post_save

from kasumi.trust import chains, oids, pki, revocation
from kasumi.trust.keystore import KeyRef, KeyStoreError
from kasumi.trust.models import Certificate, CertificateAuthority, RevocationReason, TimeStamp

logger = logging.getLogger(__name__)
Kind = Certificate.Kind

# Imprint algorithms we accept and their digest lengths (SHA-1 is broken for this use).
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
MAX_REQUEST_BYTES = 16 * 1024
MAX_TOKEN_BYTES = 256 * 1024
SERIAL_BITS = 128
ACCURACY_SECONDS = 1
# A new TSU certificate made in another process is picked up within this time;
# one made in this process, and any revocation, at once (see _unit()).
_RELOAD_SECONDS = 60.0


class TimeStampError(Exception):
    """A request the TSA refuses, or a token that does not verify.

    ``code`` is stable. When issuing it is the RFC 3161 failure it maps to
    (``bad_alg``, ``bad_request``, ``bad_data_format``, ``unaccepted_policy``,
    ``unaccepted_extension``); when verifying it is a reason such as
    ``token_malformed``, ``signature_invalid``, ``content_altered``,
    ``signing_certificate_mismatch``, ``unknown_issuer``, ``not_a_tsu`` or
    ``imprint_mismatch``.
    """

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message or code


@dataclass(frozen=True)
class TokenInfo:
    """What a verified token establishes: ``message_digest`` existed at ``gen_time``."""

    gen_time: datetime
    serial: int
    policy: str
    hash_algorithm: str
    message_digest: bytes
    tsu_certificate: x509.Certificate
    nonce: int | None = None


# -- the time-stamping unit, cached per process ---------------------------------------


@dataclass(frozen=True)
class _Unit:
    """The TSU and the parts of every token it signs that never change, as DER."""

    certificate_id: int
    issuer_id: int
    serial_hex: str
    not_after: datetime
    key: KeyRef
    sid: bytes  # SignerIdentifier (issuerAndSerialNumber)
    signing_certificate: bytes  # the signing-certificate-v2 attribute (ESSCertIDv2)
    tsa_name: bytes  # GeneralName, tagged [0] as in TSTInfo
    certificates: bytes  # CertificateSet, tagged [0] as in SignedData
    loaded: float


_lock = threading.Lock()
_current: _Unit | None = None


def _der(cls: Any, value: Any, **params: Any) -> bytes:
    return bytes(cls(value, **params).dump())


def _tlv(tag: int, content: bytes) -> bytes:
    """A DER element: one-byte ``tag``, definite length, ``content``."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


# DER tags used to assemble the CMS envelope around the TSTInfo.
_SEQUENCE, _SET, _OCTET_STRING, _CONTEXT_0 = 0x30, 0x31, 0x04, 0xA0

# The fixed vocabulary of every token, encoded once by asn1crypto.
_SHA256 = _der(algos.DigestAlgorithm, {"algorithm": "sha256"})
_IMPRINT_ALGORITHMS = {
    name: _der(algos.DigestAlgorithm, {"algorithm": name}) for name in DIGEST_SIZES
}
_RSA_PKCS1 = _der(algos.SignedDigestAlgorithm, {"algorithm": "rsassa_pkcs1v15"})
_ACCURACY = _der(tsp.Accuracy, {"seconds": ACCURACY_SECONDS})
_CONTENT_TYPE_ATTR = _der(cms.CMSAttribute, {"type": "content_type", "values": ["tst_info"]})
_MESSAGE_DIGEST_TYPE = _der(cms.CMSAttributeType, "message_digest")
_TST_INFO_TYPE = _der(cms.ContentType, "tst_info")
_SIGNED_DATA_TYPE = _der(cms.ContentType, "signed_data")
_V1, _V3 = _der(core.Integer, 1), _der(core.Integer, 3)


def reset() -> None:
    """Forget the cached TSU (call after issuing, revoking or rolling over its certificate)."""
    global _current
    with _lock:
        _current = None


def _load_unit() -> _Unit:
    record = pki.service_certificate(Kind.TIME_STAMPING)
    issuer: CertificateAuthority = record.issuer
    if issuer.revoked_at is not None:
        raise pki.PKIError("the CA of the time-stamping unit is revoked")
    der = bytes(record.der)
    cert = asn1_x509.Certificate.load(der)
    ca_cert = asn1_x509.Certificate.load(bytes(issuer.der))
    tbs = cert["tbs_certificate"]
    serial = tbs["serial_number"].native
    ess = tsp.ESSCertIDv2(
        {
            "hash_algorithm": {"algorithm": "sha256"},
            "cert_hash": hashlib.sha256(der).digest(),
            "issuer_serial": {
                "issuer": [asn1_x509.GeneralName({"directory_name": tbs["issuer"]})],
                "serial_number": serial,
            },
        }
    )
    return _Unit(
        certificate_id=record.pk,
        issuer_id=issuer.pk,
        serial_hex=record.serial,
        not_after=record.not_after,
        key=pki.held_key(record),
        sid=_der(
            cms.SignerIdentifier,
            {"issuer_and_serial_number": {"issuer": tbs["issuer"], "serial_number": serial}},
        ),
        signing_certificate=_der(
            cms.CMSAttribute, {"type": "signing_certificate_v2", "values": [{"certs": [ess]}]}
        ),
        tsa_name=_der(asn1_x509.GeneralName, {"directory_name": tbs["subject"]}, explicit=0),
        certificates=_der(
            cms.CertificateSet,
            [cms.CertificateChoices({"certificate": c}) for c in (cert, ca_cert)],
            implicit=0,
        ),
        loaded=time.monotonic(),
    )


def _unit(now: datetime) -> _Unit:
    """The TSU to sign with now: reloaded when stale, expired or revoked."""
    global _current
    unit = _current
    if (
        unit is None
        or now >= unit.not_after
        or time.monotonic() - unit.loaded > _RELOAD_SECONDS
        or revocation.status(unit.issuer_id, unit.serial_hex).revoked is not None
    ):
        unit = _load_unit()
        # The revocation snapshot can be ahead of what service_certificate() read.
        if revocation.status(unit.issuer_id, unit.serial_hex).revoked is not None:
            raise pki.PKIError("the time-stamping unit certificate is revoked")
        with _lock:
            _current = unit
    return unit


def _on_certificate_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    if sender is CertificateAuthority or instance.kind == Kind.TIME_STAMPING:
        reset()


# Only this module caches the TSU, so connecting here (not in AppConfig.ready)
# covers every process that could hold a stale one.
for _model in (Certificate, CertificateAuthority):
    post_save.connect(_on_certificate_change, sender=_model, dispatch_uid=f"tsa-{_model.__name__}")
    post_delete.connect(
        _on_certificate_change, sender=_model, dispatch_uid=f"tsa-del-{_model.__name__}"
    )


# -- issuing ---------------------------------------------------------------------------


def _check_imprint(digest: bytes, hash_algorithm: str) -> None:
    size = DIGEST_SIZES.get(hash_algorithm)
    if size is None:
        raise TimeStampError(
            "bad_alg",
            f"hash algorithm {hash_algorithm!r} is not accepted (use sha256, sha384 or sha512)",
        )
    if len(digest) != size:
        raise TimeStampError(
            "bad_data_format", f"a {hash_algorithm} digest is {size} bytes, not {len(digest)}"
        )


def _envelope(unit: _Unit, tst_der: bytes, cert_req: bool) -> bytes:
    """The TimeStampToken: ``tst_der`` in CMS SignedData signed by the TSU (RFC 5652, 3161).

    Only the TSTInfo is built through asn1crypto's classes. The envelope is
    fixed but for the digest and the signature, so it is assembled from parts
    asn1crypto encoded once: building it as asn1crypto objects re-encodes each
    level several times and took more time than the RSA signature. The tests
    check that asn1crypto re-encodes a token to the same bytes (it is DER).
    """
    message_digest = _tlv(
        _SEQUENCE,
        _MESSAGE_DIGEST_TYPE + _tlv(_SET, _tlv(_OCTET_STRING, hashlib.sha256(tst_der).digest())),
    )
    # DER orders a SET OF by the encodings of its elements (X.690 §11.6).
    attributes = b"".join(sorted((_CONTENT_TYPE_ATTR, message_digest, unit.signing_certificate)))
    # The signature covers the attributes as a SET; the SignerInfo holds them as [0].
    signature = unit.key.sign(_tlv(_SET, attributes))
    signer_info = _tlv(
        _SEQUENCE,
        _V1
        + unit.sid
        + _SHA256
        + _tlv(_CONTEXT_0, attributes)
        + _RSA_PKCS1
        + _tlv(_OCTET_STRING, signature),
    )
    content = _tlv(_SEQUENCE, _TST_INFO_TYPE + _tlv(_CONTEXT_0, _tlv(_OCTET_STRING, tst_der)))
    signed_data = _tlv(
        _SEQUENCE,
        _V3
        + _tlv(_SET, _SHA256)
        + content
        + (unit.certificates if cert_req else b"")
        + _tlv(_SET, signer_info),
    )
    return _tlv(_SEQUENCE, _SIGNED_DATA_TYPE + _tlv(_CONTEXT_0, signed_data))


def _issue(
    digest: bytes, hash_algorithm: str, nonce: int | None, cert_req: bool, policy: str | None
) -> bytes:
    _check_imprint(digest, hash_algorithm)
    if nonce is not None and nonce < 0:
        raise TimeStampError("bad_request", "the nonce must not be negative")
    if policy is not None and policy != oids.TSA_POLICY:
        raise TimeStampError("unaccepted_policy", f"this TSA issues under {oids.TSA_POLICY} only")
    imprint = tsp.MessageImprint(
        {
            "hash_algorithm": algos.DigestAlgorithm.load(_IMPRINT_ALGORITHMS[hash_algorithm]),
            "hashed_message": digest,
        }
    )
    # Re-read from DER: a structure asn1crypto built is re-encoded on every read.
    imprint = tsp.MessageImprint.load(imprint.dump())
    for _attempt in range(3):
        unit = _unit(datetime.now(UTC))
        gen_time = datetime.now(UTC)  # after any reload, so it is when the token is made
        serial = secrets.randbits(SERIAL_BITS) or 1
        fields: dict[str, Any] = {
            "version": "v1",
            "policy": oids.TSA_POLICY,
            "message_imprint": imprint,
            "serial_number": serial,
            "gen_time": gen_time,
            "accuracy": tsp.Accuracy.load(_ACCURACY),
            "tsa": asn1_x509.GeneralName.load(unit.tsa_name, explicit=0),
        }
        if nonce is not None:
            fields["nonce"] = nonce
        token = _envelope(unit, _der(tsp.TSTInfo, fields), cert_req)
        record = TimeStamp(
            serial=format(serial, "x"),
            gen_time=gen_time,
            hash_algorithm=hash_algorithm,
            message_digest=digest.hex(),
            policy=oids.TSA_POLICY,
            tsu_id=unit.certificate_id,
        )
        try:
            if transaction.get_connection().in_atomic_block:
                # A savepoint, so a serial collision does not break the caller's transaction.
                with transaction.atomic():
                    record.save(force_insert=True)
            else:
                record.save(force_insert=True)
        except IntegrityError:
            if TimeStamp.objects.filter(serial=record.serial).exists():
                continue  # serial collision: make the token again with another serial
            raise
        return token
    raise pki.PKIError("could not allocate a unique time-stamp serial")


def issue_token(
    digest: bytes,
    hash_algorithm: str = "sha256",
    *,
    nonce: int | None = None,
    cert_req: bool = True,
    policy: str | None = None,
) -> bytes:
    """A DER TimeStampToken (CMS SignedData over a TSTInfo) for ``digest``.

    ``hash_algorithm`` names the algorithm that produced ``digest`` (sha256,
    sha384 or sha512). With ``cert_req`` the token carries the TSU certificate
    and its issuing CA certificate. ``policy``, if given, must be the platform's
    TSA policy. Raises :class:`TimeStampError` for a request the TSA refuses and
    :class:`~kasumi.trust.pki.PKIError` if there is no usable TSU.
    """
    return _issue(digest, hash_algorithm, nonce, cert_req, policy)


def timestamp_data(data: bytes) -> bytes:
    """Time-stamp ``data`` (SHA-256 imprint) with the platform TSA, in process."""
    return issue_token(hashlib.sha256(data).digest(), "sha256")


# -- the protocol (RFC 3161 §2.4) ---------------------------------------------------------


class TimeStampResp(core.Sequence):  # type: ignore[misc]
    """RFC 3161 §2.4.2; asn1crypto's own class wrongly requires the token in refusals."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _response(status: dict[str, Any], token: cms.ContentInfo | None = None) -> bytes:
    value: dict[str, Any] = {"status": status}
    if token is not None:
        value["time_stamp_token"] = token
    return bytes(TimeStampResp(value).dump())


# Our failure codes (RFC 3161 PKIFailureInfo names in snake case) -> asn1crypto's names.
FAILURES = {
    "bad_alg": "bad_alg",
    "bad_request": "bad_request",
    "bad_data_format": "bad_data_format",
    "time_not_available": "time_not_available",
    "unaccepted_policy": "unaccepted_policy",
    "unaccepted_extension": "unaccepted_extensions",
    "system_failure": "system_failure",
}
_FAILURE_CODES = {v: k for k, v in FAILURES.items()}


def rejection(code: str, message: str) -> bytes:
    """A DER TimeStampResp refusing a request with failure ``code`` (a key of FAILURES)."""
    return _response(
        {"status": "rejection", "status_string": [message], "fail_info": {FAILURES[code]}}
    )


def _parse_request(request_der: bytes) -> tuple[bytes, str, int | None, bool, str | None]:
    if len(request_der) > MAX_REQUEST_BYTES:
        raise TimeStampError("bad_request", f"requests are limited to {MAX_REQUEST_BYTES} bytes")
    # asn1crypto parses lazily and can fail in many ways on hostile input; the
    # whole request is parsed here so any failure is a badDataFormat answer.
    try:
        req = tsp.TimeStampReq.load(request_der, strict=True)
        fields = req.native
        algorithm = req["message_imprint"]["hash_algorithm"]
        hash_algorithm = algorithm["algorithm"].native
        parameters = algorithm["parameters"].native
    except Exception:
        raise TimeStampError("bad_data_format", "not a DER TimeStampReq") from None
    if fields["version"] != "v1":
        raise TimeStampError("bad_data_format", "only TimeStampReq version 1 is supported")
    if hash_algorithm not in DIGEST_SIZES or parameters is not None:
        raise TimeStampError(
            "bad_alg", f"hash algorithm {hash_algorithm} is not accepted (use SHA-256/384/512)"
        )
    if fields["extensions"]:
        raise TimeStampError("unaccepted_extension", "this TSA accepts no request extensions")
    digest = fields["message_imprint"]["hashed_message"]
    return digest, hash_algorithm, fields["nonce"], bool(fields["cert_req"]), fields["req_policy"]


def respond(request_der: bytes) -> bytes:
    """Answer a DER TimeStampReq with a DER TimeStampResp; never raises on bad input.

    Refusals carry a PKIFailureInfo and a status string; if the TSA itself
    cannot sign (no TSU certificate, key store or database unavailable) the
    answer is a rejection with ``systemFailure``.
    """
    try:
        digest, hash_algorithm, nonce, cert_req, policy = _parse_request(request_der)
        token = _issue(digest, hash_algorithm, nonce, cert_req, policy)
    except TimeStampError as exc:
        return rejection(exc.code, exc.message)
    except (pki.PKIError, KeyStoreError, DatabaseError):
        logger.exception("time-stamp request failed")
        return rejection("system_failure", "the time-stamp authority is unavailable")
    return _response({"status": "granted"}, cms.ContentInfo.load(token))


def token_from_response(response_der: bytes) -> bytes:
    """The token in a granted TimeStampResp; :class:`TimeStampError` with the failure otherwise."""
    try:
        resp = TimeStampResp.load(response_der, strict=True)
        status = resp["status"]
        granted = status["status"].native in ("granted", "granted_with_mods")
        token = resp["time_stamp_token"]
        token_der = None if isinstance(token, core.Void) else bytes(token.dump())
        failures = {_FAILURE_CODES.get(f, f) for f in status["fail_info"].native or ()}
        text = "; ".join(status["status_string"].native or [])
    except Exception:  # asn1crypto on hostile input: see _parse_request
        raise TimeStampError("response_malformed", "not a DER TimeStampResp") from None
    if granted and token_der:
        return token_der
    if granted:
        raise TimeStampError("response_malformed", "a granted response without a token")
    raise TimeStampError(min(failures, default="rejection"), text)


# -- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    """What verification needs from a token, read out in one pass."""

    tst_der: bytes
    tst: dict[str, Any]
    digest_algorithm: str
    signature_algorithm: str
    signature: bytes
    signed_attrs: bytes  # DER as SET OF: what the signature covers (RFC 5652 §5.4)
    attributes: dict[str, Any]  # content_type, message_digest, signing_certificate_v2
    sid: tuple[bytes, int] | None  # issuer Name DER and serial; None for a key identifier
    certificates: list[bytes]


@dataclass(frozen=True)
class _CertId:
    """An ESSCertIDv2 (RFC 5035): hash of the signer certificate, optional issuer/serial."""

    hash_algorithm: str
    cert_hash: bytes
    issuer_names: list[bytes] | None
    serial: int | None


def _plain_certificates(contents: bytes) -> list[bytes]:
    """The X.509 certificates in a CertificateSet's contents, as the DER they arrived in.

    Split with the bare TLV parser: reading them through asn1crypto's classes
    would make it re-encode each certificate on the way out.
    """
    found = []
    while contents:
        class_, _method, tag, header, content, trailer = parser.parse(contents)
        size = len(header) + len(content) + len(trailer)
        if class_ == 0 and tag == 16:  # a plain Certificate SEQUENCE, not another choice
            found.append(contents[:size])
        contents = contents[size:]
    return found


def _parse_token(token: bytes) -> _Token:
    if len(token) > MAX_TOKEN_BYTES:
        raise TimeStampError("token_malformed", "the token is too large")
    # asn1crypto parses lazily and fails in many ways on hostile input: all the
    # reading happens here so that any failure is "token_malformed".
    try:
        content_info = cms.ContentInfo.load(token, strict=True)
        if content_info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = content_info["content"]
        if signed_data["version"].native != "v3":  # RFC 5652 §5.1, eContentType not id-data
            raise ValueError("SignedData version is not 3")
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise ValueError("not a TSTInfo")
        tst_der = bytes(encap["content"].contents)
        tst = tsp.TSTInfo.load(tst_der, strict=True).native
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise ValueError("a token has exactly one signer")
        signer_info = signer_infos[0]
        signed_attrs = signer_info["signed_attrs"]
        if isinstance(signed_attrs, core.Void):
            raise TimeStampError("signed_attributes_invalid", "the token has no signed attributes")
        # The bytes as received, before reading the attributes (asn1crypto would re-encode).
        signed_attrs_der = b"\x31" + signed_attrs.dump()[1:]
        attributes: dict[str, Any] = {}
        for attr in signed_attrs:
            name = attr["type"].native
            if name in attributes or len(attr["values"]) != 1:
                raise TimeStampError("signed_attributes_invalid", f"{name} is not single-valued")
            value = attr["values"][0]
            if name == "signing_certificate_v2":
                ess = value["certs"][0]  # RFC 5035 §5.4: the first identifies the signer
                issuer_serial = ess["issuer_serial"]
                has_issuer = not isinstance(issuer_serial, core.Void)
                attributes[name] = _CertId(
                    ess["hash_algorithm"]["algorithm"].native,
                    ess["cert_hash"].native,
                    [
                        n.chosen.untag().dump()
                        for n in issuer_serial["issuer"]
                        if n.name == "directory_name"
                    ]
                    if has_issuer
                    else None,
                    issuer_serial["serial_number"].native if has_issuer else None,
                )
            elif name in ("content_type", "message_digest"):
                attributes[name] = value.native
        sid = signer_info["sid"]
        certificates = signed_data["certificates"]
        return _Token(
            tst_der=tst_der,
            tst=tst,
            digest_algorithm=signer_info["digest_algorithm"]["algorithm"].native,
            signature_algorithm=signer_info["signature_algorithm"]["algorithm"].native,
            signature=signer_info["signature"].native,
            signed_attrs=signed_attrs_der,
            attributes=attributes,
            sid=(sid.chosen["issuer"].dump(), sid.chosen["serial_number"].native)
            if sid.name == "issuer_and_serial_number"
            else None,
            certificates=[]
            if isinstance(certificates, core.Void)
            else _plain_certificates(certificates.contents),
        )
    except TimeStampError:
        raise
    except Exception:
        raise TimeStampError("token_malformed", "not a DER RFC 3161 TimeStampToken") from None


def _readable(der: bytes) -> x509.Certificate | None:
    """``der`` as a certificate whose every field the checks use decodes, else None.

    cryptography decodes fields on first use; reading them here means a damaged
    certificate is set aside now rather than failing halfway through the checks.
    """
    try:
        cert = x509.load_der_x509_certificate(der)
        cert.issuer.public_bytes()
        cert.subject.public_bytes()
        cert.public_key()
        len(cert.extensions)
        cert.not_valid_before_utc, cert.not_valid_after_utc  # noqa: B018
    except Exception:  # cryptography raises several kinds (ValueError, DuplicateExtension…)
        return None
    return cert


def _named(ders: list[bytes], issuer: bytes, serial: int) -> x509.Certificate | None:
    """The readable certificate among ``ders`` with this issuer and serial."""
    for der in ders:
        cert = _readable(der)
        if (
            cert is not None
            and cert.serial_number == serial
            and cert.issuer.public_bytes() == issuer
        ):
            return cert
    return None


def _signer_certificate(parsed: _Token) -> x509.Certificate:
    """The certificate the signer id names: from the token, else a platform TSU record."""
    if parsed.sid is None:
        raise TimeStampError("signer_unknown", "the signer is not named by issuer and serial")
    issuer, serial = parsed.sid
    cert = _named(parsed.certificates, issuer, serial)
    if cert is None:  # a token issued without certReq
        rows = Certificate.objects.filter(kind=Kind.TIME_STAMPING, serial=format(serial, "x"))
        cert = _named([bytes(d) for d in rows.values_list("der", flat=True)], issuer, serial)
    if cert is None:
        raise TimeStampError("signer_unknown", "the token does not carry the TSU certificate")
    return cert


def _check_cert_id(cert_id: _CertId, signer: x509.Certificate) -> None:
    if cert_id.hash_algorithm not in DIGEST_SIZES:
        raise TimeStampError("algorithm_not_allowed", f"ESSCertIDv2 hash {cert_id.hash_algorithm}")
    der = signer.public_bytes(Encoding.DER)
    if cert_id.cert_hash != hashlib.new(cert_id.hash_algorithm, der).digest():
        raise TimeStampError("signing_certificate_mismatch", "certHash is not the signer's")
    if cert_id.issuer_names is not None and (
        cert_id.serial != signer.serial_number
        or signer.issuer.public_bytes() not in cert_id.issuer_names
    ):
        raise TimeStampError("signing_certificate_mismatch", "issuerSerial is not the signer's")


def verify_token(
    token: bytes, *, data: bytes | None = None, digest: bytes | None = None
) -> TokenInfo:
    """Verify a TimeStampToken from the platform TSA and return what it attests.

    Checks, in order: structure; algorithms; the signed attributes (content
    type, message digest of the TSTInfo); the CMS signature; that ESSCertIDv2
    names the signer certificate; that the signer is a platform TSU (chain to
    the platform root, kind and extended key usage); that ``genTime`` is within
    its validity and before any revocation; and, when ``data`` or ``digest`` is
    given, that the imprint matches. The first failure raises
    :class:`TimeStampError` with its reason code.
    """
    parsed = _parse_token(token)
    fields = parsed.tst
    if fields["version"] != "v1":
        raise TimeStampError("token_malformed", "TSTInfo version is not 1")

    # -- algorithms
    digest_algorithm = parsed.digest_algorithm
    if digest_algorithm not in _HASHES or parsed.signature_algorithm not in (
        "rsassa_pkcs1v15",
        f"{digest_algorithm}_rsa",
    ):
        raise TimeStampError(
            "algorithm_not_allowed", f"{digest_algorithm} with {parsed.signature_algorithm}"
        )
    imprint = fields["message_imprint"]
    hash_algorithm = imprint["hash_algorithm"]["algorithm"]
    message_digest = imprint["hashed_message"]
    if DIGEST_SIZES.get(hash_algorithm) != len(message_digest):
        raise TimeStampError("algorithm_not_allowed", f"imprint {hash_algorithm}")

    # -- signed attributes and the signature over them
    attrs = parsed.attributes
    for required in ("content_type", "message_digest", "signing_certificate_v2"):
        if required not in attrs:
            raise TimeStampError("signed_attributes_invalid", f"no {required} attribute")
    if attrs["content_type"] != "tst_info":
        raise TimeStampError("signed_attributes_invalid", "content-type is not id-ct-TSTInfo")
    if attrs["message_digest"] != hashlib.new(digest_algorithm, parsed.tst_der).digest():
        raise TimeStampError("content_altered", "the TSTInfo is not the content that was signed")
    signer = _signer_certificate(parsed)
    public_key = signer.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise TimeStampError("algorithm_not_allowed", "the TSU key is not RSA")
    try:
        public_key.verify(
            parsed.signature, parsed.signed_attrs, padding.PKCS1v15(), _HASHES[digest_algorithm]()
        )
    except InvalidSignature:
        raise TimeStampError("signature_invalid", "the TSU signature does not verify") from None
    _check_cert_id(attrs["signing_certificate_v2"], signer)

    # -- is the signer a platform time-stamping unit?
    info = chains.chain_info(signer)
    if info.error is not None:
        raise TimeStampError(info.error, "the TSU certificate is not from the platform PKI")
    assert info.authority is not None and info.not_before and info.not_after
    if info.authority.revoked:
        raise TimeStampError("issuer_revoked", "the TSU's CA is revoked")
    try:
        eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        eku = None
    # RFC 3161 §2.3: a TSA certificate has exactly the timeStamping EKU, critical.
    if (
        info.kind != Kind.TIME_STAMPING
        or eku is None
        or not eku.critical
        or list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING]
    ):
        raise TimeStampError("not_a_tsu", "the signer is not a time-stamping unit")
    gen_time: datetime = fields["gen_time"]
    if not info.not_before <= gen_time <= info.not_after:
        raise TimeStampError("tsu_not_valid", "genTime is outside the TSU certificate validity")
    revoked = revocation.status(info.authority.id, info.serial).revoked
    # Tokens made before an ordinary revocation stand; after a key compromise none do.
    if revoked is not None and (
        revoked.revoked_at <= gen_time or revoked.reason == RevocationReason.KEY_COMPROMISE
    ):
        raise TimeStampError("tsu_revoked", f"the TSU certificate was revoked {revoked.revoked_at}")

    # -- the imprint
    if digest is not None and digest != message_digest:
        raise TimeStampError("imprint_mismatch", "the token is for another digest")
    if data is not None and hashlib.new(hash_algorithm, data).digest() != message_digest:
        raise TimeStampError("imprint_mismatch", "the token is for other data")
    return TokenInfo(
        gen_time=gen_time,
        serial=fields["serial_number"],
        policy=fields["policy"],
        hash_algorithm=hash_algorithm,
        message_digest=message_digest,
        tsu_certificate=signer,
        nonce=fields["nonce"],
    )
