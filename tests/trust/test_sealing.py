"""Sealed documents: rendering offline with Japanese fonts, and PAdES B-LTA seals.

The seals are checked with pyHanko's own AdES validator (ETSI EN 319 102-1
long-term validation) trusting only the platform root and never fetching, so
these tests do not depend on Kasumi's verifier agreeing with Kasumi's signer.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from kasumi.trust import pdfverify, sealing
from kasumi.trust.keystore import KeyRef, default_keystore
from kasumi.trust.models import Certificate, TimeStamp
from kasumi.trust.pki import PKIError

DECISION = {
    "document_number": "千代田子発第1234号",
    "issue_date": "2025-06-02",
    "recipient_name": "霞 花子",
    "recipient_address": "東京都千代田区霞が関一丁目1番1号",
    "procedure_name": "児童手当 認定請求",
    "application_number": "A-2025-000123",
    "application_date": "2025-04-01",
    "outcome": "認定",
    "items": [["支給開始月", "令和7年5月分から"], ["支給額", "月額 10,000円"]],
    "reasons": "児童手当法第7条の規定により認定します。",
    "issuer_title": "千代田区長",
}

CERTIFICATE = {
    "document_number": "千代田住第0042号",
    "title": "住民票の写し",
    "fields": [["住所", "東京都千代田区霞が関一丁目1番1号"], ["世帯主", "霞 太郎"]],
    "columns": ["氏名", "生年月日", "性別", "続柄", "住民となった日"],
    "rows": [
        ["霞 太郎", "昭和60年4月1日", "男", "世帯主", "平成27年4月1日"],
        ["霞 花子", "平成2年4月1日", "女", "妻", "平成27年4月1日"],
    ],
    "statement": "この写しは、住民票の原本と相違ないことを証明する。",
    "issuer_title": "千代田区長",
}


@pytest.fixture
def seal_cert(pki, chiyoda) -> Certificate:
    return pki.issue_platform_held(Certificate.Kind.ORGANISATION_SEAL, chiyoda)


@pytest.fixture
def sealed_decision(seal_cert, chiyoda) -> bytes:
    return sealing.seal_document(
        "decision", DECISION, chiyoda, reason="児童手当認定通知", location="東京都千代田区"
    )


# -- reading text back out of a PDF ------------------------------------------------------


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """The glyph → text table of a ToUnicode CMap (bfchar and bfrange entries)."""
    table: dict[int, str] = {}
    text = cmap.decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(int(dst, 16) + offset)
    return table


def pdf_pages(pdf: bytes) -> list[generic.DictionaryObject]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return [ref.get_object() for ref in reader.root["/Pages"]["/Kids"]]


def page_text(page: generic.DictionaryObject) -> str:
    """The page's text, through each font's ToUnicode map (WeasyPrint writes 2-byte CIDs)."""
    fonts = page["/Resources"]["/Font"]
    maps = {
        name[1:]: _to_unicode(font.get_object()["/ToUnicode"].get_object().data)
        for name, font in fonts.items()
    }
    contents = page["/Contents"]
    streams = contents if isinstance(contents, generic.ArrayObject) else [contents]
    data = b"".join(s.get_object().data for s in streams).decode("latin-1")
    out: list[str] = []
    current: dict[int, str] | None = None
    for m in re.finditer(r"/(\S+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|\bET\b", data):
        if m.group(1):
            current = maps.get(m.group(1))
        elif m.group(2) is None:
            out.append("\n")
        elif current is not None:
            hexes = m.group(2)
            out.extend(current.get(int(hexes[i : i + 4], 16), "?") for i in range(0, len(hexes), 4))
    return "".join(out)


def embedded_fonts(page: generic.DictionaryObject) -> dict[str, bool]:
    """Base font name → whether the font program is embedded in the file."""
    found = {}
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        found[str(font["/BaseFont"])] = any(
            key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
        )
    return found


# -- pyHanko's long-term validation, trusting only the platform root ---------------------


def pyhanko_lta(pdf: bytes, pki):
    from asn1crypto import x509 as asn1_x509

    root = asn1_x509.Certificate.load(bytes(pki.root_ca().der))
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=[root]),
                revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("require")),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
        )
    )
    reader = PdfFileReader(io.BytesIO(pdf))
    (sig,) = reader.embedded_regular_signatures
    return reader, sig, asyncio.run(ades_lta_validation(sig, spec))


# -- rendering ---------------------------------------------------------------------------


def test_decision_renders_one_a4_page_with_japanese_text_and_embedded_fonts(chiyoda):
    pdf = sealing.render_pdf("decision", {**DECISION, "organisation": chiyoda})
    (page,) = pdf_pages(pdf)
    width, height = (float(page["/MediaBox"][i]) for i in (2, 3))
    assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)  # A4 in mm
    text = page_text(page)
    for expected in (
        "決定通知書",
        "千代田子発第1234号",
        "令和7年6月2日",  # the issue date, in the Japanese era
        "霞 花子",
        "児童手当 認定請求",
        "令和7年4月1日付けで申請のあった",
        "月額 10,000円",
        "審査請求",  # the standard 教示
        "千代田区（団体コード 131016）",
        "http://127.0.0.1:8000/verify/",
    ):
        assert expected in text, expected
    fonts = embedded_fonts(page)
    assert fonts and all(fonts.values())
    assert {name.split("+")[-1] for name in fonts} <= {"IPAexMincho", "IPAexGothic"}


def test_certificate_template_renders_the_table_and_statement(chiyoda):
    pdf = sealing.render_pdf("certificate", {**CERTIFICATE, "organisation": chiyoda})
    text = "".join(page_text(p) for p in pdf_pages(pdf))
    for expected in ("住民票の写し", "霞 太郎", "世帯主", "平成2年4月1日", "原本と相違ない"):
        assert expected in text, expected


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_reads_the_japanese_content(chiyoda, tmp_path):
    path = tmp_path / "decision.pdf"
    path.write_bytes(sealing.render_pdf("decision", {**DECISION, "organisation": chiyoda}))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "決定通知書" in text.replace(" ", "") and "千代田区長" in text


def test_render_needs_a_document_number_and_a_known_template(chiyoda):
    with pytest.raises(sealing.SealingError, match="document_number"):
        sealing.render_pdf("decision", {"organisation": chiyoda})
    with pytest.raises(sealing.SealingError, match="unknown document template"):
        sealing.render_pdf("../../web/base.html", {**DECISION, "organisation": chiyoda})
    with pytest.raises(sealing.SealingError, match="issue_date"):
        sealing.render_pdf(
            "decision", {**DECISION, "issue_date": "2025-13-01", "organisation": chiyoda}
        )


def test_the_renderer_fetches_nothing_but_data_urls():
    tools = sealing._tools()
    fetcher, fonts = tools.fetcher, tools.fonts
    for url in ("http://127.0.0.1:9/logo.png", "https://example.org/a.css", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="only data: URLs"):
            fetcher.fetch(url)
        # Through WeasyPrint the refusal stops the rendering instead of leaving a hole.
        with pytest.raises(FatalURLFetchingError):
            HTML(string=f'<img src="{url}">', url_fetcher=fetcher).write_pdf(font_config=fonts)
    png = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    assert HTML(string=f'<img src="{png}">', url_fetcher=fetcher).write_pdf(font_config=fonts)


def test_wareki():
    assert sealing.wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert sealing.wareki(date(2019, 4, 30)) == "平成31年4月30日"
    assert sealing.wareki(date(2025, 12, 24)) == "令和7年12月24日"
    assert sealing.wareki(date(1985, 4, 1)) == "昭和60年4月1日"


# -- sealing ----------------------------------------------------------------------------


def test_sealed_decision_is_pades_lta_for_pyhankos_validator(pki, sealed_decision, seal_cert):
    reader, sig, result = pyhanko_lta(sealed_decision, pki)
    # Long-term validation passed, with the document time-stamp as proof of existence.
    assert result.ades_subindic == AdESPassed.OK, result.failure_msg
    assert result.oldest_evidence_record_timestamp is not None
    status = result.api_status
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.signing_cert.dump() == bytes(seal_cert.der)
    assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert status.modification_level == ModificationLevel.LTA_UPDATES  # DSS + time-stamp only
    # B-T: a signature time-stamp from the platform TSA, recorded by it.
    ts = status.timestamp_validity
    assert ts is not None and ts.intact and ts.valid and ts.trusted
    assert TimeStamp.objects.filter(gen_time=ts.timestamp).exists()
    # B-LT: validation data in the DSS, not inside the signature.
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.ocsps and dss.crls and len(list(dss.load_certs())) >= 5
    # B-LTA: a document time-stamp after the signature, covering the DSS.
    kinds = [s.sig_object_type for s in reader.embedded_signatures]
    assert kinds == ["/Sig", "/DocTimeStamp"]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig.sig_object["/Reason"] == "児童手当認定通知"
    assert sig.docmdp_level is not None  # a certification signature: no changes allowed
    # Three revisions: the document, the seal, then the DSS and the time-stamp.
    assert reader.xrefs.total_revisions == 3


def test_sealed_pdf_keeps_its_text(sealed_decision):
    text = "".join(page_text(p) for p in pdf_pages(sealed_decision))
    assert "決定通知書" in text and "千代田区長" in text


def test_kasumi_verifier_agrees(sealed_decision, chiyoda):
    result = pdfverify.verify_pdf(sealed_decision)
    assert result.valid, result.as_dict()
    assert result.signer.organisation_code == chiyoda.code


def test_seal_certifies_only_the_first_signature(sealed_decision, chiyoda, pki):
    resealed = sealing.seal_pdf(sealed_decision, chiyoda)
    reader = PdfFileReader(io.BytesIO(resealed))
    first, second = reader.embedded_regular_signatures
    assert first.docmdp_level is not None and second.docmdp_level is None
    assert pdfverify.verify_pdf(resealed).valid


class HsmLikeStore:
    """A key store that signs but never hands out key material, as an HSM does."""

    kind = "hsm-like"

    def __init__(self, inner) -> None:
        self.inner = inner
        self.signed: list[bytes] = []

    def sign(self, label: str, data: bytes, pad="pkcs1v15") -> bytes:
        self.signed.append(data)
        return self.inner.sign(label, data, pad)

    def public_key(self, label: str):
        return self.inner.public_key(label)

    def private_key(self, label: str):
        return None


def test_signer_only_asks_the_key_store_to_sign(pki, seal_cert, chiyoda):
    from asn1crypto import x509 as asn1_x509

    store = HsmLikeStore(default_keystore())
    leaf = asn1_x509.Certificate.load(bytes(seal_cert.der))
    chain = [
        asn1_x509.Certificate.load(bytes(seal_cert.issuer.der)),
        asn1_x509.Certificate.load(bytes(pki.root_ca().der)),
    ]
    signer = sealing.KeyStoreSigner(KeyRef(store, seal_cert.key_label), leaf, chain)
    pdf = sealing.render_pdf("decision", {**DECISION, "organisation": chiyoda})
    out = PdfSigner(PdfSignatureMetadata(field_name="Seal"), signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf))
    )
    assert len(store.signed) == 1  # the signed attributes, once
    (sig,) = PdfFileReader(io.BytesIO(out.getvalue())).embedded_regular_signatures
    assert sig.signer_info["signed_attrs"].dump(force=True)[1:] == store.signed[0][1:]
    context = ValidationContext(trust_roots=[chain[-1]], allow_fetching=False)
    status = validate_pdf_signature(sig, context)
    assert status.intact and status.valid and status.trusted


def test_sealing_needs_a_seal_certificate(pki, chiyoda):
    pdf = sealing.render_pdf("decision", {**DECISION, "organisation": chiyoda})
    with pytest.raises(PKIError, match="no valid seal certificate"):
        sealing.seal_pdf(pdf, chiyoda)


def test_sealing_refuses_what_is_not_a_pdf(seal_cert, chiyoda):
    with pytest.raises(sealing.SealingError, match="not a readable PDF"):
        sealing.seal_pdf(b"%PDF-1.7\nnot really", chiyoda)


# -- the command -------------------------------------------------------------------------


def test_seal_command_renders_and_seals(seal_cert, chiyoda, tmp_path: Path):
    context = tmp_path / "ctx.json"
    context.write_text(json.dumps(CERTIFICATE, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.pdf"
    call_command(
        "seal", "--org", chiyoda.code, "--template", "certificate", "--context", str(context),
        "--out", str(out),
    )  # fmt: skip
    result = pdfverify.verify_pdf(out.read_bytes())
    assert result.valid and result.signer.organisation_name == "千代田区"
    assert "住民票の写し" in page_text(pdf_pages(out.read_bytes())[0])

    # An existing PDF (here the one just made) can be sealed again as it is.
    again = tmp_path / "again.pdf"
    call_command("seal", "--org", chiyoda.code, "--pdf", str(out), "--out", str(again))
    assert pdfverify.verify_pdf(again.read_bytes()).valid


def test_seal_command_reports_bad_input(seal_cert, chiyoda, tmp_path: Path):
    bad = tmp_path / "ctx.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match=r"ctx\.json"):
        call_command(
            "seal", "--org", chiyoda.code, "--template", "decision", "--context", str(bad),
            "--out", str(tmp_path / "x.pdf"),
        )  # fmt: skip
    with pytest.raises(CommandError, match="no organisation"):
        call_command("seal", "--org", "999999", "--pdf", str(bad), "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
