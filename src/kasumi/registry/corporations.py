"""Look up and search the corporate registry (法人番号). No HTTP here.

Name search compares matching keys, never stored text: the query goes through
:func:`~kasumi.core.textkeys.name_key` and is compared with the key of the
corporation's name, and through :func:`~kasumi.core.textkeys.kana_key` for
its furigana (フリガナ). So 「霞商事」, 「カスミショウジ」, 「かすみしょうじ」 and
「ｶｽﾐｼｮｳｼﾞ」 all find 株式会社霞商事 (furigana カスミショウジ).

Corporations the NTA excludes from search (``hihyoji``) and deleted numbers
(process 99) never appear in search results; :func:`lookup` by number still
returns them, flagged.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from django.db.models import Q, QuerySet

from kasumi.core.apierrors import Invalid, NotFound
from kasumi.core.codes import CodeError, validate_corporate_number
from kasumi.core.textkeys import kana_key, name_key
from kasumi.registry.models import Corporation, CorporationKind, CorporationRecord

MAX_LIMIT = 200
Match = Literal["contains", "prefix"]


@dataclass(frozen=True)
class SearchPage:
    """One page of search results and how many there are in all."""

    count: int
    results: list[Corporation]


def normalise_number(number: str) -> str:
    """A corporate number as 13 ASCII digits, or :class:`Invalid` saying why.

    Full-width digits and surrounding spaces are accepted (people paste them).
    """
    text = unicodedata.normalize("NFKC", number).strip()
    try:
        return validate_corporate_number(text)
    except CodeError as exc:
        raise Invalid(str(exc), code="invalid_corporate_number") from None


def lookup(number: str) -> Corporation:
    """The current state of the corporation with this number."""
    number = normalise_number(number)
    corporation = Corporation.objects.filter(corporate_number=number).first()
    if corporation is None:
        raise NotFound(f"no corporation has the number {number}", code="corporation_not_found")
    return corporation


def history(number: str) -> list[CorporationRecord]:
    """Every recorded row for this number, oldest first (the order they apply in)."""
    number = normalise_number(number)
    records = list(
        CorporationRecord.objects.filter(corporate_number=number).order_by(
            "update_date", "latest", "id"
        )
    )
    if not records:
        raise NotFound(f"no corporation has the number {number}", code="corporation_not_found")
    return records


def _check_prefecture(code: str) -> str:
    code = code.strip()
    if len(code) == 1 and code.isdigit():
        code = "0" + code
    if not (len(code) == 2 and code.isascii() and code.isdigit() and 1 <= int(code) <= 47):
        raise Invalid(f"prefecture must be a code 01–47, got {code!r}", code="invalid_prefecture")
    return code


def search_queryset(
    name: str | None = None,
    prefecture_code: str | None = None,
    kind: str | None = None,
    include_closed: bool = True,
    match: Match = "contains",
) -> QuerySet[Corporation]:
    """The matching corporations in a stable order for paging.

    By furigana then number when searching by name (few matches to sort); by
    number otherwise, which the unique index yields without sorting a whole
    prefecture.
    """
    qs = Corporation.objects.filter(deleted=False, hihyoji=False)
    order = ["corporate_number"]
    if name is not None and name.strip():
        order = ["furigana_key", "corporate_number"]
        by_name, by_kana = name_key(name), kana_key(name)
        if not by_name:
            raise Invalid("name has nothing to search for", code="invalid_name")
        if match == "prefix":
            qs = qs.filter(Q(name_key__startswith=by_name) | Q(furigana_key__startswith=by_kana))
        elif match == "contains":
            qs = qs.filter(Q(name_key__contains=by_name) | Q(furigana_key__contains=by_kana))
        else:
            raise Invalid("match must be 'contains' or 'prefix'", code="invalid_match")
    if prefecture_code:
        qs = qs.filter(prefecture_code=_check_prefecture(prefecture_code))
    if kind:
        if kind not in CorporationKind.values:
            raise Invalid(
                f"kind must be one of {', '.join(CorporationKind.values)}", code="invalid_kind"
            )
        qs = qs.filter(kind=kind)
    if not include_closed:
        qs = qs.filter(close_date__isnull=True)
    return qs.order_by(*order)


def search(
    name: str | None = None,
    prefecture_code: str | None = None,
    kind: str | None = None,
    include_closed: bool = True,
    limit: int = 50,
    offset: int = 0,
    match: Match = "contains",
) -> SearchPage:
    """Search by name (kanji, kana or half-width kana), prefecture and kind.

    ``match="contains"`` (the default) finds the name anywhere, so 霞商事 finds
    株式会社霞商事; ``"prefix"`` is faster on large registries (index range scan).
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be 1–{MAX_LIMIT}", code="invalid_limit")
    if offset < 0:
        raise Invalid("offset must not be negative", code="invalid_offset")
    qs = search_queryset(name, prefecture_code, kind, include_closed, match)
    return SearchPage(count=qs.count(), results=list(qs[offset : offset + limit]))
