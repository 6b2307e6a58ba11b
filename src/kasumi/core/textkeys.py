"""Japanese text keys for matching names and addresses (never for storage).

A key is what two spellings of the same name have in common: NFKC, no
variation selectors, katakana instead of hiragana, no spaces or middle dots,
and standard kanji instead of variants (異体字) from ``data/itaiji.tsv``.
The stored value always keeps the characters the person or registry gave.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

_DATA = Path(__file__).with_name("data")

# Hiragana ぁ(3041)–ゖ(3096) and ゝゞ sit exactly 0x60 below their katakana.
_HIRA_TO_KATA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_REMOVED: dict[int, None] = {ord(c): None for c in " \u3000\t\u30fb\u00b7\uff65\u2027"}
_VARIATION_SELECTORS: dict[int, None] = {
    cp: None for cp in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
}
_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")


@cache
def variant_table() -> dict[int, str]:
    """The 異体字 → standard-form table, loaded once from the repository file."""
    table: dict[int, str] = {}
    for lineno, raw in enumerate((_DATA / "itaiji.tsv").read_text("utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        variant, standard = line.split("\t")[:2]
        if len(variant) != 1 or len(standard) != 1:
            raise ValueError(f"itaiji.tsv line {lineno}: expected one character per column")
        table[ord(variant)] = standard
    return table


@cache
def _key_table() -> dict[int, int | str | None]:
    # One translate() pass instead of four: the mappings touch disjoint characters.
    table: dict[int, int | str | None] = {}
    table.update(_VARIATION_SELECTORS)
    table.update(_HIRA_TO_KATA)
    table.update(_REMOVED)
    table.update(variant_table())
    return table


def name_key(text: str) -> str:
    """Matching key for a personal or corporate name, in kanji or kana."""
    key = unicodedata.normalize("NFKC", text).translate(_key_table())
    # Removing a space or selector can join a letter to a combining mark that
    # NFKC would compose; repeat until stable so that keys are idempotent.
    for _ in range(4):
        if unicodedata.is_normalized("NFKC", key):
            break
        key = unicodedata.normalize("NFKC", key).translate(_key_table())
    return key


def kana_key(text: str) -> str:
    """Matching key for kana as banks hold it: also enlarges small kana (ｯ→ツ).

    Bank account holder names are half-width katakana with small kana written
    large, so ``ｻﾄｳ ｼﾖｳｺ`` and ``サトウ ショウコ`` share the key ``サトウシヨウコ``.
    Long vowel marks and hyphen-like characters are kept as ``ー`` on both sides.
    """
    key = name_key(text).translate(_SMALL_TO_LARGE)
    return key.replace("-", "ー").replace("‐", "ー").replace("−", "ー")
