"""The verify page in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import pytest

from kasumi.trust import jws
from tests.web.test_browser import (  # noqa: F401  (pytest fixtures)
    browser,
    check_accessibility_basics,
    page,
    pytestmark,
    shot,
)


@pytest.mark.django_db(transaction=True)
def test_upload_a_signature_file_and_read_the_verdict(page, live_server, issue_citizen, tmp_path):  # noqa: F811
    key, pair, chain = issue_citizen()
    good = tmp_path / "application.jws"
    good.write_text(
        jws.sign('{"申請":"児童手当"}'.encode(), key, [pair.signing.certificate, *chain])
    )
    bad = tmp_path / "altered.jws"
    header, _, sig = good.read_text().split(".")
    bad.write_text(f"{header}.{jws.b64url(b'{}')}.{sig}")

    page.goto(live_server.url + "/verify/")
    check_accessibility_basics(page, "ja")
    page.get_by_label("電子印付きPDFまたはJWSファイル").set_input_files(str(good))
    page.get_by_role("button", name="検証").click()
    status = page.get_by_role("status")
    assert "有効" in status.inner_text()
    assert pair.signing.serial in status.inner_text()
    check_accessibility_basics(page, "ja")
    shot(page, "trust-verify-valid")

    page.get_by_label("電子印付きPDFまたはJWSファイル").set_input_files(str(bad))
    page.get_by_role("button", name="検証").click()
    assert "署名後に改ざん" in page.get_by_role("status").inner_text()
    assert "signature_invalid" in page.get_by_role("status").inner_text()

    # Nothing chosen: an error summary that names the problem.
    page.get_by_role("button", name="検証").click()
    assert "ファイルを選ぶか、JWSを貼り付けてください。" in page.get_by_role("alert").inner_text()
