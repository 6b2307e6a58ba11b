"""The platform PKI: create the CA hierarchy, find CAs, issue certificates.

``init_pki()`` (``kasumi pki init``) creates a root CA, four issuing CAs
(citizen signing, citizen authentication, organisation, platform services),
an OCSP signer certificate from each CA and a time-stamping unit certificate.
Creation is split in two so a second database (another machine, a test run)
can take the same hierarchy: :func:`generate_hierarchy` makes keys and
certificates without touching the database; :func:`install_hierarchy` records
them.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction

from kasumi.core.models import Organisation
from kasumi.paths import var_dir
from kasumi.trust import profiles
from kasumi.trust.keystore import KeyRef, KeyStore, default_keystore
from kasumi.trust.models import Certificate, CertificateAuthority
from kasumi.trust.x509sign import sign_certificate

logger = logging.getLogger(__name__)
Kind = Certificate.Kind
CARole = CertificateAuthority.Role


class PKIError(Exception):
    """The PKI is missing or cannot do what was asked."""


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """SHA-256 of the SubjectPublicKeyInfo: identifies a key across its certificates."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def serial_hex(serial: int) -> str:
    return format(serial, "x")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _build(
    *,
    subject: x509.Name,
    issuer: x509.Certificate | None,
    public_key: rsa.RSAPublicKey,
    signer: KeyRef,
    not_before: datetime,
    not_after: datetime,
    extensions: profiles.Extensions,
    serial: int | None = None,
) -> x509.Certificate:
    issuer_name = issuer.subject if issuer is not None else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer is not None:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return sign_certificate(builder, signer)


# -- the hierarchy ----------------------------------------------------------------


@dataclass
class GeneratedCA:
    role: str
    slug: str
    name: str
    der: bytes
    key_label: str
    parent_slug: str | None


@dataclass
class GeneratedCertificate:
    kind: str
    issuer_slug: str
    der: bytes
    key_label: str


@dataclass
class Hierarchy:
    keystore: str
    cas: list[GeneratedCA] = field(default_factory=list)
    certificates: list[GeneratedCertificate] = field(default_factory=list)


def generate_hierarchy(store: KeyStore | None = None) -> Hierarchy:
    """Create keys and certificates for a new PKI (nothing is written to the database)."""
    store = store or default_keystore()
    run = secrets.token_hex(4)  # labels of a new generation never clash with old keys
    now = _now()
    hierarchy = Hierarchy(keystore=store.kind)
    issued: dict[str, tuple[x509.Certificate, KeyRef]] = {}
    for profile in profiles.CA_PROFILES:
        label = f"ca-{profile.slug}-{run}"
        public = store.generate_rsa(label, profiles.CA_KEY_BITS)
        ref = KeyRef(store, label)
        is_root = profile.role == CARole.ROOT
        parent_cert, parent_key = (None, ref) if is_root else issued["root"]
        ext = profiles.ca_extensions(path_length=1 if is_root else 0)
        if not is_root:
            ext += profiles.distribution_extensions("root", ocsp=False)
        cert = _build(
            subject=profiles.ca_name(profile.common_name),
            issuer=parent_cert,
            public_key=public,
            signer=parent_key,
            not_before=now - timedelta(minutes=5),
            not_after=now + timedelta(days=365 * profile.years),
            extensions=ext,
        )
        issued[profile.slug] = (cert, ref)
        hierarchy.cas.append(
            GeneratedCA(
                role=profile.role,
                slug=profile.slug,
                name=cert.subject.rfc4514_string(),
                der=cert.public_bytes(serialization.Encoding.DER),
                key_label=label,
                parent_slug=None if is_root else "root",
            )
        )

    # One OCSP responder key, certified by every CA it answers for (RFC 6960 §4.2.2.2).
    ocsp_label = f"ocsp-{run}"
    ocsp_public = store.generate_rsa(ocsp_label, profiles.END_ENTITY_KEY_BITS)
    for slug, (ca_cert, ca_key) in issued.items():
        cert = _build(
            subject=profiles.service_name(f"OCSP Responder ({slug})"),
            issuer=ca_cert,
            public_key=ocsp_public,
            signer=ca_key,
            not_before=now - timedelta(minutes=5),
            not_after=now + timedelta(days=2 * 365),
            extensions=profiles.end_entity_extensions(Kind.OCSP_SIGNING)
            + profiles.distribution_extensions(slug, ocsp=False),
        )
        hierarchy.certificates.append(
            GeneratedCertificate(
                Kind.OCSP_SIGNING, slug, cert.public_bytes(serialization.Encoding.DER), ocsp_label
            )
        )

    tsu_label = f"tsu-{run}"
    tsu_public = store.generate_rsa(tsu_label, profiles.END_ENTITY_KEY_BITS)
    ca_cert, ca_key = issued["services"]
    tsu = _build(
        subject=profiles.service_name("Time-Stamping Unit 1"),
        issuer=ca_cert,
        public_key=tsu_public,
        signer=ca_key,
        not_before=now - timedelta(minutes=5),
        not_after=now + timedelta(days=6 * 365),
        extensions=profiles.end_entity_extensions(Kind.TIME_STAMPING)
        + profiles.distribution_extensions("services"),
    )
    hierarchy.certificates.append(
        GeneratedCertificate(
            Kind.TIME_STAMPING, "services", tsu.public_bytes(serialization.Encoding.DER), tsu_label
        )
    )
    return hierarchy


@transaction.atomic
def install_hierarchy(hierarchy: Hierarchy) -> None:
    """Record a generated hierarchy; the previous active CAs (if any) are retired."""
    CertificateAuthority.objects.filter(active=True).update(active=False)
    by_slug: dict[str, CertificateAuthority] = {}
    for ca in hierarchy.cas:
        cert = x509.load_der_x509_certificate(ca.der)
        slug = ca.slug
        # An older generation keeps its slug under a suffixed name so its CRL stays served.
        CertificateAuthority.objects.filter(slug=slug).exclude(
            fingerprint=fingerprint(ca.der)
        ).update(slug=f"{slug}-{cert.serial_number % 10**8}-old")
        by_slug[slug], _ = CertificateAuthority.objects.update_or_create(
            fingerprint=fingerprint(ca.der),
            defaults={
                "role": ca.role,
                "slug": slug,
                "name": ca.name,
                "parent": by_slug.get(ca.parent_slug) if ca.parent_slug else None,
                "der": ca.der,
                "key_label": ca.key_label,
                "keystore": hierarchy.keystore,
                "not_before": cert.not_valid_before_utc,
                "not_after": cert.not_valid_after_utc,
                "active": True,
            },
        )
    for item in hierarchy.certificates:
        cert = x509.load_der_x509_certificate(item.der)
        Certificate.objects.get_or_create(
            fingerprint=fingerprint(item.der),
            defaults={
                "issuer": by_slug[item.issuer_slug],
                "serial": serial_hex(cert.serial_number),
                "kind": item.kind,
                "subject_cn": _common_name(cert),
                "key_id": key_id(_rsa(cert.public_key())),
                "key_label": item.key_label,
                "not_before": cert.not_valid_before_utc,
                "not_after": cert.not_valid_after_utc,
                "der": item.der,
            },
        )
    transaction.on_commit(reset_caches)


def export_root(path_dir: str | None = None) -> None:
    """Write the active root and issuing CA certificates as PEM under ``var/pki/``."""
    directory = var_dir() / "pki" if path_dir is None else var_dir() / path_dir
    directory.mkdir(parents=True, exist_ok=True)
    for ca in CertificateAuthority.objects.filter(active=True):
        (directory / f"{ca.slug}.pem").write_bytes(
            ca.certificate.public_bytes(serialization.Encoding.PEM)
        )


def init_pki(store: KeyStore | None = None) -> bool:
    """Create and record the PKI unless one is active. True if it was created now."""
    if is_initialised():
        return False
    install_hierarchy(generate_hierarchy(store))
    export_root()
    logger.info("platform PKI created")
    return True


def is_initialised() -> bool:
    return CertificateAuthority.objects.filter(active=True, role=CARole.ROOT).exists()


# -- lookups (cached: CAs change only at init or rollover) ---------------------------

_cache_lock = threading.Lock()
_ca_cache: dict[str, CertificateAuthority] = {}


def reset_caches() -> None:
    with _cache_lock:
        _ca_cache.clear()
    from kasumi.trust import chains, crl, jws, ocsp, revocation, sealing, tsa

    chains.reset()
    jws.reset_cache()
    crl.reset()
    ocsp.reset()
    tsa.reset()
    sealing.reset()
    revocation.reset()


def active_ca(role: str) -> CertificateAuthority:
    ca = _ca_cache.get(role)
    if ca is not None:
        return ca
    try:
        ca = CertificateAuthority.objects.get(role=role, active=True)
    except CertificateAuthority.DoesNotExist:
        raise PKIError(
            f"no active {role} CA: run `kasumi pki init` to create the platform PKI"
        ) from None
    with _cache_lock:
        _ca_cache[role] = ca
    return ca


def root_ca() -> CertificateAuthority:
    return active_ca(CARole.ROOT)


def trusted_cas() -> list[CertificateAuthority]:
    """Every CA whose certificates still verify (retired generations included)."""
    return list(CertificateAuthority.objects.filter(revoked_at__isnull=True))


def ca_key(ca: CertificateAuthority) -> KeyRef:
    store = default_keystore()
    if store.kind != ca.keystore:
        raise PKIError(
            f"CA {ca.slug} keeps its key in the {ca.keystore} store, "
            f"but KASUMI_KEYSTORE selects {store.kind}"
        )
    return KeyRef(store, ca.key_label)


def chain_for(ca: CertificateAuthority) -> list[x509.Certificate]:
    """The CA's certificate and its parents up to (not including) the root."""
    chain: list[x509.Certificate] = []
    node: CertificateAuthority | None = ca
    while node is not None and node.parent_id is not None:
        chain.append(node.certificate)
        node = node.parent
    return chain


def service_certificate(kind: str, issuer: CertificateAuthority | None = None) -> Certificate:
    """The newest valid platform-held certificate of ``kind`` (TSU, OCSP signer)."""
    qs = Certificate.objects.filter(kind=kind, revoked_at__isnull=True, not_after__gt=_now())
    if issuer is not None:
        qs = qs.filter(issuer=issuer)
    cert = qs.exclude(key_label="").order_by("-not_before", "-id").first()
    if cert is None:
        raise PKIError(f"no valid {kind} certificate: run `kasumi pki init`")
    return cert


# -- issuing end-entity certificates -------------------------------------------------


def _rsa(key: object) -> rsa.RSAPublicKey:
    if not isinstance(key, rsa.RSAPublicKey):
        raise PKIError("only RSA keys are supported")
    return key


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def issue(
    kind: str,
    *,
    public_key: rsa.RSAPublicKey,
    subject: x509.Name,
    not_after: datetime,
    extra_extensions: profiles.Extensions | None = None,
    subject_ref: str = "",
    organisation: Organisation | None = None,
    issued_by: Organisation | None = None,
    key_label: str = "",
    issuance: uuid.UUID | None = None,
    not_before: datetime | None = None,
) -> Certificate:
    """Issue and record an end-entity certificate of ``kind`` from its issuing CA."""
    if public_key.key_size < profiles.END_ENTITY_KEY_BITS:
        raise PKIError(f"RSA keys must be at least {profiles.END_ENTITY_KEY_BITS} bits")
    ca = active_ca(profiles.ISSUING_ROLE[Kind(kind)])
    # Never outside the issuing CA's own validity.
    not_before = max(not_before or _now(), ca.not_before)
    not_after = min(not_after, ca.not_after)
    cert = _build(
        subject=subject,
        issuer=ca.certificate,
        public_key=public_key,
        signer=ca_key(ca),
        not_before=not_before,
        not_after=not_after,
        extensions=[
            *profiles.end_entity_extensions(kind),
            *(extra_extensions or []),
            *profiles.distribution_extensions(ca.slug),
        ],
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return Certificate.objects.create(
        issuer=ca,
        serial=serial_hex(cert.serial_number),
        kind=kind,
        subject_ref=subject_ref,
        subject_cn=_common_name(cert),
        organisation=organisation,
        issued_by=issued_by,
        issuance=issuance or uuid.uuid4(),
        key_id=key_id(public_key),
        key_label=key_label,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        der=der,
        fingerprint=fingerprint(der),
    )


def issue_platform_held(
    kind: str,
    organisation: Organisation,
    *,
    title: str = "",
    years: int = 3,
) -> Certificate:
    """An organisation seal or official (職責) certificate whose key the platform keeps.

    The key is generated in the key store: the organisation seals through the
    platform (a remote sealing service), never by handling the key itself.
    """
    if kind not in (Kind.ORGANISATION_SEAL, Kind.OFFICIAL):
        raise PKIError(f"{kind} certificates are not platform-held")
    if kind == Kind.OFFICIAL and not title.strip():
        raise PKIError("an official certificate needs the official's title (職責)")
    store = ca_key(active_ca(CARole.ORGANISATION)).store
    label = f"{'seal' if kind == Kind.ORGANISATION_SEAL else 'official'}-{organisation.code}-{secrets.token_hex(4)}"
    public = store.generate_rsa(label, profiles.END_ENTITY_KEY_BITS)
    return issue(
        kind,
        public_key=public,
        subject=profiles.organisation_name(organisation.name, organisation.code, title.strip()),
        not_after=_now() + timedelta(days=365 * years),
        subject_ref=f"organisation:{organisation.code}",
        organisation=organisation,
        key_label=label,
    )


def seal_certificate(organisation: Organisation) -> Certificate:
    """The organisation's current seal certificate (newest valid, not revoked)."""
    cert = (
        Certificate.objects.filter(
            kind=Kind.ORGANISATION_SEAL,
            organisation=organisation,
            revoked_at__isnull=True,
            not_after__gt=_now(),
        )
        .exclude(key_label="")
        .order_by("-not_before", "-id")
        .first()
    )
    if cert is None:
        raise PKIError(
            f"{organisation} has no valid seal certificate: "
            f"run `kasumi pki issue-seal --org {organisation.code}`"
        )
    return cert


def held_key(cert: Certificate) -> KeyRef:
    if not cert.key_label:
        raise PKIError(f"the platform does not hold the key of certificate {cert.serial}")
    return KeyRef(default_keystore(), cert.key_label)
