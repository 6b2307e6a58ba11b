"""Sealed documents (電子公印・eシール): HTML → PDF, sealed PAdES baseline B-LTA.

:func:`render_pdf` renders one of the templates under
``trust/documents/`` with WeasyPrint, offline: the URL fetcher accepts only
``data:`` URLs and fonts are found by family name (IPAexMincho, IPAexGothic).

:func:`seal_pdf` adds, in pyHanko's terms (ETSI EN 319 142-1):

1. a CMS signature (``/ETSI.CAdES.detached``) by the organisation's seal
   certificate. The key never leaves Kasumi's key store: :class:`KeyStoreSigner`
   hands the signed attributes to :meth:`KeyRef.sign`, so an HSM works as well
   as the file store (B-B);
2. a signature time-stamp from the platform TSA, called in-process (B-T);
3. the validation data (certificates, the root CA's CRL, OCSP responses for the
   seal and TSU certificates) in the document security store (B-LT);
4. a document time-stamp over all of that (B-LTA).

The seal certifies the document (DocMDP: further signatures allowed, any
other change flagged). :func:`add_document_timestamp` renews the archive
time-stamp later on.

Nothing is fetched over the network: CRLs and OCSP responses come from
:mod:`kasumi.trust.crl` and :mod:`kasumi.trust.ocsp`. What does not change
from one document to the next (parsed certificates, the root's CRL, OCSP
responses, the signer, the space the CMS needs) is cached per process for
``KASUMI_SEAL_CACHE_SECONDS`` (default 300, and never past ten minutes
before a cached response's nextUpdate). When it is loaded, pyHanko's
validator checks it (platform root as the only anchor, fetching disabled,
revocation data required for every certificate); each seal then costs two
RSA signatures, two time-stamps and pyHanko's writing. The WeasyPrint font
configuration, URL fetcher and parsed stylesheet are kept per thread.

Template context (both templates): ``document_number`` (文書番号, required),
``issue_date`` (a date, default today in Japan), ``title``, ``issuer_title``
(e.g. 千代田区長; default the organisation's name). :func:`seal_document` adds
``organisation`` itself. ``decision`` (決定通知書) also takes
``recipient_name``, ``recipient_address``, ``procedure_name``,
``application_number``, ``application_date``, ``outcome`` (認定, 却下…),
``items`` (label/value pairs), ``reasons``, ``contact``, ``show_appeal``
(default true: the 教示 on 審査請求 and 取消訴訟), ``appeal`` (paragraphs
replacing the standard 教示) and ``appeal_authority``. ``certificate`` (証明書,
e.g. 住民票の写し) takes ``fields`` (label/value pairs), ``columns`` and
``rows`` (a table), ``remarks`` and ``statement`` (the certifying sentence).
"""

from __future__ import annotations

import io
import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from asgiref.sync import async_to_sync, sync_to_async
from asn1crypto import cms as asn1_cms
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from asn1crypto.algos import SignedDigestAlgorithm
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, PdfTimeStamper, Signer
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from pyhanko_certvalidator.registry import SimpleCertificateStore

from kasumi.core.models import Organisation
from kasumi.trust import pki, profiles
from kasumi.trust.keystore import KeyRef
from kasumi.trust.models import Certificate, CertificateAuthority

Kind = Certificate.Kind
CARole = CertificateAuthority.Role
JST = ZoneInfo("Asia/Tokyo")

TEMPLATES = {
    "decision": "trust/documents/decision.html",
    "certificate": "trust/documents/certificate.html",
}
DEFAULT_TITLES = {"decision": "決定通知書", "certificate": "証明書"}
DEFAULT_STATEMENT = "この証明書は、{name}が保有する記録と相違ないことを証明する。"
PRINT_CSS = "trust/documents/print.css"
SEAL_FIELD_PREFIX = "KasumiSeal"
TIMESTAMP_FIELD_PREFIX = "KasumiDocTimeStamp"
MD_ALGORITHM = "sha256"


class SealingError(Exception):
    """A document cannot be rendered or sealed (the message says why)."""


# -- rendering ----------------------------------------------------------------------


def template_path(name: str) -> str:
    """``decision`` → ``trust/documents/decision.html``; full template paths pass through."""
    if name in TEMPLATES:
        return TEMPLATES[name]
    if name.startswith("trust/documents/") and name.endswith(".html") and ".." not in name:
        return name
    raise SealingError(
        f"unknown document template {name!r} (expected one of {', '.join(sorted(TEMPLATES))})"
    )


_ERAS = (  # (first day, name): 和暦 for dates printed on documents
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
)


def wareki(day: date) -> str:
    """``date(2025, 4, 1)`` → ``令和7年4月1日`` (元年 for an era's first year)."""
    for start, era in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def _as_date(value: Any, field_name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(JST).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise SealingError(f"{field_name}: {value!r} is not a date (YYYY-MM-DD)") from None
    raise SealingError(f"{field_name}: expected a date, got {type(value).__name__}")


def _organisation_view(value: Any) -> dict[str, str]:
    if isinstance(value, Organisation):
        return {"name": value.name, "code": value.code}
    if isinstance(value, Mapping) and value.get("name") and value.get("code"):
        return {"name": str(value["name"]), "code": str(value["code"])}
    raise SealingError("the context needs the issuing organisation (its name and code)")


def verify_url() -> str:
    """The public verify page, as printed on documents (Japanese, no language prefix)."""
    with translation.override("ja"):
        return f"{profiles.public_url()}{reverse('verify')}"


def document_context(template_name: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The context a document template sees: the caller's values plus defaults."""
    ctx = dict(context)
    short = next((k for k, v in TEMPLATES.items() if v == template_path(template_name)), "")
    number = str(ctx.get("document_number") or "").strip()
    if not number:
        raise SealingError("the context needs a document_number (文書番号)")
    ctx["document_number"] = number
    org = _organisation_view(ctx.get("organisation"))
    ctx["organisation"] = org
    issue_date = _as_date(ctx.get("issue_date"), "issue_date") or datetime.now(JST).date()
    ctx["issue_date"] = issue_date
    ctx.setdefault("issue_date_display", wareki(issue_date))
    application_date = _as_date(ctx.get("application_date"), "application_date")
    if application_date is not None:
        ctx.setdefault("application_date_display", wareki(application_date))
    ctx.setdefault("title", DEFAULT_TITLES.get(short, "通知書"))
    ctx.setdefault("issuer_title", org["name"])
    ctx.setdefault("show_appeal", True)
    ctx.setdefault("statement", DEFAULT_STATEMENT.format(name=org["name"]))
    ctx.setdefault("items", [])
    ctx.setdefault("fields", [])
    ctx.setdefault("verify_url", verify_url())
    return ctx


@dataclass(frozen=True)
class _RenderTools:
    fetcher: Any
    fonts: Any
    stylesheet: Any


# Per thread: Pango font maps, which a FontConfiguration wraps, are not safe to
# share between threads.
_render_local = threading.local()


def _offline_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):  # type: ignore[misc]
        """Only ``data:`` URLs: a sealed document must not depend on anything remote."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.lower().startswith("data:"):
                raise ValueError(f"documents may not load {url[:80]!r}: only data: URLs")
            return super().fetch(url, headers)

    return OfflineFetcher


def _tools() -> _RenderTools:
    """The URL fetcher, font configuration and parsed print CSS, made once per thread.

    Making them costs more than laying out a page: a fetcher loads the
    system's TLS trust store, a font configuration scans fontconfig, and
    parsing the stylesheet is a tenth of a render.
    """
    tools: _RenderTools | None = getattr(_render_local, "tools", None)
    if tools is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fetcher = _offline_fetcher_class()(allowed_protocols=("data",), fail_on_errors=True)
        fonts = FontConfiguration()
        stylesheet = CSS(string=render_to_string(PRINT_CSS), url_fetcher=fetcher, font_config=fonts)
        tools = _render_local.tools = _RenderTools(fetcher, fonts, stylesheet)
    return tools


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """Render a document template to PDF bytes (A4, fonts embedded, nothing fetched)."""
    from weasyprint import HTML

    ctx = document_context(template_name, context)
    ctx["print_css_external"] = True  # the stylesheet comes parsed from _tools()
    html = render_to_string(template_path(template_name), ctx)
    tools = _tools()
    try:
        pdf: bytes = HTML(string=html, base_url=None, url_fetcher=tools.fetcher).write_pdf(
            font_config=tools.fonts, stylesheets=[tools.stylesheet]
        )
    except Exception as exc:  # WeasyPrint raises many kinds; the caller needs one
        raise SealingError(f"cannot render {template_name}: {exc}") from exc
    return pdf


# -- the signer and the time-stamper --------------------------------------------------


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


class KeyStoreSigner(Signer):  # type: ignore[misc]
    """A pyHanko signer whose raw RSA signature comes from Kasumi's key store.

    pyHanko builds the CMS structure; only the signed attributes go to
    :meth:`KeyRef.sign` (SHA-256, PKCS#1 v1.5), so the key may live in an HSM.
    """

    def __init__(
        self,
        key: KeyRef,
        certificate: asn1_x509.Certificate,
        chain: list[asn1_x509.Certificate],
    ) -> None:
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs(chain),  # type: ignore[no-untyped-call]
            signature_mechanism=SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            embed_roots=True,
        )
        self._key = key
        self._signature_size = (certificate.public_key.bit_size + 7) // 8

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if digest_algorithm != MD_ALGORITHM:
            raise SigningError(f"the key store signs SHA-256 only, not {digest_algorithm}")
        if dry_run:  # pyHanko sizing the signature container
            return bytes(self._signature_size)
        return self._key.sign(data, "pkcs1v15")


class PlatformTimeStamper(TimeStamper):  # type: ignore[misc]
    """Time-stamp tokens from the platform TSA, in-process (no HTTP round trip).

    pyHanko asks a time-stamper once for a token over a dummy digest (to size
    the signature and find the TSU's certificates) and keeps it: one instance
    lives per process so that costs one extra token per process, not per seal.
    """

    def __init__(self) -> None:
        super().__init__(include_nonce=False)  # type: ignore[no-untyped-call]

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        from kasumi.trust import tsa

        # The TSA records each token in the database. Django allows that only
        # outside an event loop, and it must be the caller's connection (its
        # transaction, the test database): thread_sensitive runs the call back
        # in the thread that entered async_to_sync in seal_pdf().
        token = await sync_to_async(tsa.issue_token, thread_sensitive=True)(
            message_digest, md_algorithm, cert_req=True
        )
        return asn1_cms.ContentInfo.load(token)


# -- per-process material ------------------------------------------------------------


def _cache_seconds() -> float:
    return float(os.environ.get("KASUMI_SEAL_CACHE_SECONDS", "300"))


# Cached CRLs and OCSP responses are replaced this long before their nextUpdate,
# so what a seal embeds is current at its signing time whatever the cache age.
REVINFO_MARGIN = timedelta(minutes=10)


def _expiry(crls: list[asn1_crl.CertificateList], ocsps: list[asn1_ocsp.OCSPResponse]) -> datetime:
    """The earliest nextUpdate among ``crls`` and ``ocsps``."""
    times = [c["tbs_cert_list"]["next_update"].native for c in crls]
    for response in ocsps:
        times.extend(single["next_update"].native for single in response.response_data["responses"])
    known = [t for t in times if t is not None]
    return min(known) if known else datetime.now(UTC)


@dataclass
class _Platform:
    """What every seal shares: the trust anchor, the root's CRL, the TSU's OCSP response."""

    root: asn1_x509.Certificate
    certs: list[asn1_x509.Certificate]  # TSU chain, root last
    crls: list[asn1_crl.CertificateList]
    ocsps: list[asn1_ocsp.OCSPResponse]
    timestamper: PlatformTimeStamper
    expires: datetime
    loaded: float = field(default_factory=time.monotonic)


@dataclass
class _Seal:
    """One seal certificate: its signer, chain and OCSP response."""

    platform: _Platform
    signer: KeyStoreSigner
    certs: list[asn1_x509.Certificate]  # seal, issuing CA, root
    ocsp: asn1_ocsp.OCSPResponse
    expires: datetime
    validated: bool = False
    # Space for the CMS in the PDF (hex digits), learnt from the first seal:
    # later seals skip pyHanko's estimate, a dry run of the whole signature.
    bytes_reserved: int | None = None
    loaded: float = field(default_factory=time.monotonic)

    @cached_property
    def dss_certs(self) -> list[asn1_x509.Certificate]:
        """Every certificate a validator needs, once: both chains and the OCSP signers."""
        found: dict[bytes, asn1_x509.Certificate] = {}
        responders = [
            c
            for response in (self.ocsp, *self.platform.ocsps)
            for c in response["response_bytes"]["response"].parsed["certs"] or []
        ]
        for cert in (*self.certs, *self.platform.certs, *responders):
            found.setdefault(cert.sha256, cert)
        return list(found.values())


_lock = threading.Lock()
_platform: _Platform | None = None
_seals: dict[str, _Seal] = {}


def reset() -> None:
    """Forget cached material (done automatically when CAs or certificates are saved)."""
    global _platform
    with _lock:
        _platform = None
        _seals.clear()


def _on_pki_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    # A new root, CA, TSU or OCSP signer (pki init, rollover) invalidates
    # everything cached; a seal certificate saved only itself. Citizen
    # certificates, issued all day long, change nothing here.
    if sender is CertificateAuthority or instance.kind in (Kind.TIME_STAMPING, Kind.OCSP_SIGNING):
        reset()
    elif instance.kind == Kind.ORGANISATION_SEAL:
        with _lock:
            _seals.pop(instance.fingerprint, None)


for _model in (Certificate, CertificateAuthority):
    post_save.connect(_on_pki_change, sender=_model, dispatch_uid=f"sealing-{_model.__name__}")
    post_delete.connect(
        _on_pki_change, sender=_model, dispatch_uid=f"sealing-del-{_model.__name__}"
    )


def _fresh(loaded: float, expires: datetime) -> bool:
    return (
        time.monotonic() - loaded < _cache_seconds()
        and datetime.now(UTC) < expires - REVINFO_MARGIN
    )


def _chain(ca: CertificateAuthority) -> list[x509.Certificate]:
    return [*pki.chain_for(ca), pki.root_ca().certificate]


def _platform_material() -> _Platform:
    global _platform
    from kasumi.trust import crl, ocsp

    current = _platform
    if current is not None and _fresh(current.loaded, current.expires):
        return current
    root = pki.root_ca()
    tsu = pki.service_certificate(Kind.TIME_STAMPING)
    # The root's CRL covers every issuing CA; end entities get OCSP responses.
    crls = [asn1_crl.CertificateList.load(crl.current_crl(root))]
    ocsps = [asn1_ocsp.OCSPResponse.load(ocsp.response_for(tsu.certificate))]
    material = _Platform(
        root=_asn1_cert(root.certificate),
        certs=[_asn1_cert(c) for c in (tsu.certificate, *_chain(tsu.issuer))],
        crls=crls,
        ocsps=ocsps,
        timestamper=PlatformTimeStamper(),
        expires=_expiry(crls, ocsps),
    )
    with _lock:
        _platform = material
    return material


def _seal_material(cert: Certificate) -> _Seal:
    from kasumi.trust import ocsp

    platform = _platform_material()
    current = _seals.get(cert.fingerprint)
    if (
        current is not None
        and current.platform is platform
        and _fresh(current.loaded, current.expires)
    ):
        return current
    leaf = _asn1_cert(cert.certificate)
    chain = [_asn1_cert(c) for c in _chain(cert.issuer)]
    response = asn1_ocsp.OCSPResponse.load(ocsp.response_for(cert.certificate))
    material = _Seal(
        platform=platform,
        signer=KeyStoreSigner(pki.held_key(cert), leaf, chain),
        certs=[leaf, *chain],
        ocsp=response,
        expires=_expiry([], [response]),
    )
    with _lock:
        _seals[cert.fingerprint] = material
    return material


async def _validate(seal: _Seal) -> None:
    """Check once per material that what will be embedded validates the seal and TSU.

    Uses pyHanko's validator with the platform root as the only anchor, the
    cached CRL and OCSP responses, no fetching, and revocation data required
    for every certificate: a seal is never issued with incomplete LTV data.
    """
    platform = seal.platform
    context = ValidationContext(
        trust_roots=[platform.root],
        other_certs=seal.dss_certs,
        crls=platform.crls,
        ocsps=[seal.ocsp, *platform.ocsps],
        allow_fetching=False,
        revocation_mode="require",
    )
    try:
        validator = CertificateValidator(
            seal.certs[0], intermediate_certs=seal.certs[1:], validation_context=context
        )
        await validator.async_validate_usage({"non_repudiation"})  # type: ignore[no-untyped-call]
        paths = platform.timestamper.validation_paths(context)  # type: ignore[no-untyped-call]
        async for _path in paths:
            pass  # raises if the TSU does not validate
    except (PathBuildingError, PathValidationError, RevokedError, InvalidCertificateError) as exc:
        raise SealingError(f"the seal or TSU certificate does not validate: {exc}") from exc
    seal.validated = True


# -- sealing ---------------------------------------------------------------------------


@dataclass
class _Job:
    seal: _Seal
    writer: IncrementalPdfFileWriter
    meta: PdfSignatureMetadata
    timestamp_field: str


async def _seal_async(job: _Job) -> bytes:
    seal = job.seal
    if not seal.validated:
        await _validate(seal)
    timestamper = seal.platform.timestamper
    # B-B and B-T: the CMS signature with its signature time-stamp.
    signer = PdfSigner(job.meta, signer=seal.signer, timestamper=timestamper)
    signed = await signer.async_sign_pdf(job.writer, bytes_reserved=seal.bytes_reserved)
    # B-LT and B-LTA in one revision: the DSS, then a document time-stamp
    # whose byte range covers it.
    writer = IncrementalPdfFileWriter(signed, strict=False)
    DocumentSecurityStore.supply_dss_in_writer(
        writer,
        None,
        certs=seal.dss_certs,
        ocsps=[seal.ocsp, *seal.platform.ocsps],
        crls=seal.platform.crls,
    )
    output = await PdfTimeStamper(timestamper, field_name=job.timestamp_field).async_timestamp_pdf(
        writer, MD_ALGORITHM, in_place=True
    )
    return bytes(output.getvalue())


def _reserved_size(pdf: bytes, field_name: str | None) -> int | None:
    """How many hex digits pyHanko reserved for the seal's CMS in ``pdf``."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for sig in reader.embedded_regular_signatures:
        if sig.field_name == field_name:
            return 2 * len(sig.sig_object.raw_get("/Contents").original_bytes)
    return None


def seal_pdf(
    pdf: bytes,
    organisation: Organisation,
    *,
    reason: str = "",
    location: str = "",
) -> bytes:
    """Seal ``pdf`` with ``organisation``'s seal certificate: PAdES baseline B-LTA.

    Raises :class:`SealingError` (unreadable or encrypted PDF, certificates that
    do not validate) or :class:`~kasumi.trust.pki.PKIError` (no seal certificate,
    no TSU). Call it from synchronous code (in an async view, through
    ``sync_to_async``): it runs pyHanko's event loop itself.
    """
    cert = pki.seal_certificate(organisation)
    seal = _seal_material(cert)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        signed_before = bool(writer.prev.embedded_signatures)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise SealingError(f"not a readable PDF: {exc}") from exc
    if writer.security_handler is not None:
        raise SealingError("encrypted PDFs cannot be sealed")
    suffix = uuid.uuid4().hex[:8]
    meta = PdfSignatureMetadata(
        field_name=f"{SEAL_FIELD_PREFIX}-{suffix}",
        md_algorithm=MD_ALGORITHM,
        reason=reason or None,
        location=location or None,
        name=organisation.name,
        subfilter=SigSeedSubFilter.PADES,
        # The first seal certifies the document: viewers show it as issued by
        # the organisation and flag any later change other than further
        # signatures (a second seal, a countersignature) and LTV data.
        certify=not signed_before,
        docmdp_permissions=MDPPerm.FILL_FORMS,
    )
    job = _Job(seal, writer, meta, f"{TIMESTAMP_FIELD_PREFIX}-{suffix}")
    try:
        out = async_to_sync(_seal_async)(job)
    except (SigningError, PdfError) as exc:
        raise SealingError(f"cannot seal for {organisation}: {exc}") from exc
    if seal.bytes_reserved is None:
        seal.bytes_reserved = _reserved_size(out, meta.field_name)
    return out


async def _timestamp_async(
    writer: IncrementalPdfFileWriter, platform: _Platform, dss: dict[str, Any], field_name: str
) -> bytes:
    DocumentSecurityStore.supply_dss_in_writer(writer, None, **dss)
    output = await PdfTimeStamper(platform.timestamper, field_name=field_name).async_timestamp_pdf(
        writer, MD_ALGORITHM, in_place=True
    )
    return bytes(output.getvalue())


def add_document_timestamp(pdf: bytes) -> bytes:
    """Renew the archive time-stamp of a sealed PDF (B-LTA): fresh validation data, then a
    new document time-stamp over everything.

    Done before the last time-stamp's TSU certificate expires (or its
    algorithms weaken), it keeps the seal verifiable for another period.
    """
    from kasumi.trust import chains, ocsp

    platform = _platform_material()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        signers = [s.signer_cert for s in writer.prev.embedded_regular_signatures]
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise SealingError(f"not a readable PDF: {exc}") from exc
    ocsps = list(platform.ocsps)
    certs = list(platform.certs)
    for signer in signers:
        info = chains.chain_info_der(signer.dump())
        if info.error is None and info.certificate is not None:
            ocsps.append(asn1_ocsp.OCSPResponse.load(ocsp.response_for(info.certificate)))
            certs.append(signer)
    dss = {"certs": certs, "ocsps": ocsps, "crls": platform.crls}
    field_name = f"{TIMESTAMP_FIELD_PREFIX}-{uuid.uuid4().hex[:8]}"
    try:
        return async_to_sync(_timestamp_async)(writer, platform, dss, field_name)
    except (SigningError, PdfError) as exc:
        raise SealingError(f"cannot time-stamp: {exc}") from exc


def seal_document(
    template_name: str,
    context: Mapping[str, Any],
    organisation: Organisation,
    *,
    reason: str = "",
    location: str = "",
) -> bytes:
    """Render ``template_name`` for ``organisation`` and seal it."""
    pdf = render_pdf(template_name, {**context, "organisation": organisation})
    return seal_pdf(pdf, organisation, reason=reason, location=location)
