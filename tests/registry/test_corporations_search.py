"""Looking up and searching corporations: numbers, history, kana-insensitive names."""

from __future__ import annotations

import pytest

from kasumi.core.apierrors import Invalid, NotFound
from kasumi.registry import corporations as service
from kasumi.registry.importers.corporations import import_files
from tests.registry.test_corporations_rows import DATA, synthetic_number

FULL = DATA / "full-20240329.csv"
DIFFS = [DATA / "diff-20240401.csv", DATA / "diff-20240501.csv", DATA / "diff-20240603.csv"]
A, B, C, D, E, G, H = (synthetic_number(i) for i in (101, 102, 103, 104, 105, 106, 107))


@pytest.fixture
def full(db):
    import_files([FULL])


@pytest.fixture
def updated(db):
    import_files([FULL, *DIFFS])


def numbers(page: service.SearchPage) -> list[str]:
    return [c.corporate_number for c in page.results]


@pytest.mark.parametrize(
    "query",
    [
        "霞商事",
        "株式会社霞商事",
        "カスミショウジ",
        "かすみしょうじ",
        "ｶｽﾐｼｮｳｼﾞ",
        "カスミシヨウジ",
        "カスミ ショウジ",
        "霞 商事",
    ],
)
def test_name_search_is_kana_and_width_insensitive(full, query):
    assert numbers(service.search(name=query)) == [A]


def test_variant_kanji_finds_the_standard_form_and_back(full):
    assert numbers(service.search(name="高橋技研")) == [B]
    assert numbers(service.search(name="髙橋")) == [B]


def test_contains_and_prefix_matching(full):
    assert numbers(service.search(name="商事")) == [A]
    assert numbers(service.search(name="商事", match="prefix")) == []
    assert numbers(service.search(name="カスミ", match="prefix")) == [H, A]  # G is hihyoji
    assert numbers(service.search(name="株式会社霞", match="prefix")) == [A]


def test_search_results_are_ordered_by_furigana_and_counted(full):
    page = service.search(name="霞", limit=1)
    assert page.count == 2 and numbers(page) == [H]
    assert numbers(service.search(name="霞", limit=1, offset=1)) == [A]


def test_search_filters_by_prefecture_and_kind(full):
    assert numbers(service.search(prefecture_code="13")) == [A]  # G (hihyoji) is never listed
    assert numbers(service.search(prefecture_code="8", kind="399")) == [H]
    assert numbers(service.search(kind="401")) == [E]
    assert service.search(kind="305", prefecture_code="13").count == 0


def test_hihyoji_corporations_are_not_searchable_but_can_be_looked_up(full):
    assert service.search(name="カスミホールディングス").count == 0
    assert service.lookup(G).hihyoji is True


def test_closed_and_deleted_corporations_in_search(updated):
    assert numbers(service.search(name="さくら物産")) == [C]
    assert service.search(name="さくら物産", include_closed=False).count == 0
    assert service.search(name="エグザンプル").count == 0  # deleted (99)
    assert service.lookup(E).deleted is True


def test_renamed_corporation_is_found_by_its_new_name_only(updated):
    assert numbers(service.search(name="カスミトレーディング")) == [A]
    assert service.search(name="霞商事").count == 0


def test_lookup_accepts_full_width_digits(full):
    assert service.lookup("７９９９９０００００１０１").corporate_number == A


def test_lookup_unknown_number_is_not_found(db):
    with pytest.raises(NotFound) as caught:
        service.lookup(synthetic_number(555))
    assert caught.value.code == "corporation_not_found"


@pytest.mark.parametrize("bad", ["5011001098993", "12345", "abc", ""])
def test_lookup_invalid_number_says_why(db, bad):
    with pytest.raises(Invalid) as caught:
        service.lookup(bad)
    assert caught.value.code == "invalid_corporate_number"


def test_history_is_oldest_first(updated):
    records = service.history(B)
    assert [(r.process, r.latest) for r in records] == [("12", True), ("12", False), ("11", True)]
    with pytest.raises(NotFound):
        service.history(synthetic_number(555))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"prefecture_code": "48"}, "invalid_prefecture"),
        ({"prefecture_code": "tokyo"}, "invalid_prefecture"),
        ({"kind": "300"}, "invalid_kind"),
        ({"limit": 0}, "invalid_limit"),
        ({"limit": 201}, "invalid_limit"),
        ({"offset": -1}, "invalid_offset"),
        ({"name": "・"}, "invalid_name"),
    ],
)
def test_search_parameters_are_checked(db, kwargs, code):
    with pytest.raises(Invalid) as caught:
        service.search(**kwargs)
    assert caught.value.code == code
