"""Certificate profiles: names, key usages and extensions for each kind.

One place says what a certificate of each kind contains, so issuance,
verification ("does this certificate allow signing?") and the docs agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from kasumi.trust import oids
from kasumi.trust.models import Certificate, CertificateAuthority

Kind = Certificate.Kind
CARole = CertificateAuthority.Role

CA_KEY_BITS = 3072
END_ENTITY_KEY_BITS = 2048


def public_url() -> str:
    """Base URL written into certificates (CRL, OCSP and CA certificate locations)."""
    return os.environ.get("KASUMI_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


def ca_certificate_url(slug: str) -> str:
    return f"{public_url()}/pki/ca/{slug}.crt"


def crl_url(slug: str) -> str:
    return f"{public_url()}/pki/crl/{slug}.crl"


def ocsp_url() -> str:
    return f"{public_url()}/pki/ocsp"


def pki_organisation_name() -> str:
    from django.conf import settings

    return "Kasumi Demo" if getattr(settings, "KASUMI_DEMO", False) else "Kasumi"


@dataclass(frozen=True)
class CAProfile:
    role: str
    slug: str
    common_name: str
    years: int


CA_PROFILES = (
    CAProfile(CARole.ROOT, "root", "Root CA", 20),
    CAProfile(CARole.CITIZEN_SIGN, "citizen-sign", "Citizen Signing CA", 10),
    CAProfile(CARole.CITIZEN_AUTH, "citizen-auth", "Citizen Authentication CA", 10),
    CAProfile(CARole.ORGANISATION, "organisation", "Organisation CA", 10),
    CAProfile(CARole.SERVICES, "services", "Platform Services CA", 10),
)

# Which CA issues each kind of end-entity certificate (OCSP signers: every CA).
ISSUING_ROLE = {
    Kind.CITIZEN_SIGN: CARole.CITIZEN_SIGN,
    Kind.CITIZEN_AUTH: CARole.CITIZEN_AUTH,
    Kind.ORGANISATION_SEAL: CARole.ORGANISATION,
    Kind.OFFICIAL: CARole.ORGANISATION,
    Kind.TIME_STAMPING: CARole.SERVICES,
}

POLICY = {
    Kind.CITIZEN_SIGN: oids.POLICY_CITIZEN_SIGN,
    Kind.CITIZEN_AUTH: oids.POLICY_CITIZEN_AUTH,
    Kind.ORGANISATION_SEAL: oids.POLICY_ORGANISATION_SEAL,
    Kind.OFFICIAL: oids.POLICY_OFFICIAL,
    Kind.TIME_STAMPING: oids.POLICY_TIME_STAMPING,
    Kind.OCSP_SIGNING: oids.POLICY_OCSP_SIGNING,
}

# Kinds whose key may make a signature that commits its holder (意思表示, 発行元証明).
SIGNING_KINDS = frozenset({Kind.CITIZEN_SIGN, Kind.ORGANISATION_SEAL, Kind.OFFICIAL})


def ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, pki_organisation_name()),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{pki_organisation_name()} {common_name}"),
        ]
    )


def opaque_name(common_name: str, unit: str) -> x509.Name:
    """Citizen certificates: the CN is an opaque serial, never the holder's name."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, pki_organisation_name()),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def organisation_name(name: str, code: str, title: str = "") -> x509.Name:
    """Seals and officials: the organisation by name and code; officials add a title."""
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, code),
    ]
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, title or name))
    return x509.Name(attrs)


def service_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, pki_organisation_name()),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{pki_organisation_name()} {common_name}"),
        ]
    )


Extensions = list[tuple[x509.ExtensionType, bool]]


def _key_usage(*, digital_signature: bool = False, content_commitment: bool = False,
               cert_sign: bool = False) -> x509.KeyUsage:  # fmt: skip
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def ca_extensions(path_length: int) -> Extensions:
    return [
        (x509.BasicConstraints(ca=True, path_length=path_length), True),
        (_key_usage(cert_sign=True), True),
    ]


def end_entity_extensions(kind: str) -> Extensions:
    """Key usage, extended key usage and policy for an end-entity ``kind``."""
    exts: Extensions = [(x509.BasicConstraints(ca=False, path_length=None), True)]
    if kind in SIGNING_KINDS:
        exts.append((_key_usage(digital_signature=True, content_commitment=True), True))
    elif kind == Kind.CITIZEN_AUTH:
        exts.append((_key_usage(digital_signature=True), True))
        exts.append((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False))
    elif kind == Kind.TIME_STAMPING:
        # RFC 3161 §2.3: the only EKU, and critical.
        exts.append((_key_usage(digital_signature=True, content_commitment=True), True))
        exts.append((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True))
    elif kind == Kind.OCSP_SIGNING:
        exts.append((_key_usage(digital_signature=True), True))
        exts.append((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False))
        exts.append((x509.UnrecognizedExtension(oids.OCSP_NO_CHECK, b"\x05\x00"), False))
    else:
        raise ValueError(f"unknown certificate kind {kind!r}")
    exts.append(
        (x509.CertificatePolicies([x509.PolicyInformation(POLICY[Kind(kind)], None)]), False)
    )
    return exts


def distribution_extensions(issuer_slug: str, *, ocsp: bool = True) -> Extensions:
    """Where to fetch the issuer's certificate, its CRL and (for end entities) OCSP."""
    access = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(ca_certificate_url(issuer_slug)),
        )
    ]
    if ocsp:
        access.insert(
            0,
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier(ocsp_url()),
            ),
        )
    return [
        (
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url(issuer_slug))],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            False,
        ),
        (x509.AuthorityInformationAccess(access), False),
    ]
