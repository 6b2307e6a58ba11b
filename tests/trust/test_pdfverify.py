"""Verifying sealed PDFs: one reason code for each way a document can fail."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from kasumi.trust import pdfverify, sealing
from kasumi.trust.models import Certificate, RevocationReason
from kasumi.trust.results import Verdict
from kasumi.trust.revocation import revoke
from tests.trust import foreign

DECISION = {
    "document_number": "千代田子発第0007号",
    "recipient_name": "霞 花子",
    "procedure_name": "児童手当 認定請求",
    "outcome": "認定",
}


@pytest.fixture
def seal_cert(pki, chiyoda) -> Certificate:
    return pki.issue_platform_held(Certificate.Kind.ORGANISATION_SEAL, chiyoda)


@pytest.fixture
def sealed(seal_cert, chiyoda) -> bytes:
    return sealing.seal_document("decision", DECISION, chiyoda)


def check(result, name: str):
    return next(c for c in result.checks if c.name == name)


def test_sealed_decision_is_valid_with_the_organisation_as_signer(sealed, seal_cert, chiyoda):
    result = pdfverify.verify_pdf(sealed)
    assert result.valid and result.verdict == Verdict.VALID, result.as_dict()
    assert result.object_type == "pdf"
    signer = result.signer
    assert (signer.organisation_name, signer.organisation_code) == ("千代田区", "131016")
    assert signer.kind == Certificate.Kind.ORGANISATION_SEAL
    assert signer.certificate_serial == seal_cert.serial
    assert result.issuer_id == seal_cert.issuer_id
    # The signing time is the signature time-stamp's, not the signer's clock.
    assert result.signing_time_source == "timestamp"
    assert abs(result.signing_time - datetime.now(UTC)) < timedelta(minutes=5)
    assert all(c.ok for c in result.checks)
    names = [c.name for c in result.checks]
    for expected in ("integrity", "chain", "key_usage", "modifications", "ltv", "revocation"):
        assert expected in names
    assert any(n.startswith("document_timestamp:") for n in names)
    assert result.extra["pades_level"] == "B-LTA"
    assert len(result.extra["document_timestamps"]) == 1
    assert result.revocation["embedded"]["ocsp_responses"] >= 2
    assert result.revocation["signer"]["status"] == "good"
    assert result.as_dict()["signer"]["organisation_name"] == "千代田区"


def test_a_renewed_lta_chain_stays_valid(sealed):
    # Adding another document time-stamp (archive renewal) is an allowed update.
    result = pdfverify.verify_pdf(sealing.add_document_timestamp(sealed))
    assert result.valid, result.as_dict()
    assert len(result.extra["document_timestamps"]) == 2


def _first_content_stream_offset(pdf: bytes) -> int:
    reader = PdfFileReader(io.BytesIO(pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    ref = page.raw_get("/Contents")
    marker = f"\n{ref.idnum} {ref.generation} obj".encode()
    start = pdf.index(b"stream", pdf.index(marker)) + len(b"stream\n")
    return start + 40


def test_a_flipped_byte_in_the_sealed_content_is_altered(sealed):
    at = _first_content_stream_offset(sealed)
    damaged = bytearray(sealed)
    damaged[at] ^= 0x01
    result = pdfverify.verify_pdf(bytes(damaged))
    assert result.reason == "signature_invalid"
    assert result.verdict == Verdict.ALTERED
    assert not check(result, "integrity").ok


def test_a_flipped_byte_after_the_seal_breaks_the_archive_timestamp(sealed):
    # A byte of an OCSP response in the DSS: the seal is untouched, but the
    # document time-stamp over it no longer matches, a change after sealing.
    reader = PdfFileReader(io.BytesIO(sealed))
    ref = reader.root["/DSS"].raw_get("/OCSPs")
    first = (ref.get_object() if isinstance(ref, generic.IndirectObject) else ref).raw_get(0)
    marker = f"\n{first.idnum} {first.generation} obj".encode()
    at = sealed.index(b"stream", sealed.rindex(marker)) + len(b"stream\n") + 100
    damaged = bytearray(sealed)
    damaged[at] ^= 0x01
    result = pdfverify.verify_pdf(bytes(damaged))
    assert result.reason == "pdf_modified", result.as_dict()
    assert check(result, "integrity").ok and not check(result, "modifications").ok


def test_an_incremental_update_changing_the_page_is_pdf_modified(sealed):
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    stream = generic.StreamObject(stream_data=b"q 1 0 0 RG 50 50 200 40 re S Q")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    result = pdfverify.verify_pdf(out.getvalue())
    assert result.reason == "pdf_modified", result.as_dict()
    assert result.verdict == Verdict.ALTERED
    assert check(result, "integrity").ok and not check(result, "modifications").ok


def test_garbage_and_truncated_files_are_malformed(sealed):
    for data in (
        b"",
        b"hello, this is not a PDF",
        b"%PDF-1.7\n" + bytes(range(256)) * 8,
        sealed[: len(sealed) // 2],
        sealed[:-200],
    ):
        result = pdfverify.verify_pdf(data)
        assert result.reason == "pdf_malformed", (len(data), result.as_dict())
        assert result.verdict == Verdict.INVALID


def test_an_unsigned_pdf_is_not_signed(chiyoda):
    pdf = sealing.render_pdf("decision", {**DECISION, "organisation": chiyoda})
    result = pdfverify.verify_pdf(pdf)
    assert result.reason == "pdf_not_signed"


def test_a_pdf_with_only_a_document_timestamp_is_not_signed(pki, chiyoda):
    pdf = sealing.render_pdf("decision", {**DECISION, "organisation": chiyoda})
    stamped = sealing.add_document_timestamp(pdf)
    assert PdfFileReader(io.BytesIO(stamped)).embedded_timestamp_signatures
    assert pdfverify.verify_pdf(stamped).reason == "pdf_not_signed"


def test_files_over_the_limit_are_refused_before_parsing():
    result = pdfverify.verify_pdf(b"%PDF-1.7\n" + bytes(pdfverify.MAX_PDF_BYTES))
    assert result.reason == "file_too_large"


def _foreign_signer() -> SimpleSigner:
    """A throwaway CA and a seal certificate in 千代田区's name that it issued."""
    ca_key, key = foreign.new_key(), foreign.new_key()
    ca_name = foreign.name("Kasumi Demo Organisation CA")
    ca = foreign.certificate(
        ca_name,
        issuer_name=ca_name,
        issuer_key=ca_key,
        public_key=ca_key.public_key(),
        extensions=foreign.ca_extensions(path_length=0),
    )
    leaf = foreign.certificate(
        x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "千代田区"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, "131016"),
                x509.NameAttribute(NameOID.COMMON_NAME, "千代田区"),
            ]
        ),
        issuer_name=ca_name,
        issuer_key=ca_key,
        public_key=key.public_key(),
    )
    der = serialization.Encoding.DER
    return SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(leaf.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(ca.public_bytes(der))]
        ),
    )


def test_a_seal_from_a_foreign_ca_is_unknown_issuer(pki, chiyoda):
    pdf = sealing.render_pdf("decision", {**DECISION, "organisation": chiyoda})
    meta = PdfSignatureMetadata(field_name="Forged", subfilter=SigSeedSubFilter.PADES)
    out = PdfSigner(meta, _foreign_signer()).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    result = pdfverify.verify_pdf(out.getvalue())
    # The signature itself is sound; its certificate is not one of ours.
    assert check(result, "integrity").ok
    assert result.reason in ("unknown_issuer", "chain_invalid"), result.as_dict()
    assert result.verdict == Verdict.UNKNOWN_ISSUER


def test_a_seal_revoked_for_key_compromise_is_revoked(sealed, seal_cert):
    assert pdfverify.verify_pdf(sealed).valid
    revoke(seal_cert, RevocationReason.KEY_COMPROMISE, cause="HSM partition exposed")
    result = pdfverify.verify_pdf(sealed)
    assert result.reason == "certificate_revoked", result.as_dict()
    assert result.verdict == Verdict.REVOKED
    assert result.revocation["signer"]["reason"] == "key_compromise"


def test_a_seal_superseded_after_sealing_stays_valid(sealed, seal_cert):
    # An ordinary revocation after the proven signing time does not undo the seal.
    # (Revocation times have whole seconds: wait so it falls after the time-stamp.)
    time.sleep(1.05)
    revoke(seal_cert, RevocationReason.SUPERSEDED)
    result = pdfverify.verify_pdf(sealed)
    assert result.valid, result.as_dict()
    assert check(result, "revocation").detail == "revoked after signing time"


def test_uploads_and_evidence_records_use_the_pdf_verifier(sealed, seal_cert):
    from kasumi.trust import evidence, verifying

    result = verifying.verify_upload(sealed)
    assert result.object_type == "pdf" and result.valid
    record = evidence.record(result, sealed, object_ref="casework.decision:1")
    assert record.signer_certificate == seal_cert
    assert record.verdict == "valid" and record.signing_time_source == "timestamp"
