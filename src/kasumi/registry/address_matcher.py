"""Address matcher: free-text Japanese addresses → Address Base Registry identifiers.

:func:`match_address` reads an address the way a person writes it (「東京都千代田区
内幸町一丁目1番1号」, 「千代田区内幸町１－１－１」, 「内幸町1丁目1番地1」 with
``lg_code``) and walks down the registry's levels:

1. prefecture (都道府県) — optional in the text;
2. municipality (市区町村; 郡 and 政令市の区 optional) — from
   :class:`~kasumi.registry.models.AddressMunicipality`, or ``lg_code``;
3. town (町字: 大字・町, 丁目, 小字) — from :class:`AddressTown`;
4. block (街区, 「1番」) and 5. residence (住居, 「1号」) — only in 住居表示
   areas (``rsdt_addr_flg`` 1); in 地番 areas the match stops at the town and
   the rest (the 地番) is handed back as ``remainder``.

Each level is one indexed query whose candidates are narrowed by the text
itself (all prefixes of the rest of the key), so a call never scans a table.
The result says the deepest level reached, whether several candidates remain
there (``ambiguous``), whether the text went on with something the registry
does not know (``partial``), and what was not matched (``remainder``, in the
caller's own spelling). This module knows no HTTP; errors are
:class:`~kasumi.core.apierrors.Invalid`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from django.db.models import Q

from kasumi.core.apierrors import Invalid
from kasumi.core.codes import CodeError, validate_local_government_code
from kasumi.core.prefectures import PREFECTURE_NAMES
from kasumi.registry.address_text import (
    HYPHEN,
    Normalised,
    name_key,
    normalise,
    read_number,
    strip_postcode,
)
from kasumi.registry.models import (
    AddressBlock,
    AddressMunicipality,
    AddressResidence,
    AddressTown,
)

__all__ = ["AddressCandidate", "AddressMatch", "Level", "match_address"]

MAX_QUERY_LENGTH = 500
MAX_CANDIDATES = 50
# Longest 郡+市区町村+区 and 大字・町 names we look for, in key characters.
_MAX_MUNICIPALITY_CHARS = 24
_MAX_TOWN_CHARS = 40
_MUNICIPALITY_ENDINGS = frozenset("市区町村郡")
# Only the columns the matcher reads, to keep the per-call ORM cost down.
_TOWN_FIELDS = (
    "lg_code", "machiaza_id", "rsdt_addr_flg", "oaza_cho", "chome", "chome_number", "koaza",
    "oaza_key", "koaza_key", "ablt_date",
)  # fmt: skip
_BLOCK_FIELDS = ("lg_code", "machiaza_id", "blk_id", "blk_num", "ablt_date")
_RESIDENCE_FIELDS = (
    "lg_code", "machiaza_id", "blk_id", "rsdt_id", "rsdt2_id", "blk_num", "rsdt_num",
    "rsdt_num2", "rsdt2_key", "ablt_date",
)  # fmt: skip

_PREFECTURE_KEYS = sorted(((name_key(p), p) for p in PREFECTURE_NAMES), key=lambda kp: -len(kp[0]))


class Level(IntEnum):
    """How deep a match reached."""

    NONE = 0
    PREFECTURE = 1
    CITY = 2  # 市区町村 (or 政令市の区)
    TOWN = 3  # 町字
    BLOCK = 4  # 街区
    RESIDENCE = 5  # 住居

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class AddressCandidate:
    """One registry entry the text may mean, with its canonical display text."""

    level: Level
    lg_code: str | None = None
    machiaza_id: str | None = None
    blk_id: str | None = None
    rsdt_id: str | None = None
    rsdt2_id: str | None = None
    # Display text per level: prefecture, municipality, town, block, residence.
    parts: tuple[str, ...] = ()
    residential_addressing: bool | None = None
    abolished: bool = False

    @property
    def ids(self) -> tuple[str | None, ...]:
        return (self.lg_code, self.machiaza_id, self.blk_id, self.rsdt_id, self.rsdt2_id)

    @property
    def display(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class AddressMatch:
    """The outcome of :func:`match_address`.

    - ``level``: the deepest level matched; ids below it are None.
    - ``ambiguous``: several candidates remain at that level (``candidates``);
      the ids they share are set, the others are None.
    - ``partial``: the text goes on with a deeper part (a town name, a block or
      residence number) that the registry does not have; ``remainder`` holds it.
    - ``remainder``: the unmatched end of the text, in the caller's spelling
      (a 地番 in a 地番 area, a building or room, or what could not be matched).
    - ``residential_addressing``: for a town or deeper, whether the place has
      住居表示 (False in 地番 areas, where block and residence do not exist).
    """

    query: str
    level: Level
    ambiguous: bool = False
    partial: bool = False
    lg_code: str | None = None
    machiaza_id: str | None = None
    blk_id: str | None = None
    rsdt_id: str | None = None
    rsdt2_id: str | None = None
    prefecture: str | None = None
    display: str = ""
    remainder: str = ""
    residential_addressing: bool | None = None
    candidates: tuple[AddressCandidate, ...] = ()
    candidate_count: int = 0

    @property
    def ids(self) -> tuple[str | None, ...]:
        return (self.lg_code, self.machiaza_id, self.blk_id, self.rsdt_id, self.rsdt2_id)


# --- internal walk ----------------------------------------------------------


@dataclass
class _Muni:
    row: AddressMunicipality
    end: int


@dataclass
class _Town:
    """Rows of one 町字 (flag 1 and/or 0) that the text names, and where it ends."""

    muni: AddressMunicipality
    rows: list[AddressTown]
    end: int

    @property
    def key(self) -> tuple[str, str]:
        return self.rows[0].lg_code, self.rows[0].machiaza_id

    def row(self, residential: bool) -> AddressTown | None:
        for row in self.rows:
            if bool(row.rsdt_addr_flg) == residential:
                return row
        return None

    @property
    def best_row(self) -> AddressTown:
        return self.row(True) or self.rows[0]


@dataclass
class _Walk:
    """Where the text has been matched so far."""

    norm: Normalised
    prefecture: str | None = None
    position: int = 0
    candidates: list[AddressCandidate] = field(default_factory=list)
    level: Level = Level.NONE
    partial: bool = False


def _muni_parts(muni: AddressMunicipality) -> tuple[str, str]:
    return muni.pref, f"{muni.county}{muni.city}{muni.ward}"


def _town_candidate(town: _Town, row: AddressTown) -> AddressCandidate:
    return AddressCandidate(
        level=Level.TOWN,
        lg_code=row.lg_code,
        machiaza_id=row.machiaza_id,
        parts=(*_muni_parts(town.muni), row.name),
        residential_addressing=bool(row.rsdt_addr_flg),
        abolished=row.ablt_date is not None,
    )


def _read_prefecture(key: str, position: int) -> tuple[str | None, int]:
    for pref_key, name in _PREFECTURE_KEYS:
        if key.startswith(pref_key, position):
            return name, position + len(pref_key)
    return None, position


def _municipality_forms(row: AddressMunicipality) -> set[str]:
    """The ways a municipality may be written: with or without 郡 and 政令市の区."""
    forms = {row.city_key}
    for county in {row.county_key, ""}:
        for ward in {row.ward_key, ""}:
            forms.add(f"{county}{row.city_key}{ward}")
    return forms


def _find_municipalities(
    key: str, position: int, prefecture: str | None, lg_code: str | None
) -> list[_Muni]:
    if lg_code is not None:
        rows = list(AddressMunicipality.objects.filter(lg_code=lg_code).order_by())
    else:
        limit = min(len(key), position + _MAX_MUNICIPALITY_CHARS)
        prefixes = [
            key[position:j]
            for j in range(position + 1, limit + 1)
            if key[j - 1] in _MUNICIPALITY_ENDINGS
        ]
        if not prefixes:
            return []
        # No ORDER BY on the hot path: ordering is applied to the few results.
        query = AddressMunicipality.objects.filter(
            Q(city_key__in=prefixes) | Q(county_key__in=prefixes)
        ).order_by()
        if prefecture is not None:
            query = query.filter(pref_key=name_key(prefecture))
        rows = list(query)
    hits: list[_Muni] = []
    for row in rows:
        ends = [position + len(f) for f in _municipality_forms(row) if key.startswith(f, position)]
        if ends:
            hits.append(_Muni(row, max(ends)))
        elif lg_code is not None:
            hits.append(_Muni(row, position))  # the caller named the municipality
    if not hits:
        return []
    best = max(h.end for h in hits)
    return [h for h in hits if h.end == best]


def _skip_aza(key: str, position: int) -> list[int]:
    """Start positions for a 大字・町 or 小字 name: ABR names omit 「大字」「字」."""
    starts = [position]
    for prefix in ("大字", "小字", "字"):
        if key.startswith(prefix, position):
            starts.append(position + len(prefix))
            break
    return starts


def _read_chome(key: str, position: int) -> tuple[int, int] | None:
    """丁目 at ``position``: 「1丁目」, 「一丁目」, or 「1-」 / a final 「1」 standing for it."""
    number = read_number(key, position)
    if number is None:
        return None
    value, end = number
    if key.startswith("丁目", end):
        return value, end + 2
    if key.startswith(HYPHEN, end):
        return value, end + 1
    if end == len(key):
        return value, end
    return None


def _match_town_row(key: str, row: AddressTown, start: int) -> tuple[int, bool] | None:
    """Where the text ends after naming ``row``, and whether it named all of it."""
    if not key.startswith(row.oaza_key, start):
        return None
    position = start + len(row.oaza_key)
    complete = True
    if row.chome_number is not None:
        chome = _read_chome(key, position)
        if chome is None:
            complete = False  # the text stops at the 大字・町 (no 丁目)
        elif chome[0] != row.chome_number:
            return None
        else:
            position = chome[1]
    if row.koaza_key and complete:
        for begin in _skip_aza(key, position):
            if key.startswith(row.koaza_key, begin):
                position = begin + len(row.koaza_key)
                break
        else:
            complete = False
    return position, complete


def _find_towns(key: str, munis: Sequence[_Muni]) -> tuple[list[_Town], bool]:
    """Towns the text names after the municipality; bool: the name was complete."""
    by_code = {m.row.lg_code: m for m in munis}
    starts = sorted({s for m in munis for s in _skip_aza(key, m.end)})
    prefixes = {key[s:j] for s in starts for j in range(s, min(len(key), s + _MAX_TOWN_CHARS) + 1)}
    rows = (
        AddressTown.objects.filter(lg_code__in=list(by_code), oaza_key__in=prefixes)
        .order_by()
        .only(*_TOWN_FIELDS)
    )
    complete: dict[tuple[str, str], _Town] = {}
    incomplete: dict[tuple[str, str], _Town] = {}
    for row in rows:
        muni = by_code[row.lg_code]
        for start in _skip_aza(key, muni.end):
            found = _match_town_row(key, row, start)
            if found is None:
                continue
            end, whole = found
            target = complete if whole else incomplete
            town = target.setdefault((row.lg_code, row.machiaza_id), _Town(muni.row, [], end))
            if end > town.end:
                town.rows, town.end = [], end
            if end == town.end and row not in town.rows:
                town.rows.append(row)
            break
    pool, whole = (complete, True) if complete else (incomplete, False)
    if not pool:
        return [], False
    best = max(t.end for t in pool.values())
    return [t for t in pool.values() if t.end == best], whole


def _prefer_current(candidates: list[AddressCandidate]) -> list[AddressCandidate]:
    current = [c for c in candidates if not c.abolished]
    return current or candidates


def _dedupe(candidates: Iterable[AddressCandidate]) -> list[AddressCandidate]:
    """One candidate per identifier tuple, in identifier order (stable output)."""
    seen: dict[tuple[str | None, ...], AddressCandidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.ids, candidate)
    return [seen[ids] for ids in sorted(seen, key=lambda ids: tuple(i or "" for i in ids))]


def _looks_like_number(key: str, position: int) -> bool:
    while key.startswith(HYPHEN, position):
        position += 1
    return read_number(key, position) is not None


def _match_blocks(walk: _Walk, towns: list[_Town]) -> None:
    key = walk.norm.key
    start = walk.position
    position = start
    while key.startswith(HYPHEN, position):
        position += 1
    number = read_number(key, position)
    residential = [t for t in towns if t.row(True) is not None]
    if number is None or not residential:
        _stop_at_towns(walk, towns, partial=False)
        return
    value, end = number
    for marker in ("番地", "番", HYPHEN, "ノ"):
        if key.startswith(marker, end):
            end += len(marker)
            break
    pairs = {t.key: t for t in residential}
    blocks = [
        b
        for b in AddressBlock.objects.filter(
            lg_code__in={k[0] for k in pairs},
            machiaza_id__in={k[1] for k in pairs},
            blk_key=str(value),
        )
        .order_by()
        .only(*_BLOCK_FIELDS)
        if (b.lg_code, b.machiaza_id) in pairs
    ]
    if not blocks:
        # A 地番 part of the same 町字 (rsdt_addr_flg 0) explains a number the
        # block master does not have; otherwise the block is unknown.
        chiban = [t for t in towns if t.row(False) is not None]
        if chiban:
            _stop_at_towns(walk, chiban, partial=False, residential=False)
        else:
            _stop_at_towns(walk, towns, partial=True)
        return
    block_candidates = []
    for block in blocks:
        town = pairs[(block.lg_code, block.machiaza_id)]
        row = town.best_row
        block_candidates.append(
            AddressCandidate(
                level=Level.BLOCK,
                lg_code=block.lg_code,
                machiaza_id=block.machiaza_id,
                blk_id=block.blk_id,
                parts=(*_muni_parts(town.muni), row.name, f"{block.blk_num}番"),
                residential_addressing=True,
                abolished=block.ablt_date is not None or row.ablt_date is not None,
            )
        )
    walk.level = Level.BLOCK
    walk.candidates = _prefer_current(_dedupe(block_candidates))
    walk.position = end
    _match_residences(walk, blocks, towns=pairs)


def _match_residences(
    walk: _Walk, blocks: list[AddressBlock], towns: dict[tuple[str, str], _Town]
) -> None:
    key = walk.norm.key
    number = read_number(key, walk.position)
    if number is None:
        return
    value, end = number
    second: tuple[int, int] | None = None
    if key.startswith(HYPHEN, end):
        second = read_number(key, end + 1)
    wanted = {(c.lg_code, c.machiaza_id, c.blk_id) for c in walk.candidates}
    rows = [
        r
        for r in AddressResidence.objects.filter(
            lg_code__in={w[0] for w in wanted},
            machiaza_id__in={w[1] for w in wanted},
            blk_id__in={w[2] for w in wanted},
            rsdt_key=str(value),
        )
        .order_by()
        .only(*_RESIDENCE_FIELDS)
        if (r.lg_code, r.machiaza_id, r.blk_id) in wanted
    ]
    if not rows:
        walk.partial = True  # the block is known, its residence number is not
        return
    chosen: list[AddressResidence] = []
    if second is not None:
        chosen = [r for r in rows if r.rsdt2_key == str(second[0])]
        if chosen:
            end = second[1]
    if not chosen:
        # 「1-1-1-101」: the last number is a room, not 住居番号2.
        chosen = [r for r in rows if not r.rsdt2_key] or rows
    if key.startswith("号", end):
        end += 1
    candidates = []
    for r in chosen:
        town = towns[(r.lg_code, r.machiaza_id)]
        row = town.best_row
        number_text = f"{r.rsdt_num}-{r.rsdt_num2}" if r.rsdt_num2 else r.rsdt_num
        candidates.append(
            AddressCandidate(
                level=Level.RESIDENCE,
                lg_code=r.lg_code,
                machiaza_id=r.machiaza_id,
                blk_id=r.blk_id,
                rsdt_id=r.rsdt_id,
                rsdt2_id=r.rsdt2_id,
                parts=(*_muni_parts(town.muni), row.name, f"{r.blk_num}番", f"{number_text}号"),
                residential_addressing=True,
                abolished=r.ablt_date is not None or row.ablt_date is not None,
            )
        )
    walk.level = Level.RESIDENCE
    walk.candidates = _prefer_current(_dedupe(candidates))
    walk.position = end


def _stop_at_towns(
    walk: _Walk, towns: list[_Town], *, partial: bool, residential: bool | None = None
) -> None:
    candidates = []
    for town in towns:
        row = town.best_row if residential is None else town.row(residential)
        if row is not None:
            candidates.append(_town_candidate(town, row))
    walk.level = Level.TOWN
    walk.candidates = _prefer_current(_dedupe(candidates))
    walk.partial = partial


def _result(walk: _Walk) -> AddressMatch:
    candidates = walk.candidates
    count = len(candidates)
    level = walk.level
    ids: list[str | None] = [None] * 5
    parts: list[str] = []
    prefecture = walk.prefecture
    if candidates:
        first = candidates[0]
        # Keep the ids and the display parts that all candidates agree on.
        for i in range(5):
            if len({c.ids[i] for c in candidates}) != 1:
                break
            ids[i] = first.ids[i]
        for i, part in enumerate(first.parts):
            if any(len(c.parts) <= i or c.parts[i] != part for c in candidates):
                break
            parts.append(part)
        prefecture = parts[0] if parts else prefecture
    elif prefecture:
        parts = [prefecture]
    flags = {c.residential_addressing for c in candidates}
    residential = flags.pop() if len(flags) == 1 else None
    remainder = walk.norm.rest_of_source(walk.position)
    return AddressMatch(
        query=walk.norm.source,
        level=level,
        ambiguous=count > 1,
        partial=walk.partial and bool(remainder),
        lg_code=ids[0],
        machiaza_id=ids[1],
        blk_id=ids[2],
        rsdt_id=ids[3],
        rsdt2_id=ids[4] or None,
        prefecture=prefecture,
        display="".join(parts),
        remainder=remainder,
        residential_addressing=residential,
        candidates=tuple(candidates[:MAX_CANDIDATES]),
        candidate_count=count,
    )


def match_address(text: str, *, lg_code: str | None = None) -> AddressMatch:
    """Match a free-text address against the Address Base Registry.

    ``lg_code`` restricts the search to one municipality (the text may then
    omit the prefecture and municipality). Raises :class:`Invalid` with code
    ``empty_address``, ``address_too_long`` or ``invalid_lg_code``.
    """
    if not text or not text.strip():
        raise Invalid("The address is empty.", code="empty_address")
    if len(text) > MAX_QUERY_LENGTH:
        raise Invalid(
            f"The address is longer than {MAX_QUERY_LENGTH} characters.", code="address_too_long"
        )
    if lg_code is not None:
        try:
            validate_local_government_code(lg_code)
        except CodeError as exc:
            raise Invalid(str(exc), code="invalid_lg_code") from None
    norm = normalise(text)
    key = norm.key
    walk = _Walk(norm)
    walk.position = strip_postcode(norm)
    walk.prefecture, walk.position = _read_prefecture(key, walk.position)
    if walk.prefecture is not None:
        walk.level = Level.PREFECTURE
        walk.partial = True  # until a municipality is found
    munis = _find_municipalities(key, walk.position, walk.prefecture, lg_code)
    if not munis:
        walk.partial = walk.level == Level.PREFECTURE
        return _result(walk)
    walk.level = Level.CITY
    walk.position = munis[0].end
    walk.candidates = _dedupe(
        AddressCandidate(level=Level.CITY, lg_code=m.row.lg_code, parts=_muni_parts(m.row))
        for m in munis
    )
    walk.partial = True  # until a town is found
    towns, whole = _find_towns(key, munis)
    if not towns:
        return _result(walk)
    walk.position = towns[0].end
    if not whole and len({t.key for t in towns}) > 1:
        # The 大字・町 is named but not which 丁目 / 小字 of it.
        _stop_at_towns(walk, towns, partial=False)
        walk.partial = _looks_like_number(key, walk.position)
        return _result(walk)
    walk.partial = False
    _match_blocks(walk, towns)
    if walk.level == Level.TOWN and walk.partial:
        walk.partial = _looks_like_number(key, walk.position)
    return _result(walk)
