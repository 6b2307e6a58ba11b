"""The public verify page: a plain verdict in Japanese or English, evidence kept."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kasumi.trust import jws
from kasumi.trust.models import Verification


def test_page_is_public_and_japanese_first(pki):
    response = Client().get("/verify/")
    assert response.status_code == 200
    assert "署名・電子印の検証" in response.content.decode()  # translated title
    assert '<html lang="ja">' in response.content.decode()


def test_pasted_valid_jws_shows_valid_without_the_persons_name(issue_citizen):
    key, pair, chain = issue_citizen(name="霞 花子")
    token = jws.sign(b'{"x":1}', key, [pair.signing.certificate, *chain])
    response = Client().post("/verify/", {"jws": token})
    html = response.content.decode()
    assert response.status_code == 200
    assert "tag--ok" in html and "有効" in html
    assert "霞 花子" not in html
    assert pair.signing.serial in html
    record = Verification.objects.get()
    assert str(record.id) in html and record.verdict == "valid"


def test_english_page_shows_altered_for_tampered_file(issue_citizen):
    key, pair, chain = issue_citizen()
    token = jws.sign(b"payload", key, [pair.signing.certificate, *chain])
    header, _, sig = token.split(".")
    tampered = f"{header}.{jws.b64url(b'payloaX')}.{sig}"
    client = Client(headers={"Accept-Language": "en"})
    client.cookies["django_language"] = "en"
    response = client.post("/en/verify/", {"file": SimpleUploadedFile("s.jws", tampered.encode())})
    html = response.content.decode()
    assert "Altered after signing" in html
    assert "signature_invalid" in html


def test_empty_form_explains_what_to_do(pki):
    response = Client().post("/verify/", {})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not Verification.objects.exists()
