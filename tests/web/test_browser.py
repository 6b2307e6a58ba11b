"""The registry browser in a real browser: Debian's Chromium driven by Playwright.

Run only these with ``pytest -m browser``. Playwright never downloads a browser
here: it launches ``/usr/bin/chromium`` (``scripts/system-packages`` installs it).
Set ``KASUMI_SCREENSHOTS=/some/dir`` to keep a screenshot of every page visited.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kasumi.core.roles import Role
from tests.conftest import make_staff
from tests.registry.test_browser_views import build_addresses, build_family

# Playwright's sync API runs an event loop in this thread; Django's ORM (used by
# fixtures) refuses to run inside one unless told it is safe, which it is here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="run scripts/system-packages"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ja-JP")
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> None:
    """Keep a screenshot when asked to (for looking at the design; never committed)."""
    directory = os.environ.get("KASUMI_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def check_accessibility_basics(page, lang: str) -> None:
    """Facts of the rendered DOM: html lang, one h1, labelled fields, captioned tables."""
    # After a click that navigates, the URL can change before the new document
    # exists; reading the DOM then finds no documentElement.
    page.wait_for_load_state("load")
    facts = page.evaluate(
        """() => {
          const fields = [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden');
          return {
            lang: document.documentElement.lang,
            h1: document.querySelectorAll('h1').length,
            unlabelled: fields.filter(el => el.labels.length === 0).map(el => el.name),
            uncaptioned: [...document.querySelectorAll('table')].filter(t => !t.caption).length,
            thWithoutScope: [...document.querySelectorAll('th')].filter(th => !th.scope).length,
            main: document.querySelectorAll('main').length,
            // Playwright's screenshots leave an empty style="" behind; ignore those.
            inlineStyles: document.querySelectorAll('[style]:not([style=""])').length,
            scripts: document.querySelectorAll('script').length,
          };
        }"""
    )
    assert facts["lang"] == lang, page.url
    assert facts["h1"] == 1, page.url
    assert facts["unlabelled"] == [], page.url
    assert facts["uncaptioned"] == 0, page.url
    assert facts["thWithoutScope"] == 0, page.url
    assert facts["main"] == 1, page.url
    assert facts["inlineStyles"] == 0 and facts["scripts"] == 0, page.url


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/registry/")
    assert "/login/" in page.url
    check_accessibility_basics(page, "ja")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{base}/registry/")


@pytest.mark.django_db(transaction=True)
def test_first_tab_reaches_the_skip_link_and_it_moves_focus(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.className, document.activeElement.textContent]"
    )
    assert focused == ["skip-link", "メインコンテンツへスキップ"]
    # The focused skip link is on screen (it is hidden only until focused).
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    shot(page, "00-skip-link")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert page.evaluate("() => document.activeElement.id") == "main"
    check_accessibility_basics(page, "ja")


@pytest.mark.django_db(transaction=True)
def test_staff_journey_residents_household_language_and_addresses(page, live_server, chiyoda):
    make_staff(chiyoda, "chiyoda-clerk", Role.CLERK)
    people = build_family(chiyoda)
    build_addresses()
    base = live_server.url

    sign_in(page, base, "chiyoda-clerk")
    check_accessibility_basics(page, "ja")
    shot(page, "01-registry-index")

    # Search by kana: hiragana finds the registered katakana and the variant kanji 髙.
    page.get_by_role("link", name="住民と世帯").click()
    page.get_by_label("氏名", exact=True).fill("たかはし はなこ")
    page.get_by_role("button", name="検索").click()
    assert "name=" in page.url
    check_accessibility_basics(page, "ja")
    results = page.locator("table tbody tr")
    assert results.count() == 1
    shot(page, "02-resident-search")

    # Open the person: record on today's date, history with both periods.
    results.first.get_by_role("link", name="髙橋 花子").click()
    page.wait_for_url(re.compile(rf"/registry/residents/{people['mother'].resident_code}/"))
    check_accessibility_basics(page, "ja")
    body = page.locator("main").inner_text()
    assert "保有あり" in body  # 個人番号 held, never shown
    assert people["mother"].my_number() not in page.content()
    assert "世帯主" in body and "妻・夫" in body
    shot(page, "03-person")

    # The household as it was on a past date (from the first period in the history).
    page.get_by_role("link", name="H-0001（2015年1月1日時点）").click()
    page.wait_for_url(re.compile(r"/registry/households/H-0001/\?on=2015-01-01$"))
    check_accessibility_basics(page, "ja")
    caption = page.locator("table caption").inner_text()
    assert caption == "2015年1月1日時点の世帯員 2人"
    head = page.locator("dl").get_by_role("link").first.inner_text()
    assert head == "髙橋 一郎"
    shot(page, "04-household-2015")

    # Switch to English: same page, under /en/, lang="en".
    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/en/registry/households/H-0001/\?on=2015-01-01$"))
    check_accessibility_basics(page, "en")
    assert page.locator("table caption").inner_text() == "2 members on Jan. 1, 2015"

    # Change the date with the form (no JavaScript needed): the son is born in 2016.
    page.get_by_label("As of").fill(date(2017, 1, 1).isoformat())
    page.get_by_role("button", name="Show").click()
    assert page.locator("table caption").inner_text() == "3 members on Jan. 1, 2017"
    shot(page, "05-household-2017-en")

    # The address matcher, in English.
    page.get_by_role("link", name="Registry browser").first.click()
    page.get_by_role("link", name="Address matcher").click()
    page.get_by_label("Address", exact=False).first.fill("東京都千代田区霞が関1-1-1 霞ビル101")
    page.get_by_role("button", name="Match").click()
    check_accessibility_basics(page, "en")
    result = page.locator("section.panel").inner_text()
    assert "Residence (住居)" in result
    assert "0001001" in result and "霞ビル101" in result
    shot(page, "06-address-match-en")


@pytest.mark.django_db(transaction=True)
def test_error_summary_links_to_the_field(page, live_server, chiyoda):
    make_staff(chiyoda, "chiyoda-clerk", Role.CLERK)
    sign_in(page, live_server.url, "chiyoda-clerk")
    page.goto(live_server.url + "/registry/residents/?name=&birth_date=")
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    check_accessibility_basics(page, "ja")
    shot(page, "07-error-summary")
    summary.get_by_role("link").first.click()
    assert page.evaluate("() => document.activeElement.id") == "id_name"


@pytest.mark.django_db(transaction=True)
def test_operator_sees_a_forbidden_page_naming_the_role(page, live_server, chiyoda):
    make_staff(chiyoda, "chiyoda-operator", Role.OPERATOR)
    sign_in(page, live_server.url, "chiyoda-operator")
    response = page.goto(live_server.url + "/registry/residents/")
    assert response is not None and response.status == 403
    check_accessibility_basics(page, "ja")
    assert "担当職員" in page.locator("main").inner_text()
    shot(page, "08-forbidden")
