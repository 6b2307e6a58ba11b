"""Certificates from outside the platform PKI, for tests that must refuse them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(
    subject: x509.Name,
    *,
    issuer_name: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    public_key: rsa.RSAPublicKey,
    extensions: tuple[tuple[x509.ExtensionType, bool], ...] = (),
    days: int = 30,
) -> x509.Certificate:
    """A certificate signed by ``issuer_key`` under ``issuer_name``, valid from yesterday."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def ca_extensions(path_length: int | None = None) -> tuple[tuple[x509.ExtensionType, bool], ...]:
    return ((x509.BasicConstraints(ca=True, path_length=path_length), True),)


def signing_extensions() -> tuple[tuple[x509.ExtensionType, bool], ...]:
    """An end entity whose key usage allows commitments (what a seal or signer needs)."""
    return (
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.KeyUsage(True, True, False, False, False, False, False, False, False), True),
    )
