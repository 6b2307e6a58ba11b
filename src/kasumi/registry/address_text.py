"""Normalisation of Japanese address text for matching (never for storage).

Addresses are written in many ways for the same place: 全角/半角 digits and
letters, 漢数字 or 算用数字 for 丁目 (一丁目 = 1丁目 = １丁目), hyphens of every
shape (‐ - − ー ｰ － ―) standing for 丁目/番/号, 霞が関 / 霞ヶ関 / 霞ケ関, spaces
anywhere. :func:`normalise` turns a text into a *key* in which those spellings
coincide, and remembers for every key character where it came from, so that the
unmatched rest of an address (a building name, a room number) can be handed
back in the caller's own spelling.

Name keys build on :mod:`kasumi.core.textkeys` (NFKC, variation selectors,
hiragana → katakana, 異体字 table) and add what addresses need:

- hyphen variants → ``-``; ``ー`` after a digit is a hyphen, not a long vowel;
- ケ/ヶ/ガ and ノ/之 between two kanji → ``ケ`` / ``ノ`` (霞が関 = 霞ヶ関);
- 漢数字 before 丁目, 条, 線, 地割, 番, 号 → arabic digits (二十九丁目 → 29丁目);
  elsewhere (六本木, 九段南, 八丁堀) kanji stay, since they are part of names.
  Registry names and input texts go through the same rules, so 一番町 becomes
  1番町 on both sides and still matches.

Numbers after the town (block, residence) are read by :func:`read_number`,
which accepts arabic digits and 漢数字 alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kasumi.core.textkeys import variant_table

HYPHEN = "-"
# Everything people (and word processors) type for the hyphen in 1-1-1.
_HYPHENS = frozenset("-‐‑‒–—―−﹣－⁃")
_LONG_VOWEL = "ー"
_LEADING_NOISE = "".join(_HYPHENS) + "ーｰ \u3000\t"
_REMOVED = frozenset(" \u3000\t\r\n\u30fb\u00b7\uff65\u2027")
_VOICED_MARKS = frozenset("\u3099\u309a\uff9e\uff9f")
# Hiragana ぁ(3041)–ゖ(3096) and ゝゞ sit exactly 0x60 below their katakana.
_HIRA_TO_KATA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_KE_VARIANTS = frozenset("ケヶヵガ")
_NO_VARIANTS = frozenset("ノ之")

KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMERALS = frozenset(KANJI_DIGITS) | frozenset(KANJI_UNITS)
# Kanji numerals directly before these are numbers, not parts of a name.
_NUMBER_MARKERS = ("丁目", "条", "線", "地割", "番", "号")
_POSTCODE = re.compile(r"^〒?[0-9]{3}-?[0-9]{4}")


def _is_kanji(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3134F
        or ch == "々"
    )


def _is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def is_digit(ch: str) -> bool:
    """An ASCII digit (keys hold no other digits after NFKC)."""
    return "0" <= ch <= "9"


def kanji_to_int(run: str) -> int | None:
    """Value of a 漢数字 run: 二十九 → 29, 百五 → 105, 一〇 → 10 (positional); None if malformed."""
    if not run or any(ch not in _KANJI_NUMERALS for ch in run):
        return None
    if not any(ch in KANJI_UNITS for ch in run):
        # Positional: 一〇 = 10, 二〇五 = 205.
        return int("".join(str(KANJI_DIGITS[ch]) for ch in run))
    total = 0
    pending: int | None = None
    last_unit = 10_000
    for ch in run:
        if ch in KANJI_DIGITS:
            if pending is not None:
                return None  # 二三十: two digits before a unit
            pending = KANJI_DIGITS[ch]
        else:
            unit = KANJI_UNITS[ch]
            if unit >= last_unit:
                return None  # 十百: units must decrease
            total += (1 if pending is None else pending) * unit
            pending = None
            last_unit = unit
    return total + (pending or 0)


@dataclass(frozen=True)
class Normalised:
    """A matching key and, for each of its characters, its index in ``source``."""

    source: str
    key: str
    origin: tuple[int, ...]

    def rest_of_source(self, position: int) -> str:
        """The caller's own text from key ``position`` on (what was not matched)."""
        if position >= len(self.key):
            return ""
        # Leading separators (「-101」 after a residence) are not part of the rest.
        return self.source[self.origin[position] :].lstrip(_LEADING_NOISE).rstrip(" \u3000\t")


def _units(text: str) -> list[tuple[str, int]]:
    """NFKC per character (keeping half-width voiced marks with their kana), with origins."""
    out: list[tuple[str, int]] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and (text[j] in _VOICED_MARKS or _is_variation_selector(text[j])):
            j += 1
        group = "".join(ch for ch in text[i:j] if not _is_variation_selector(ch))
        for ch in unicodedata.normalize("NFKC", group):
            out.append((ch, i))
        i = j
    return out


def _map_chars(units: list[tuple[str, int]]) -> list[tuple[str, int]]:
    variants = variant_table()
    out: list[tuple[str, int]] = []
    for ch, origin in units:
        if ch in _REMOVED:
            continue
        if ch in _HYPHENS:
            ch = HYPHEN
        else:
            ch = chr(_HIRA_TO_KATA.get(ord(ch), ord(ch)))
            ch = variants.get(ord(ch), ch)
            if "a" <= ch <= "z":
                ch = ch.upper()
        out.append((ch, origin))
    return out


def _context_rules(units: list[tuple[str, int]]) -> list[tuple[str, int]]:
    out = list(units)
    for i, (ch, origin) in enumerate(out):
        prev = out[i - 1][0] if i > 0 else ""
        nxt = out[i + 1][0] if i + 1 < len(out) else ""
        if ch == _LONG_VOWEL and (is_digit(prev) or prev in _KANJI_NUMERALS):
            out[i] = (HYPHEN, origin)  # 1ー1: a hyphen typed with the kana long-vowel key
        elif ch in _KE_VARIANTS and prev and nxt and _is_kanji(prev) and _is_kanji(nxt):
            out[i] = ("ケ", origin)  # 霞が関 = 霞ヶ関 = 霞ケ関
        elif ch in _NO_VARIANTS and prev and nxt and _is_kanji(prev) and _is_kanji(nxt):
            out[i] = ("ノ", origin)  # 丸の内 = 丸ノ内 = 丸之内
    return out


def _convert_numerals(units: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """漢数字 runs → arabic where a number marker follows (二十九丁目 → 29丁目)."""
    out: list[tuple[str, int]] = []
    i = 0
    n = len(units)
    while i < n:
        if units[i][0] not in _KANJI_NUMERALS:
            out.append(units[i])
            i += 1
            continue
        j = i
        while j < n and units[j][0] in _KANJI_NUMERALS:
            j += 1
        run = "".join(u[0] for u in units[i:j])
        following = "".join(u[0] for u in units[j : j + 2])
        value = kanji_to_int(run)
        if value is not None and following.startswith(_NUMBER_MARKERS):
            out.extend(
                (d, units[i + k if i + k < j else j - 1][1]) for k, d in enumerate(str(value))
            )
        else:
            out.extend(units[i:j])
        i = j
    return out


def normalise(text: str) -> Normalised:
    """The matching key of an address text, with origins (see the module docstring)."""
    units = _context_rules(_map_chars(_units(text)))
    units = _convert_numerals(units)
    return Normalised(text, "".join(u[0] for u in units), tuple(u[1] for u in units))


def name_key(text: str) -> str:
    """Matching key of a registry name (都道府県, 市区町村, 大字・町, 小字)."""
    return normalise(text).key


def strip_postcode(norm: Normalised) -> int:
    """Key position after a leading 〒100-0011 (people paste addresses with it)."""
    found = _POSTCODE.match(norm.key)
    return found.end() if found else 0


def read_number(key: str, position: int) -> tuple[int, int] | None:
    """An arabic or 漢数字 number at ``position``: ``(value, end)``, or None."""
    end = position
    while end < len(key) and is_digit(key[end]):
        end += 1
    if end > position:
        return int(key[position:end]), end
    while end < len(key) and key[end] in _KANJI_NUMERALS:
        end += 1
    if end > position:
        value = kanji_to_int(key[position:end])
        if value is not None:
            return value, end
    return None


def number_key(value: str) -> str:
    """Key of a registry number column (街区符号, 住居番号): ``０１`` → ``1``."""
    text = unicodedata.normalize("NFKC", value).strip()
    if text.isascii() and text.isdigit():
        return str(int(text))
    number = read_number(text, 0)
    if number is not None and number[1] == len(text):
        return str(number[0])
    return text.upper()
