"""Reading resident import rows (住民基本台帳 CSV): layout and per-field checks.

This module knows the file format of ``docs/registry/resident-import-format.md``
and nothing about the database: it turns one CSV record into a
:class:`ParsedRow` with normalised values, or into the list of
:class:`~kasumi.registry.importing.RowError` saying why it cannot be read.
Whether the row makes sense in the person's history is decided by the
importer (:mod:`kasumi.registry.importers.residents`).

Everything here runs once per row of files with millions of rows. A valid
row takes a fast path: one regular expression checks the syntax of all
columns at once, and the checks no pattern can do (dates, check digits,
codes) are cache hits or a few integer operations. A row that fails it is
checked again field by field (:meth:`RowParser._parse_slow`), which accepts
exactly the same rows and says precisely what is wrong with each field.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import IO, NamedTuple

from kasumi.core import fieldcrypto
from kasumi.core.codes import CodeError, validate_local_government_code
from kasumi.core.textkeys import kana_key, name_key
from kasumi.registry.importing import NoProgress, Progress, RowError
from kasumi.registry.models.residents import MY_NUMBER_CONTEXT, Relationship, ResidentEvent

__all__ = [
    "COLUMNS",
    "ParsedRow",
    "RowParser",
    "read_records",
]

COLUMNS: tuple[str, ...] = (
    "event_id",
    "event_type",
    "effective_date",
    "lg_code",
    "resident_code",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "sex",
    "my_number",
    "household_number",
    "relationship",
    "machiaza_id",
    "blk_id",
    "rsdt_id",
    "rsdt2_id",
    "address",
    "note",
)
N_COLUMNS = len(COLUMNS)
(
    C_EVENT_ID,
    C_EVENT_TYPE,
    C_EFFECTIVE_DATE,
    C_LG_CODE,
    C_RESIDENT_CODE,
    C_FAMILY_NAME,
    C_GIVEN_NAME,
    C_FAMILY_KANA,
    C_GIVEN_KANA,
    C_BIRTH_DATE,
    C_SEX,
    C_MY_NUMBER,
    C_HOUSEHOLD,
    C_RELATIONSHIP,
    C_MACHIAZA,
    C_BLK,
    C_RSDT,
    C_RSDT2,
    C_ADDRESS,
    C_NOTE,
) = range(N_COLUMNS)

Kind = ResidentEvent.Kind
KINDS: dict[str, str] = {k.value: k.value for k in Kind}
# The Japanese names of the event types are accepted too (plain str values:
# the importer compares kinds per row).
KINDS |= {
    "記載": Kind.REGISTRATION.value,
    "出生": Kind.BIRTH.value,
    "転入": Kind.MOVE_IN.value,
    "転居": Kind.MOVE_WITHIN.value,
    "世帯変更": Kind.HOUSEHOLD_CHANGE.value,
    "氏名変更": Kind.NAME_CHANGE.value,
    "転出": Kind.MOVE_OUT.value,
    "死亡": Kind.DEATH.value,
}

RELATIONSHIPS: dict[str, str] = {r.value: r.value for r in Relationship}
_JA_RELATIONSHIPS = {
    Relationship.HEAD: ("世帯主",),
    Relationship.SPOUSE: ("妻・夫", "妻", "夫"),
    Relationship.CHILD: ("子",),
    Relationship.SPOUSES_CHILD: ("妻の子・夫の子", "妻の子", "夫の子"),
    Relationship.PARENT: ("父・母", "父", "母"),
    Relationship.GRANDCHILD: ("孫",),
    Relationship.GRANDPARENT: ("祖父母", "祖父", "祖母", "祖父・祖母"),
    Relationship.SIBLING: ("兄弟姉妹", "兄", "弟", "姉", "妹"),
    Relationship.CHILD_IN_LAW: ("子の妻・夫", "子の妻", "子の夫", "子の妻・子の夫"),
    Relationship.OTHER_RELATIVE: ("その他の親族",),
    Relationship.COHABITANT: ("同居人",),
    Relationship.OTHER: ("その他",),
}
for _code, _words in _JA_RELATIONSHIPS.items():
    for _word in _words:
        RELATIONSHIPS[_word] = _code.value

_EVENT_ID = re.compile(r"[A-Za-z0-9._:\-]{1,40}")
# Control characters (C0, DEL, C1) never belong in a name, number or address.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Full-width katakana letters, ー, ヽヾ, the middle dot and the ideographic space.
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fb\u30fc-\u30fe\u3000]+")
_HIRA_TO_KATA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
# A name part that starts with one of these characters cannot combine with the
# end of the part before it under NFKC, so key(a + b) == key(a) + key(b) and the
# two halves can be cached separately (CJK ideographs, kana letters, ASCII letters).
_SAFE_START = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3041-\u3096\u30a1-\u30faA-Za-z]")
_CACHE_LIMIT = 50_000

# The fast path: one match over the row's cells joined by \x1f checks the
# syntax of every column at once (no part matches \x1f, so the parts line up
# with the cells exactly; a cell holding \x1f fails it). Each part accepts
# exactly what the per-field check in :meth:`RowParser._parse_slow` accepts;
# the semantic checks (dates, check digits, codes) still run per field. A row
# that fails goes through the per-field checks, which say precisely why.
_NOT_CONTROL = r"[^\x00-\x1f\x7f-\x9f]"
_NAME_PART = rf"(?:[^\s\x00-\x1f\x7f-\x9f](?:{_NOT_CONTROL}{{0,48}}[^\s\x00-\x1f\x7f-\x9f])?)?"
_KANA_PART = r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fb\u30fc-\u30fe\u3000]{0,100}"
_DATE_PART = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_ROW_SYNTAX = re.compile(
    "\x1f".join(
        [
            r"[A-Za-z0-9._:\-]{1,40}",  # event_id
            r"[^\x1f]*",  # event_type (a dictionary lookup)
            _DATE_PART,  # effective_date
            r"[^\x1f]*",  # lg_code (a dictionary of validated codes)
            r"[0-9]{11}",  # resident_code (+ check digit)
            _NAME_PART,  # family_name
            _NAME_PART,  # given_name
            _KANA_PART,  # family_name_kana
            _KANA_PART,  # given_name_kana
            f"(?:{_DATE_PART})?",  # birth_date
            r"[12]?",  # sex
            r"([0-9]{12})?",  # my_number (+ check digit); group 1
            f"{_NOT_CONTROL}{{0,20}}",  # household_number
            r"[^\x1f]*",  # relationship (a dictionary lookup)
            r"(?:[0-9]{7})?",  # machiaza_id
            r"(?:[0-9]{3})?",  # blk_id
            r"(?:[0-9]{3})?",  # rsdt_id
            r"(?:[0-9]{4})?",  # rsdt2_id
            f"{_NOT_CONTROL}{{0,200}}",  # address
            f"{_NOT_CONTROL}{{0,200}}",  # note
        ]
    )
)
_tuple_new = tuple.__new__
_blake2b = hashlib.blake2b


def _rc_ok(b: bytes) -> bool:
    # 10 base digits: weights from the left are 5,4,3,2,7,6,5,4,3,2.
    total = (
        b[0] * 5 + b[1] * 4 + b[2] * 3 + b[3] * 2 + b[4] * 7
        + b[5] * 6 + b[6] * 5 + b[7] * 4 + b[8] * 3 + b[9] * 2
        - 48 * 41
    )  # fmt: skip
    r = total % 11
    return b[10] - 48 == (0 if r <= 1 else 11 - r)


def _mn_ok(b: bytes) -> bool:
    # 11 base digits: weights from the left are 6,5,4,3,2,7,6,5,4,3,2.
    total = (
        b[0] * 6 + b[1] * 5 + b[2] * 4 + b[3] * 3 + b[4] * 2 + b[5] * 7
        + b[6] * 6 + b[7] * 5 + b[8] * 4 + b[9] * 3 + b[10] * 2
        - 48 * 47
    )  # fmt: skip
    r = total % 11
    return b[11] - 48 == (0 if r <= 1 else 11 - r)


def _my_number_digester() -> Callable[[str], str]:
    """``fieldcrypto.lookup_digest(value, MY_NUMBER_CONTEXT)`` for many values."""
    return fieldcrypto.lookup_digester(MY_NUMBER_CONTEXT)


class ParsedRow(NamedTuple):
    """One row whose fields are each well-formed; blank optional fields are ``""``.

    Dates stay ISO strings (``YYYY-MM-DD`` sorts and compares correctly and is
    what the database bulk paths take). ``my_number`` is the plain 個人番号 and
    lives only in memory: it is sealed before it is written and never logged.
    """

    line: int
    cells: list[str]
    event_id: str
    kind: str
    effective_date: str
    lg_code: str
    municipality_id: int
    resident_code: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: str
    sex: int
    my_number: str
    my_number_digest: str
    household_number: str
    relationship: str
    machiaza_id: str
    blk_id: str
    rsdt_id: str
    rsdt2_id: str
    address: str
    note: str
    fingerprint: str

    def __repr__(self) -> str:  # never show the 個人番号 in a traceback or log
        return f"ParsedRow(line={self.line}, event_id={self.event_id!r})"


class RowParser:
    """Checks the fields of one row at a time; keeps small caches across rows."""

    def __init__(self, file: str, municipalities: dict[str, int], other_orgs: set[str]) -> None:
        self.file = file
        self.municipalities = municipalities
        self.other_orgs = other_orgs
        self._dates: set[str] = set()
        self._names: set[str] = set()
        self._kana: dict[str, str] = {}
        self._lg_codes: dict[str, int] = {}
        self._name_keys: dict[str, str] = {}
        self._kana_keys: dict[str, str] = {}
        # Whole names repeat too (families share a family name): one lookup.
        self._name_pairs: dict[tuple[str, str], str] = {}
        self._kana_pairs: dict[tuple[str, str], str] = {}
        self._digest = _my_number_digester()

    # -- the header --------------------------------------------------------

    def header_error(self, cells: list[str] | None) -> RowError | None:
        if cells is None:
            return RowError(self.file, 1, None, "the file is empty; expected a header row")
        if [c.strip() for c in cells] != list(COLUMNS):
            return RowError(
                self.file,
                1,
                None,
                "the header must be exactly these 20 columns: " + ",".join(COLUMNS),
            )
        return None

    # -- one row -----------------------------------------------------------

    def parse(self, cells: list[str], line: int) -> ParsedRow | list[RowError]:
        """The row's normalised values, or every reason its fields are wrong.

        Valid rows (nearly all) take the fast path: one regular expression for
        the syntax of all columns, then the checks no pattern can do (dates,
        check digits, codes), each a cache hit for values seen before. Any
        failure hands the row to :meth:`_parse_slow`, which checks field by
        field and reports every reason; it accepts exactly the same rows.
        """
        if len(cells) != N_COLUMNS:
            return self._parse_slow(cells, line)
        joined = "\x1f".join(cells)
        match = _ROW_SYNTAX.fullmatch(joined)
        if match is None:
            return self._parse_slow(cells, line)
        (
            event_id,
            event_type,
            effective_date,
            lg_code,
            resident_code,
            family_name,
            given_name,
            family_kana,
            given_kana,
            birth_date,
            sex_text,
            my_number,
            household,
            relationship,
            machiaza,
            blk,
            rsdt,
            rsdt2,
            address,
            note,
        ) = cells
        kind = KINDS.get(event_type)
        municipality_id = self._lg_codes.get(lg_code)
        rel = RELATIONSHIPS.get(relationship, "") if relationship else ""
        dates = self._dates
        if (
            kind is None
            or municipality_id is None
            or (relationship and not rel)
            or (effective_date not in dates and not self._check_date(effective_date))
            or (birth_date and birth_date not in dates and not self._check_date(birth_date))
        ):
            return self._parse_slow(cells, line)
        rc = resident_code.encode()
        if not _rc_ok(rc):
            return self._parse_slow(cells, line)
        kana = self._kana
        if family_kana:
            family_kana = kana.get(family_kana) or self._normalise_kana(family_kana, 0, None)
        if given_kana:
            given_kana = kana.get(given_kana) or self._normalise_kana(given_kana, 0, None)
        # The content fingerprint (see _parse_slow): cells[1:], with the
        # 個人番号 replaced by its keyed digest.
        start = len(event_id) + 1
        if my_number:
            if not _mn_ok(my_number.encode()):
                return self._parse_slow(cells, line)
            digest = self._digest(my_number)
            content = joined[start : match.start(1)] + digest + joined[match.end(1) :]
        else:
            digest = ""
            content = joined[start:]
        fingerprint = _blake2b(content.encode(), digest_size=16).hexdigest()
        row: ParsedRow = _tuple_new(
            ParsedRow,
            (
                line,
                cells,
                event_id,
                kind,
                effective_date,
                lg_code,
                municipality_id,
                resident_code,
                family_name,
                given_name,
                family_kana,
                given_kana,
                birth_date,
                int(sex_text) if sex_text else 0,
                my_number,
                digest,
                household,
                rel,
                machiaza,
                blk,
                rsdt,
                rsdt2,
                address,
                note,
                fingerprint,
            ),
        )
        return row

    def _parse_slow(self, cells: list[str], line: int) -> ParsedRow | list[RowError]:
        """Field-by-field checks listing every reason; the reference for :meth:`parse`."""
        errors: list[RowError] = []
        file = self.file

        def bad(column: int, reason: str) -> None:
            errors.append(RowError(file, line, COLUMNS[column], reason))

        if len(cells) != N_COLUMNS:
            return [RowError(file, line, None, f"expected {N_COLUMNS} columns, found {len(cells)}")]
        (
            event_id,
            event_type,
            effective_date,
            lg_code,
            resident_code,
            family_name,
            given_name,
            family_kana,
            given_kana,
            birth_date,
            sex_text,
            my_number,
            household,
            relationship,
            machiaza,
            blk,
            rsdt,
            rsdt2,
            address,
            note,
        ) = cells

        if _EVENT_ID.fullmatch(event_id) is None:
            bad(C_EVENT_ID, "must be 1–40 characters of A-Z a-z 0-9 . _ : -")
        kind = KINDS.get(event_type, "")
        if not kind:
            bad(C_EVENT_TYPE, f"unknown event type {event_type!r}")
        if not effective_date:
            bad(C_EFFECTIVE_DATE, "is required")
        elif effective_date not in self._dates and not self._check_date(effective_date):
            bad(C_EFFECTIVE_DATE, f"{effective_date} is not a date (YYYY-MM-DD)")
        municipality_id = self._lg_codes.get(lg_code, 0)
        if not municipality_id:
            reason = self._lg_code_error(lg_code)
            if reason:
                bad(C_LG_CODE, reason)
            else:
                municipality_id = self._lg_codes[lg_code]
        rc = resident_code.encode()
        if not (len(rc) == 11 and resident_code.isdigit() and _rc_ok(rc)):
            bad(C_RESIDENT_CODE, self._resident_code_error(resident_code))

        for column, value in ((C_FAMILY_NAME, family_name), (C_GIVEN_NAME, given_name)):
            if value and value not in self._names and not self._check_name(value, 50):
                bad(column, self._text_error(value, 50))
        if family_kana:
            family_kana = self._normalise_kana(family_kana, C_FAMILY_KANA, bad)
        if given_kana:
            given_kana = self._normalise_kana(given_kana, C_GIVEN_KANA, bad)
        if birth_date and birth_date not in self._dates and not self._check_date(birth_date):
            bad(C_BIRTH_DATE, f"{birth_date} is not a date (YYYY-MM-DD)")
        sex = 0
        if sex_text:
            if sex_text == "1" or sex_text == "2":
                sex = int(sex_text)
            else:
                bad(C_SEX, f"{sex_text!r} is not 1 (男) or 2 (女)")
        digest = ""
        if my_number:
            mn = my_number.encode()
            if len(mn) == 12 and my_number.isdigit() and _mn_ok(mn):
                digest = self._digest(my_number)
            else:
                # Never echo the value: it may be a real person's number.
                bad(C_MY_NUMBER, "must be 12 digits with a valid check digit (value not shown)")
        if household and (len(household) > 20 or _CONTROL.search(household)):
            bad(C_HOUSEHOLD, "must be 1–20 characters without control characters")
        rel = ""
        if relationship:
            rel = RELATIONSHIPS.get(relationship, "")
            if not rel:
                bad(C_RELATIONSHIP, f"unknown relationship {relationship!r}")
        if machiaza and not (len(machiaza) == 7 and machiaza.isascii() and machiaza.isdigit()):
            bad(C_MACHIAZA, f"{machiaza!r} is not a 7-digit 町字ID")
        for column, value, width in ((C_BLK, blk, 3), (C_RSDT, rsdt, 3), (C_RSDT2, rsdt2, 4)):
            if value and not (len(value) == width and value.isascii() and value.isdigit()):
                bad(column, f"{value!r} is not {width} digits")
        if address and (len(address) > 200 or _CONTROL.search(address)):
            bad(C_ADDRESS, self._text_error(address, 200))
        if note and (len(note) > 200 or _CONTROL.search(note)):
            bad(C_NOTE, self._text_error(note, 200))
        if errors:
            return errors

        # The fingerprint identifies the row's content for re-imports. The
        # 個人番号 enters it only through its keyed digest: a plain hash of a
        # 12-digit number beside the other fields could be brute-forced.
        if my_number:
            content = "\x1f".join([*cells[1:C_MY_NUMBER], digest, *cells[C_MY_NUMBER + 1 :]])
        else:
            content = "\x1f".join(cells[1:])
        fingerprint = hashlib.blake2b(content.encode(), digest_size=16).hexdigest()
        return ParsedRow(
            line,
            cells,
            event_id,
            kind,
            effective_date,
            lg_code,
            municipality_id,
            resident_code,
            family_name,
            given_name,
            family_kana,
            given_kana,
            birth_date,
            sex,
            my_number,
            digest,
            household,
            rel,
            machiaza,
            blk,
            rsdt,
            rsdt2,
            address,
            note,
            fingerprint,
        )

    # -- keys for matching -----------------------------------------------------

    def name_key(self, family: str, given: str) -> str:
        """``textkeys.name_key(family + given)``, cached per name and per name part."""
        key = self._name_pairs.get((family, given))
        if key is None:
            if len(self._name_pairs) > _CACHE_LIMIT:
                self._name_pairs.clear()
            key = self._name_pairs[family, given] = self._pair_key(
                name_key, self._name_keys, family, given
            )
        return key

    def kana_key(self, family: str, given: str) -> str:
        """``textkeys.kana_key(family + given)``, cached per name and per name part."""
        key = self._kana_pairs.get((family, given))
        if key is None:
            if len(self._kana_pairs) > _CACHE_LIMIT:
                self._kana_pairs.clear()
            key = self._kana_pairs[family, given] = self._pair_key(
                kana_key, self._kana_keys, family, given
            )
        return key

    @staticmethod
    def _pair_key(fn: object, cache: dict[str, str], first: str, second: str) -> str:
        key_fn = fn  # the textkeys function; typed loosely to keep this helper tiny
        assert callable(key_fn)
        if second and _SAFE_START.match(second) is None:
            result: str = key_fn(first + second)
            return result
        k1 = cache.get(first)
        if k1 is None:
            if len(cache) > _CACHE_LIMIT:
                cache.clear()
            k1 = cache[first] = key_fn(first)
        k2 = cache.get(second)
        if k2 is None:
            k2 = cache[second] = key_fn(second)
        return k1 + k2

    # -- single fields ---------------------------------------------------------

    def _check_date(self, value: str) -> bool:
        if len(value) != 10 or value[4] != "-" or value[7] != "-" or not value.isascii():
            return False
        if not (value[:4].isdigit() and value[5:7].isdigit() and value[8:].isdigit()):
            return False
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        if len(self._dates) > _CACHE_LIMIT:
            self._dates.clear()
        self._dates.add(value)
        return True

    def _check_name(self, value: str, limit: int) -> bool:
        if len(value) > limit or _CONTROL.search(value) or value != value.strip():
            return False
        if len(self._names) > _CACHE_LIMIT:
            self._names.clear()
        self._names.add(value)
        return True

    @staticmethod
    def _text_error(value: str, limit: int) -> str:
        if len(value) > limit:
            return f"is {len(value)} characters long; at most {limit} are allowed"
        if value != value.strip():
            return "has leading or trailing spaces"
        return "contains a control character"

    def _normalise_kana(self, value: str, column: int, bad: object) -> str:
        kata = self._kana.get(value)
        if kata is not None:
            return kata
        kata = value.translate(_HIRA_TO_KATA)
        if len(kata) <= 100 and _KATAKANA.fullmatch(kata):
            if len(self._kana) > _CACHE_LIMIT:
                self._kana.clear()
            self._kana[value] = kata
            return kata
        assert callable(bad)
        bad(column, f"{value!r} is not full-width katakana (at most 100 characters)")
        return value

    def _lg_code_error(self, code: str) -> str:
        """Why ``code`` is not a municipality on the platform ('' if it is)."""
        if not code:
            return "is required"
        try:
            validate_local_government_code(code)
        except CodeError as exc:
            return str(exc)
        municipality_id = self.municipalities.get(code)
        if municipality_id is None:
            if code in self.other_orgs:
                return f"{code} is on the platform but is not a municipality"
            return f"{code} is not a municipality on the platform"
        self._lg_codes[code] = municipality_id
        return ""

    @staticmethod
    def _resident_code_error(code: str) -> str:
        if not code:
            return "is required"
        if len(code) != 11 or not code.isascii() or not code.isdigit():
            return f"resident record code must be exactly 11 ASCII digits, got {code!r}"
        return f"resident record code {code}: check digit is wrong"


_SURROGATE = re.compile("[\udc80-\udcff]")
# How many undecodable byte runs the decoder met (in any file): rows are
# searched for them only after one was seen, so good files pay nothing.
_DECODE_ERRORS = [0]
_surrogateescape = codecs.lookup_error("surrogateescape")


def _count_and_escape(exc: UnicodeError) -> tuple[str | bytes, int]:
    _DECODE_ERRORS[0] += 1
    return _surrogateescape(exc)


codecs.register_error("kasumi-residents", _count_and_escape)


def read_records(
    raw: IO[bytes], progress: Progress | None = None, every: int = 4096
) -> Iterator[tuple[int, list[str], int | None]]:
    """CSV records of a UTF-8 byte stream as ``(first line, cells, bad line)``.

    Unlike :func:`kasumi.registry.importing.decoded_lines` this does not stop
    at the first undecodable line: undecodable bytes become lone surrogates
    (``surrogateescape``) and the number of the line holding them is returned
    as ``bad line`` with its record, so every bad row of a file can be reported
    (or skipped with ``--skip-invalid``). Decoding and line splitting stay in
    C (``TextIOWrapper`` feeding ``csv.reader``); progress is reported in bytes
    every ``every`` records.
    """
    progress = progress or NoProgress()
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="kasumi-residents", newline="")
    errors_before = _DECODE_ERRORS[0]
    reader = csv.reader(text, strict=False)
    last = 0
    reported = raw.tell()
    count = 0
    for cells in reader:
        first = last + 1
        last = reader.line_num
        count += 1
        if count % every == 0:
            position = raw.tell()
            progress.advance(position - reported)
            reported = position
        if not cells:
            continue  # a blank line
        bad: int | None = None
        if _DECODE_ERRORS[0] != errors_before:
            joined = ",".join(cells)
            found = _SURROGATE.search(joined)
            if found is not None:
                bad = first + joined[: found.start()].count("\n")
        yield first, cells, bad
    text.detach()
    position = raw.tell()
    progress.advance(position - reported)
