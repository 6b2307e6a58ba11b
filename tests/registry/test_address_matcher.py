"""The address matcher: spellings, levels, ambiguity, partial matches, 地番 towns."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasumi.core.apierrors import Invalid
from kasumi.registry.address_matcher import Level, match_address
from kasumi.registry.address_text import kanji_to_int, name_key, normalise
from kasumi.registry.importers.addresses import TOWN_COLUMNS
from tests.registry.test_address_helpers import (  # noqa: F401
    abr,
    import_paths,
    kanji_number,
    sotokanda,
    town_row,
    write_csv,
)

UCHISAIWAI_1_1_1 = ("131016", "0001001", "001", "001", None)
KASUMIGASEKI_2_3_2 = ("131016", "0003002", "003", "002", None)

SPELLINGS = [
    "東京都千代田区内幸町一丁目1番1号",
    "東京都千代田区内幸町1丁目1番1号",
    "東京都千代田区内幸町１丁目１番１号",
    "千代田区内幸町1-1-1",
    "千代田区内幸町１－１－１",
    "千代田区内幸町1‐1‐1",
    "千代田区内幸町1−1−1",
    "千代田区内幸町1ー1ー1",
    "千代田区内幸町1ｰ1ｰ1",
    "千代田区内幸町1―1―1",
    "千代田区内幸町1丁目1番地1",
    "千代田区内幸町1丁目1番地1号",
    "千代田区内幸町1丁目1-1",
    "千代田区内幸町1丁目1番1",
    "千代田区内幸町一丁目一番一号",
    "東京都 千代田区 内幸町 1丁目 1番 1号",
    "東京都　千代田区　内幸町１－１－１",
    "〒100-0011 東京都千代田区内幸町1-1-1",
    "ﾁﾖﾀﾞ区内幸町1-1-1".replace("ﾁﾖﾀﾞ", "千代田"),
]


@pytest.mark.parametrize("text", SPELLINGS)
def test_every_spelling_of_an_address_matches_the_same_residence(abr, text):  # noqa: F811
    match = match_address(text)
    assert match.ids == UCHISAIWAI_1_1_1
    assert match.level is Level.RESIDENCE
    assert not match.ambiguous and not match.partial
    assert match.display == "東京都千代田区内幸町一丁目1番1号"
    assert match.remainder == ""


@pytest.mark.parametrize(
    "text",
    [
        "霞が関2-3-2",
        "霞ヶ関2-3-2",
        "霞ケ関2-3-2",
        "霞ｹ関２－３－２",
        "かすみが関2-3-2".replace("かすみ", "霞"),
    ],
)
def test_ke_and_ga_variants_in_town_names_match(abr, text):  # noqa: F811
    assert match_address(text, lg_code="131016").ids == KASUMIGASEKI_2_3_2


@pytest.mark.parametrize("text", ["丸の内1-2-3", "丸ノ内1-2-3", "丸之内1-2-3"])
def test_no_variants_in_town_names_match(abr, text):  # noqa: F811
    assert match_address(text, lg_code="131016").ids == ("131016", "0004001", "002", "003", None)


@pytest.mark.parametrize(
    "text", ["内幸町1-1-1", "内幸町一丁目1番1号", "内幸町1丁目1番地1", "千代田区内幸町1-1-1"]
)
def test_an_lg_code_lets_the_text_omit_prefecture_and_municipality(abr, text):  # noqa: F811
    assert match_address(text, lg_code="131016").ids == UCHISAIWAI_1_1_1


@pytest.mark.parametrize("n", [1, 9, 10, 11, 19, 20, 21, 29])
@pytest.mark.parametrize("style", ["kanji", "arabic", "fullwidth"])
def test_chome_is_read_in_kanji_and_arabic_up_to_twenty_nine(sotokanda, n, style):  # noqa: F811
    number = {"kanji": kanji_number(n), "arabic": str(n), "fullwidth": str(n).translate(FULLWIDTH)}[
        style
    ]
    match = match_address(f"千代田区外神田{number}丁目1番1号")
    assert match.ids == ("131016", f"0100{n:03d}", "001", "001", None)
    assert match.display == f"東京都千代田区外神田{kanji_number(n)}丁目1番1号"


def test_a_town_name_containing_a_number_still_matches(abr):  # noqa: F811
    for text in ("千代田区一番町2-3", "千代田区一番町2番3号", "千代田区1番町2-3"):
        match = match_address(text)
        assert match.ids == ("131016", "0005000", "002", "003", None), text


def test_a_county_may_be_omitted(abr):  # noqa: F811
    with_county = match_address("北海道余市郡余市町黒川町1丁目100番地")
    without = match_address("北海道余市町黒川町一丁目100番地")
    assert with_county.ids == without.ids == ("014087", "0001001", None, None, None)
    assert without.display == "北海道余市郡余市町黒川町一丁目"


def test_a_designated_city_ward_may_be_omitted(abr):  # noqa: F811
    match = match_address("札幌市北七条西1丁目2番3号")
    assert match.ids == ("011029", "0001001", "002", "003", None)
    assert match.display == "北海道札幌市北区北七条西一丁目2番3号"
    assert match_address("北海道札幌市中央区北一条西2-1-1").lg_code == "011011"


def test_a_town_in_two_wards_is_ambiguous_without_the_ward(abr):  # noqa: F811
    match = match_address("札幌市北一条西1丁目2-3")
    assert match.ambiguous and match.level is Level.RESIDENCE
    assert {c.lg_code for c in match.candidates} == {"011011", "011029"}
    assert match.lg_code is None and match.machiaza_id is None
    assert match.display == "北海道"
    assert not match_address("札幌市中央区北一条西1丁目2-3").ambiguous


def test_a_town_without_its_chome_is_ambiguous_between_chomes(abr):  # noqa: F811
    match = match_address("東京都千代田区永田町")
    assert match.level is Level.TOWN and match.ambiguous and not match.partial
    assert [c.display for c in match.candidates] == [
        "東京都千代田区永田町一丁目",
        "東京都千代田区永田町二丁目",
    ]
    assert (match.lg_code, match.machiaza_id) == ("131016", None)


def test_residence_numbers_with_a_second_number_are_ambiguous_until_given(abr):  # noqa: F811
    match = match_address("千代田区内幸町1-2-10")
    assert match.level is Level.RESIDENCE and match.ambiguous
    assert {c.rsdt2_id for c in match.candidates} == {"0001", "0002"}
    exact = match_address("千代田区内幸町1-2-10-2")
    assert exact.ids == ("131016", "0001001", "002", "010", "0002")
    assert exact.display == "東京都千代田区内幸町一丁目2番10-2号"


def test_an_unknown_block_is_a_partial_match_at_the_town(abr):  # noqa: F811
    match = match_address("千代田区内幸町1丁目9-9")
    assert match.level is Level.TOWN and match.partial and not match.ambiguous
    assert match.ids == ("131016", "0001001", None, None, None)
    assert match.remainder == "9-9"


def test_an_unknown_residence_is_a_partial_match_at_the_block(abr):  # noqa: F811
    match = match_address("千代田区内幸町1丁目1番99号")
    assert match.level is Level.BLOCK and match.partial
    assert match.ids == ("131016", "0001001", "001", None, None)
    assert match.display == "東京都千代田区内幸町一丁目1番"
    assert match.remainder == "99号"


def test_an_unknown_town_is_a_partial_match_at_the_city(abr):  # noqa: F811
    match = match_address("東京都千代田区大手町1-1-1")
    assert match.level is Level.CITY and match.partial
    assert match.lg_code == "131016" and match.remainder == "大手町1-1-1"


def test_a_building_and_room_after_the_residence_are_kept_as_remainder(abr):  # noqa: F811
    match = match_address("千代田区霞ヶ関2丁目3番地2 霞ビル 5階")
    assert match.ids == KASUMIGASEKI_2_3_2 and not match.partial
    assert match.remainder == "霞ビル 5階"
    assert match_address("千代田区内幸町1-1-1-101").remainder == "101"


def test_a_chiban_town_matches_down_to_the_town_and_keeps_the_chiban(abr):  # noqa: F811
    match = match_address("東京都千代田区紀尾井町3番地1")
    assert match.level is Level.TOWN and not match.partial and not match.ambiguous
    assert match.ids == ("131016", "0007000", None, None, None)
    assert match.residential_addressing is False
    assert match.remainder == "3番地1"


def test_a_partly_residential_town_uses_the_chiban_row_for_unknown_blocks(abr):  # noqa: F811
    residential = match_address("千代田区有楽町1-2-3")
    assert residential.level is Level.RESIDENCE and residential.residential_addressing
    chiban = match_address("千代田区有楽町1丁目99番地1")
    assert chiban.level is Level.TOWN and chiban.residential_addressing is False
    assert chiban.machiaza_id == "0006001" and chiban.remainder == "99番地1"


@pytest.mark.parametrize("text", ["東京都渋谷区道玄坂1-1", "東京都"])
def test_an_unknown_municipality_stops_at_the_prefecture(abr, text):  # noqa: F811
    match = match_address(text)
    assert match.level is Level.PREFECTURE
    assert match.prefecture == "東京都" and match.lg_code is None
    assert match.partial == (text != "東京都")


def test_text_with_no_known_place_matches_nothing(abr):  # noqa: F811
    match = match_address("どこでもない場所1-1")
    assert match.level is Level.NONE and match.ids == (None,) * 5 and not match.candidates
    assert match.remainder == "どこでもない場所1-1"


def test_an_lg_code_not_in_the_registry_matches_nothing(abr):  # noqa: F811
    assert match_address("内幸町1-1-1", lg_code="131024").level is Level.NONE


@pytest.mark.parametrize(
    ("text", "lg_code", "code"),
    [("", None, "empty_address"), ("  \u3000", None, "empty_address"), ("内幸町", "131017", "invalid_lg_code"),
     ("x" * 501, None, "address_too_long")],
)  # fmt: skip
def test_bad_queries_are_refused_with_a_code(db, text, lg_code, code):
    with pytest.raises(Invalid) as refused:
        match_address(text, lg_code=lg_code)
    assert refused.value.code == code


def test_a_match_uses_a_handful_of_indexed_queries(abr, django_assert_max_num_queries):  # noqa: F811
    with django_assert_max_num_queries(4):
        match_address("東京都千代田区内幸町1-1-1")


# --- normalisation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kanji", "value"),
    [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("二十九", 29), ("百五", 105), ("一〇", 10),
     ("二〇五", 205), ("千二百三十四", 1234), ("十百", None), ("二三十", None)],
)  # fmt: skip
def test_kanji_numerals_are_read(kanji, value):
    assert kanji_to_int(kanji) == value


@pytest.mark.parametrize(
    ("text", "key"),
    [("霞が関", "霞ケ関"), ("丸の内", "丸ノ内"), ("二十九丁目", "29丁目"), ("六本木", "六本木"),
     ("八丁堀", "八丁堀"), ("北一条西", "北1条西"), ("１－２ー３", "1-2-3"), ("ニセコ", "ニセコ"), ("センター", "センター")],
)  # fmt: skip
def test_name_keys_unify_spellings_but_keep_names(text, key):
    assert name_key(text) == key


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HYPHENS = ["-", "‐", "−", "ー", "ｰ", "－", "―"]


@st.composite
def spellings(draw, chome: int, block: int, residence: int) -> str:
    def number(n: int, *, kanji_ok: bool = True) -> str:
        styles = ["arabic", "fullwidth"] + (["kanji"] if kanji_ok else [])
        style = draw(st.sampled_from(styles))
        return {
            "arabic": str(n),
            "fullwidth": str(n).translate(FULLWIDTH),
            "kanji": kanji_number(n),
        }[style]

    hyphen = st.sampled_from(HYPHENS)
    parts = [draw(st.sampled_from(["", "東京都"])), "千代田区", "内幸町"]
    parts.append(number(chome) + draw(st.sampled_from(["丁目", draw(hyphen)])))
    block_suffix = draw(st.sampled_from(["番", "番地", draw(hyphen)]))
    parts.append(number(block) + block_suffix)
    parts.append(number(residence) + draw(st.sampled_from(["", "号"])))
    text = "".join(parts)
    # Spaces anywhere (ASCII or ideographic), as people type them.
    positions = draw(st.lists(st.integers(0, len(text)), max_size=6))
    for position in sorted(positions, reverse=True):
        text = text[:position] + draw(st.sampled_from([" ", "\u3000"])) + text[position:]
    return text


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_spelling_variant_matches_the_same_ids(abr, data):  # noqa: F811
    chome = data.draw(st.integers(1, 2), label="chome")
    block = data.draw(st.integers(1, 3), label="block")
    residence = data.draw(st.integers(1, 3), label="residence")
    text = data.draw(spellings(chome, block, residence), label="text")
    match = match_address(text)
    assert match.ids == ("131016", f"0001{chome:03d}", f"{block:03d}", f"{residence:03d}", None)
    assert not match.ambiguous and not match.partial and match.remainder == ""


@given(st.text(max_size=60))
def test_normalisation_never_fails_and_origins_point_into_the_text(text):
    norm = normalise(text)
    assert len(norm.origin) == len(norm.key)
    assert all(0 <= i < len(text) for i in norm.origin)
    assert list(norm.origin) == sorted(norm.origin)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=40))
def test_the_matcher_accepts_any_text(abr, text):  # noqa: F811
    if not text.strip():
        return
    match = match_address(text)
    assert match.level in Level
    assert match.ambiguous == (match.candidate_count > 1)


@pytest.fixture
def koaza_towns(abr, tmp_path):  # noqa: F811
    """余市町 登町 with two 小字 (地番 area), written as ABR does: without 「字」."""
    common = {
        "pref": "北海道", "county": "余市郡", "city": "余市町", "machiaza_type": "3",
        "rsdt_addr_flg": "0", "rsdt_addr_mtd_code": "0",
    }  # fmt: skip
    rows = [
        town_row("014087", "0002001", "登町", None, koaza="大川", **common),
        town_row("014087", "0002002", "登町", None, koaza="中川", **common),
    ]
    import_paths(write_csv(tmp_path / "koaza.csv", TOWN_COLUMNS, rows))


@pytest.mark.parametrize(
    "text", ["余市町登町字大川1234番地", "余市郡余市町大字登町大川1234番地", "余市町登町 大川 1234"]
)
def test_a_koaza_is_matched_with_or_without_aza(koaza_towns, text):
    match = match_address(text)
    assert match.ids == ("014087", "0002001", None, None, None)
    assert match.display == "北海道余市郡余市町登町大川"
    assert match.remainder.startswith("1234")
    assert match.residential_addressing is False


def test_a_town_without_its_koaza_is_ambiguous(koaza_towns):
    match = match_address("余市町登町1234番地")
    assert match.level is Level.TOWN and match.ambiguous
    assert [c.machiaza_id for c in match.candidates] == ["0002001", "0002002"]
