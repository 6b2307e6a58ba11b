"""Address Base Registry API: match free-text addresses, list a municipality's towns.

The ABR is open data, so any authenticated organisation may read it (auth is
set on the parent router). The logic lives in :mod:`kasumi.registry.address_matcher`.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from kasumi.core.apierrors import Invalid, NotFound
from kasumi.core.codes import CodeError, validate_local_government_code
from kasumi.registry.address_matcher import AddressCandidate, AddressMatch, match_address
from kasumi.registry.models import AddressMunicipality, AddressTown

router = Router(tags=["registry: addresses"])

MAX_TOWNS_PAGE = 5000


class CandidateOut(Schema):
    level: str
    lg_code: str | None
    machiaza_id: str | None
    blk_id: str | None
    rsdt_id: str | None
    rsdt2_id: str | None
    display: str
    residential_addressing: bool | None


class MatchOut(Schema):
    query: str
    level: str
    ambiguous: bool
    partial: bool
    lg_code: str | None
    machiaza_id: str | None
    blk_id: str | None
    rsdt_id: str | None
    rsdt2_id: str | None
    prefecture: str | None
    display: str
    remainder: str
    residential_addressing: bool | None
    candidates: list[CandidateOut]
    candidate_count: int


class TownOut(Schema):
    machiaza_id: str
    rsdt_addr_flg: int
    name: str
    oaza_cho: str
    oaza_cho_kana: str
    chome: str
    chome_number: int | None
    koaza: str
    post_code: str
    efct_date: dt.date | None
    ablt_date: dt.date | None


class TownsOut(Schema):
    lg_code: str
    municipality: str
    count: int
    limit: int
    offset: int
    towns: list[TownOut]


class TownsQuery(Schema):
    limit: int = 1000
    offset: int = 0
    include_abolished: bool = False


def _candidate_out(candidate: AddressCandidate) -> CandidateOut:
    return CandidateOut(
        level=candidate.level.label,
        lg_code=candidate.lg_code,
        machiaza_id=candidate.machiaza_id,
        blk_id=candidate.blk_id,
        rsdt_id=candidate.rsdt_id,
        rsdt2_id=candidate.rsdt2_id or None,
        display=candidate.display,
        residential_addressing=candidate.residential_addressing,
    )


def _match_out(match: AddressMatch) -> MatchOut:
    return MatchOut(
        query=match.query,
        level=match.level.label,
        ambiguous=match.ambiguous,
        partial=match.partial,
        lg_code=match.lg_code,
        machiaza_id=match.machiaza_id,
        blk_id=match.blk_id,
        rsdt_id=match.rsdt_id,
        rsdt2_id=match.rsdt2_id,
        prefecture=match.prefecture,
        display=match.display,
        remainder=match.remainder,
        residential_addressing=match.residential_addressing,
        candidates=[_candidate_out(c) for c in match.candidates],
        candidate_count=match.candidate_count,
    )


@router.get("/match", response=MatchOut, summary="Match a free-text address to ABR identifiers")
def match(request: HttpRequest, q: str = "", lg_code: str | None = None) -> MatchOut:
    """Levels: none, prefecture, city, town, block, residence (see docs/registry/addresses.md)."""
    return _match_out(match_address(q, lg_code=lg_code or None))


@router.get(
    "/towns/{lg_code}", response=TownsOut, summary="List the towns (町字) of a municipality"
)
def towns(request: HttpRequest, lg_code: str, params: Query[TownsQuery]) -> TownsOut:
    try:
        validate_local_government_code(lg_code)
    except CodeError as exc:
        raise Invalid(str(exc), code="invalid_lg_code") from None
    if not 1 <= params.limit <= MAX_TOWNS_PAGE or params.offset < 0:
        raise Invalid(
            f"limit must be 1–{MAX_TOWNS_PAGE} and offset at least 0.", code="invalid_paging"
        )
    municipality = AddressMunicipality.objects.filter(lg_code=lg_code).first()
    if municipality is None:
        raise NotFound(
            f"No towns are registered for local government code {lg_code}.",
            code="unknown_municipality",
        )
    rows = AddressTown.objects.filter(lg_code=lg_code)
    if not params.include_abolished:
        rows = rows.filter(ablt_date__isnull=True)
    rows = rows.order_by("machiaza_id", "-rsdt_addr_flg")
    page = rows[params.offset : params.offset + params.limit]
    return TownsOut(
        lg_code=lg_code,
        municipality=municipality.display_name,
        count=rows.count(),
        limit=params.limit,
        offset=params.offset,
        towns=[
            TownOut(
                machiaza_id=t.machiaza_id,
                rsdt_addr_flg=t.rsdt_addr_flg,
                name=t.name,
                oaza_cho=t.oaza_cho,
                oaza_cho_kana=t.oaza_cho_kana,
                chome=t.chome,
                chome_number=t.chome_number,
                koaza=t.koaza,
                post_code=t.post_code,
                efct_date=t.efct_date,
                ablt_date=t.ablt_date,
            )
            for t in page
        ],
    )
