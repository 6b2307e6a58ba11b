"""Sign X.509 certificates, CRLs and OCSP responses with a key from the key store.

The ``cryptography`` builders need a software private key. When the store
keeps one (the file store) it is used directly. When it does not (an HSM), the
builder signs with a throwaway placeholder key, and the to-be-signed bytes are
then re-signed by the store and the signature swapped in: the algorithm
identifier is the same (sha256WithRSAEncryption) so the TBS bytes are valid as
they are.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp

from kasumi.trust.keystore import KeyRef


@cache
def _placeholder_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _resigned(
    draft_der: bytes, spec: Any, tbs_field: str, signature_field: str, key: KeyRef
) -> bytes:
    """``draft_der`` (TBS, algorithm, signature) with the signature made by ``key``."""
    draft = spec.load(draft_der)
    tbs = draft[tbs_field]
    return bytes(
        spec(
            {
                tbs_field: tbs,
                "signature_algorithm": draft["signature_algorithm"],
                signature_field: key.sign(tbs.dump()),
            }
        ).dump()
    )


def sign_certificate(builder: x509.CertificateBuilder, key: KeyRef) -> x509.Certificate:
    private = key.private_key()
    if private is not None:
        return builder.sign(private, hashes.SHA256())
    draft = builder.sign(_placeholder_key(), hashes.SHA256()).public_bytes(
        serialization.Encoding.DER
    )
    return x509.load_der_x509_certificate(
        _resigned(draft, asn1_x509.Certificate, "tbs_certificate", "signature_value", key)
    )


def sign_crl(
    builder: x509.CertificateRevocationListBuilder, key: KeyRef
) -> x509.CertificateRevocationList:
    private = key.private_key()
    if private is not None:
        return builder.sign(private, hashes.SHA256())
    draft = builder.sign(_placeholder_key(), hashes.SHA256()).public_bytes(
        serialization.Encoding.DER
    )
    return x509.load_der_x509_crl(
        _resigned(draft, asn1_crl.CertificateList, "tbs_cert_list", "signature", key)
    )


def sign_ocsp(
    builder: ocsp.OCSPResponseBuilder, key: KeyRef, responder: x509.Certificate
) -> ocsp.OCSPResponse:
    """Sign as ``responder`` (named by key hash, its certificate included).

    The builder must not have a responder id or certificates yet: the library
    checks that they match the signing key, which for an HSM is the placeholder.
    """
    private = key.private_key()
    if private is not None:
        return (
            builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
            .certificates([responder])
            .sign(private, hashes.SHA256())
        )
    stand_in = _placeholder_certificate()
    draft = asn1_ocsp.OCSPResponse.load(
        builder.responder_id(ocsp.OCSPResponderEncoding.HASH, stand_in)
        .certificates([stand_in])
        .sign(_placeholder_key(), hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    basic = draft["response_bytes"]["response"].parsed
    tbs = basic["tbs_response_data"]
    key_hash = x509.SubjectKeyIdentifier.from_public_key(responder.public_key()).digest
    tbs["responder_id"] = asn1_ocsp.ResponderId(name="by_key", value=key_hash)
    signed_basic = asn1_ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": tbs,
            "signature_algorithm": basic["signature_algorithm"],
            "signature": key.sign(tbs.dump(force=True)),
            "certs": [
                asn1_x509.Certificate.load(responder.public_bytes(serialization.Encoding.DER))
            ],
        }
    )
    response = asn1_ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {
                "response_type": "basic_ocsp_response",
                "response": signed_basic,
            },
        }
    )
    return ocsp.load_der_ocsp_response(response.dump())


@cache
def _placeholder_certificate() -> x509.Certificate:
    """A self-signed certificate for the placeholder key (never leaves this module)."""
    from datetime import UTC, datetime, timedelta

    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "placeholder")])
    now = datetime.now(UTC)
    key = _placeholder_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
