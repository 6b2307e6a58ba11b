"""Corporate registry API (法人番号), mounted at ``/api/registry/corporations``.

The register is public by law, so any authenticated organisation may read it
(authentication is set on the parent router). Writes come only from imports.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kasumi.registry import corporations as service
from kasumi.registry.models import (
    CloseCause,
    Corporation,
    CorporationKind,
    CorporationProcess,
    CorporationRecord,
)

router = Router(tags=["registry: corporations"])


class ErrorOut(Schema):
    code: str
    message: str


class CorporationFieldsOut(Schema):
    """What a current state and a history record have in common."""

    corporate_number: str
    process: str
    process_label: str
    update_date: date
    change_date: date
    name: str
    furigana: str
    en_name: str
    kind: str
    kind_label: str
    prefecture_name: str
    city_name: str
    street_number: str
    prefecture_code: str
    city_code: str
    lg_code: str
    post_code: str
    address_outside: str
    close_date: date | None
    close_cause: str
    close_cause_label: str
    successor_corporate_number: str
    change_cause: str
    assignment_date: date
    en_prefecture_name: str
    en_city_name: str
    en_address_outside: str
    hihyoji: bool

    @staticmethod
    def resolve_process_label(obj: Corporation | CorporationRecord) -> str:
        return str(CorporationProcess(obj.process).label)

    @staticmethod
    def resolve_kind_label(obj: Corporation | CorporationRecord) -> str:
        return str(CorporationKind(obj.kind).label)

    @staticmethod
    def resolve_close_cause_label(obj: Corporation | CorporationRecord) -> str:
        return str(CloseCause(obj.close_cause).label) if obj.close_cause else ""


class CorporationOut(CorporationFieldsOut):
    """A corporation as it is now."""

    closed: bool
    deleted: bool


class CorporationRecordOut(CorporationFieldsOut):
    """One row of the NTA files as imported, oldest first."""

    correct: bool
    latest: bool
    recorded_at: datetime


class SearchOut(Schema):
    count: int
    results: list[CorporationOut]


class SearchParams(Schema):
    """Query parameters of the search; all optional, combined with AND."""

    name: str | None = Field(
        None, description="Name in kanji, kana or half-width kana (matched on keys)."
    )
    prefecture: str | None = Field(None, description="Prefecture code 01–47.")
    kind: str | None = Field(None, description="法人種別 code, e.g. 301 (株式会社).")
    include_closed: bool = Field(True, description="Include closed corporations.")
    match: Literal["contains", "prefix"] = Field(
        "contains", description="Match the name anywhere, or only at the start (faster)."
    )
    limit: int = Field(50, ge=1, le=service.MAX_LIMIT)
    offset: int = Field(0, ge=0)


@router.get(
    "",
    response={200: SearchOut, 422: ErrorOut},
    summary="Search corporations by name, prefecture and kind",
)
def search_corporations(request: HttpRequest, params: Query[SearchParams]) -> service.SearchPage:
    return service.search(
        name=params.name,
        prefecture_code=params.prefecture,
        kind=params.kind,
        include_closed=params.include_closed,
        limit=params.limit,
        offset=params.offset,
        match=params.match,
    )


@router.get(
    "/{number}",
    response={200: CorporationOut, 404: ErrorOut, 422: ErrorOut},
    summary="The current state of one corporation",
)
def get_corporation(request: HttpRequest, number: str) -> Corporation:
    return service.lookup(number)


@router.get(
    "/{number}/history",
    response={200: list[CorporationRecordOut], 404: ErrorOut, 422: ErrorOut},
    summary="Every imported NTA row for one corporation, oldest first",
)
def get_corporation_history(request: HttpRequest, number: str) -> list[CorporationRecord]:
    return service.history(number)
