"""The public verify page: upload a sealed PDF or a JWS, get a plain verdict.

Anyone may use it, signed in or not. The page keeps evidence of each check
(:mod:`kasumi.trust.evidence`) with the file's SHA-256, never the file.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from kasumi.trust import evidence
from kasumi.trust.models import Certificate
from kasumi.trust.results import VERDICT_LABELS, VerificationResult
from kasumi.trust.verifying import MAX_UPLOAD_BYTES, verify_upload

CHECK_LABELS = {
    "size": _("File size"),
    "format": _("File format"),
    "structure": _("Structure"),
    "algorithm": _("Signature algorithm"),
    "certificate": _("Certificate"),
    "signature": _("Signature matches the content"),
    "payload": _("Signed content"),
    "chain": _("Issued by the platform PKI"),
    "key_usage": _("Certificate may make this signature"),
    "validity": _("Certificate valid at signing time"),
    "revocation": _("Not revoked"),
    "revocation_recheck": _("Not revoked (checked again when recorded)"),
    "timestamp": _("Time-stamp"),
    "modification": _("Unchanged since sealing"),
    "document_timestamp": _("Document time-stamp"),
}


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Sealed PDF or JWS file"),
        required=False,
        help_text=_("A decision or certificate issued as a PDF, or a signature file (.jws)."),
    )
    jws = forms.CharField(
        label=_("Or paste a JWS"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
    )
    payload = forms.FileField(
        label=_("Signed file (for a detached JWS only)"),
        required=False,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("file")
        if not upload and not (data.get("jws") or "").strip():
            raise forms.ValidationError(_("Choose a file or paste a JWS."), code="empty")
        for name in ("file", "payload"):
            item = data.get(name)
            if item is not None and getattr(item, "size", 0) > MAX_UPLOAD_BYTES:
                self.add_error(
                    name,
                    _("The file is too large (at most %(mb)d MB).")
                    % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
                )
        return data


def _kind_label(kind: str) -> str:
    try:
        return str(Certificate.Kind(kind).label)
    except ValueError:
        return kind


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    result: VerificationResult | None = None
    record_id = ""
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            data = upload.read() if upload else form.cleaned_data["jws"].strip().encode()
            payload = form.cleaned_data.get("payload")
            result = verify_upload(data, detached_payload=payload.read() if payload else None)
            record_id = str(evidence.record(result, data).id)
    else:
        form = VerifyForm()
    context: dict[str, Any] = {"form": form, "result": result, "record_id": record_id}
    if result is not None:
        context.update(
            verdict_label=VERDICT_LABELS[result.verdict],
            checks=[(CHECK_LABELS.get(c.name, c.name), c) for c in result.checks],
            signer_kind=_kind_label(result.signer.kind) if result.signer else "",
        )
    status = 200
    return render(request, "trust/verify.html", context, status=status)
