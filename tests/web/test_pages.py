"""Site pages: the landing page, languages, staff sign-in and sign-out, markup rules."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kasumi.core.roles import Role
from tests.conftest import make_staff
from tests.registry.test_browser_views import build_addresses, build_corporation, build_family


class Markup(HTMLParser):
    """Collects the accessibility facts the tests check in a page's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.html_lang: str | None = None
        self.label_for: set[str] = set()
        self.inputs: list[dict[str, str | None]] = []
        self.inline_styles = 0
        self.scripts = 0
        self.tables = 0
        self.captions = 0
        self.landmarks: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        elif tag in {"input", "select", "textarea"} and a.get("type") != "hidden":
            self.inputs.append(a)
        elif tag == "script":
            self.scripts += 1
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        if tag in {"main", "header", "footer", "nav"}:
            self.landmarks.add(tag)
        if "style" in a:
            self.inline_styles += 1

    def unlabelled(self) -> list[dict[str, str | None]]:
        return [i for i in self.inputs if i.get("id") not in self.label_for]


def markup(html: str) -> Markup:
    parser = Markup()
    parser.feed(html)
    return parser


@pytest.mark.django_db
def test_landing_page_is_japanese_by_default_with_links(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    page = markup(html)
    assert page.html_lang == "ja"
    assert page.h1 == 1
    assert "霞 政府共通プラットフォーム" in html or "政府共通プラットフォーム" in html
    for href in ["/registry/", "/api/docs", "/api/openapi.json", "/admin/", "/healthz"]:
        assert f'href="{href}"' in html, href
    assert "メインコンテンツへスキップ" in html  # skip link, translated


@pytest.mark.django_db
def test_landing_page_in_english_under_en(client):
    response = client.get("/en/")
    assert response.status_code == 200
    html = response.content.decode()
    assert markup(html).html_lang == "en"
    assert "Kasumi government common platform" in html
    assert 'href="/en/registry/"' in html
    assert 'href="/en/admin/"' in html


@pytest.mark.django_db
def test_language_switch_goes_to_the_english_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/registry/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/registry/"


@pytest.mark.django_db
def test_sign_in_lands_on_the_registry_browser(client, chiyoda):
    make_staff(chiyoda, "clerk", Role.CLERK)
    page = client.get("/login/")
    assert page.status_code == 200
    assert markup(page.content.decode()).unlabelled() == []
    response = client.post("/login/", {"username": "clerk", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response["Location"] == "/registry/"
    assert client.get("/registry/").status_code == 200


@pytest.mark.django_db
def test_sign_in_follows_next(client, chiyoda):
    make_staff(chiyoda, "clerk", Role.CLERK)
    response = client.post(
        "/en/login/?next=/en/registry/corporations/",
        {
            "username": "clerk",
            "password": "correct-horse-battery",
            "next": "/en/registry/corporations/",
        },
    )
    assert response["Location"] == "/en/registry/corporations/"


@pytest.mark.django_db
def test_english_sign_in_lands_on_the_english_browser(client, chiyoda):
    make_staff(chiyoda, "clerk", Role.CLERK)
    response = client.post("/en/login/", {"username": "clerk", "password": "correct-horse-battery"})
    assert response["Location"] == "/en/registry/"


@pytest.mark.django_db
def test_wrong_password_shows_an_error_summary(client, chiyoda):
    make_staff(chiyoda, "clerk", Role.CLERK)
    response = client.post("/en/login/", {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'href="#id_username"' in html


@pytest.mark.django_db
def test_sign_out_is_post_only(client, chiyoda):
    client.force_login(make_staff(chiyoda, "clerk", Role.CLERK))
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/registry/"
    assert client.get("/registry/").status_code == 302  # signed out: back to sign-in


@pytest.mark.django_db
def test_header_shows_who_is_signed_in(client, chiyoda):
    client.force_login(make_staff(chiyoda, "clerk", Role.CLERK))
    html = client.get("/en/registry/").content.decode()
    assert "Signed in as clerk" in html
    assert "千代田区" in html
    assert 'action="/en/logout/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_pages_follow_the_markup_rules(client, chiyoda, prefix):
    """One h1, html lang, labelled inputs, landmarks, captions, no inline style or script."""
    people = build_family(chiyoda)
    corporation = build_corporation()
    build_addresses()
    client.force_login(make_staff(chiyoda, "clerk", Role.CLERK))
    code = people["mother"].resident_code
    urls = [
        "/",
        "/registry/",
        "/registry/residents/",
        "/registry/residents/?name=",
        "/registry/residents/?name=たかはし&on=2020-01-01",
        f"/registry/residents/{code}/?on=2016-01-01",
        f"/registry/residents/{code}/?on=not-a-date",
        "/registry/households/H-0001/?on=2020-01-01",
        "/registry/corporations/",
        "/registry/corporations/?name=霞",
        f"/registry/corporations/{corporation.corporate_number}/",
        "/registry/addresses/match/",
        "/registry/addresses/match/?text=千代田区霞が関",
    ]
    for url in urls:
        response = client.get(prefix + url)
        assert response.status_code in (200, 400), url
        html = response.content.decode()
        page = markup(html)
        assert page.h1 == 1, url
        assert page.html_lang == ("en" if prefix else "ja"), url
        assert page.unlabelled() == [], url
        assert page.inline_styles == 0 and page.scripts == 0, url
        assert page.tables == page.captions, url
        assert {"main", "header", "footer", "nav"} <= page.landmarks, url
        assert not re.search(r"<th(?![^>]*scope=)[^>]*>", _table_headers(html)), url


def _table_headers(html: str) -> str:
    """The ``<th>`` tags of a page (every one must say its scope)."""
    return "".join(re.findall(r"<th\b[^>]*>", html))


def test_css_has_no_framework_and_visible_focus():
    from pathlib import Path

    import kasumi.web

    css = (Path(kasumi.web.__file__).parent / "static" / "kasumi" / "kasumi.css").read_text()
    assert ":focus-visible" in css
    assert "outline: none" not in css.replace("main:focus { outline: none; }", "")
