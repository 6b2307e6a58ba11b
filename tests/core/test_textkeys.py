from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasumi.core.textkeys import kana_key, name_key, variant_table


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("髙橋 一郎", "高橋一郎"),
        ("山﨑　花子", "山崎花子"),
        ("渡邉", "渡辺"),
        ("渡邊", "渡辺"),
        ("齋藤", "斎藤"),
        ("やまだ たろう", "ヤマダタロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ジョン・スミス", "ジョンスミス"),
        ("葛\U000e0100城", "葛城"),
        ("ＡＢＣ商事", "ABC商事"),
    ],
)
def test_spellings_of_one_name_share_a_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("高橋", "髙田"), ("ヨシダ", "ヨシタ"), ("サトウ", "サトオ")])
def test_different_names_keep_different_keys(a, b):
    assert name_key(a) != name_key(b)


def test_long_vowel_mark_and_wave_dash_are_kept():
    assert name_key("サーシャ") == "サーシャ"
    assert "〜" in name_key("〜")


def test_bank_kana_matches_registry_kana():
    assert kana_key("ｻﾄｳ ｼﾖｳｺ") == kana_key("サトウ ショウコ")
    assert kana_key("ｻﾄｳ ｼﾖｳｺ") == "サトウシヨウコ"


def test_variant_table_maps_to_standard_forms_only():
    table = variant_table()
    assert table[ord("髙")] == "高"
    # No standard form is itself a variant (the mapping is idempotent).
    assert not any(ord(std) in table for std in table.values())


@given(st.text())
def test_name_key_is_idempotent(text):
    once = name_key(text)
    assert name_key(once) == once


@given(st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3096), min_size=1))
def test_hiragana_and_katakana_share_keys(hiragana):
    katakana = "".join(chr(ord(c) + 0x60) for c in hiragana)
    assert name_key(hiragana) == name_key(katakana)


@given(st.text())
def test_key_has_no_spaces_or_variation_selectors(text):
    key = name_key(text)
    assert " " not in key and "\u3000" not in key
    assert not any(0xFE00 <= ord(c) <= 0xFE0F or 0xE0100 <= ord(c) <= 0xE01EF for c in key)
    assert unicodedata.is_normalized("NFKC", key)
