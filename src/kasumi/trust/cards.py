"""PKCS#12 "card" files: a citizen key with its certificates, under a PIN.

Scripts, tests and load tests use them where a person would use a My Number
card or an enrolled phone. The key bag carries the signing certificate; the
authentication certificate and the CA chain ride along as extra certificates.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from kasumi.trust.models import Certificate


class CardError(Exception):
    """The card file cannot be opened (wrong PIN, damaged, not a Kasumi card)."""


@dataclass(frozen=True)
class Card:
    key: rsa.RSAPrivateKey
    signing: x509.Certificate | None
    authentication: x509.Certificate | None
    chain: list[x509.Certificate]  # issuing CA certificates, leaf side first


def _is_kind(cert: x509.Certificate, unit: str) -> bool:
    units = cert.subject.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATIONAL_UNIT_NAME)
    return any(u.value == unit for u in units)


def write_card(
    key: rsa.RSAPrivateKey,
    signing: Certificate | None,
    authentication: Certificate | None,
    chain: list[x509.Certificate],
    pin: str,
) -> bytes:
    if len(pin) < 4:
        raise CardError("the PIN must have at least 4 characters")
    main = signing or authentication
    if main is None:
        raise CardError("a card needs at least one certificate")
    extra = [c.certificate for c in (signing, authentication) if c is not None and c is not main]
    return pkcs12.serialize_key_and_certificates(
        name=b"kasumi-citizen",
        key=key,
        cert=main.certificate,
        cas=[*extra, *chain],
        encryption_algorithm=BestAvailableEncryption(pin.encode()),
    )


def read_card(data: bytes, pin: str) -> Card:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, pin.encode())
    except ValueError:
        raise CardError("cannot open the card: wrong PIN or not a PKCS#12 file") from None
    if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
        raise CardError("the card holds no RSA key with a certificate")
    certs = [cert, *extra]
    signing = next((c for c in certs if _is_kind(c, "Citizen Signing")), None)
    authentication = next((c for c in certs if _is_kind(c, "Citizen Authentication")), None)
    chain = [c for c in extra if c is not signing and c is not authentication]
    # The chain may hold both issuing CAs; JWS x5c wants the one that issued the leaf.
    return Card(key, signing, authentication, chain)


def issuer_chain(leaf: x509.Certificate, pool: list[x509.Certificate]) -> list[x509.Certificate]:
    """The CA certificates from ``pool`` that lead from ``leaf`` towards the root (root excluded)."""
    chain: list[x509.Certificate] = []
    current = leaf
    for _ in range(len(pool)):
        parent = next(
            (c for c in pool if c.subject == current.issuer and c.subject != c.issuer), None
        )
        if parent is None or parent in chain:
            break
        chain.append(parent)
        current = parent
    return chain
