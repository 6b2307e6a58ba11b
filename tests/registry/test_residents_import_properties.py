"""Property tests of the resident importer: random valid histories, random corruptions."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasumi.registry.importers.resident_rows import COLUMNS
from kasumi.registry.importers.residents import import_files
from kasumi.registry.importing import ImportFailed
from kasumi.registry.models import ResidentEvent, ResidentRecord
from tests.registry.test_residents_import import counts, mn, row, write

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
START = date(2015, 1, 1)
STEPS = ["move_within", "household_change", "name_change", "move_out", "death"]


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, str]]:
    """Valid rows for 1–5 people, interleaved at random, each person's in date order.

    Heads live in households of their own; everybody else shares "S1" as a
    child, so a household never has two heads at once.
    """
    people = draw(st.integers(1, 5))
    per_person: list[list[dict[str, str]]] = []
    serial = 0
    for p in range(people):
        day = draw(st.integers(0, 400))
        resident = False
        alive = True
        household = 0
        rows: list[dict[str, str]] = []

        def place(relationship: str, p: int = p) -> dict[str, str]:
            nonlocal household
            household += 1
            if relationship == "head":
                return {"household_number": f"P{p}-{household}", "relationship": "head"}
            return {"household_number": "S1", "relationship": relationship}

        for _ in range(draw(st.integers(1, 7))):
            if not alive:
                break
            serial += 1
            day += draw(st.integers(0, 200))  # same-day events included
            when = (START + timedelta(days=day)).isoformat()
            event_id = f"E{p}-{serial}"
            if not resident:
                kind = "registration" if not rows else "move_in"
                relationship = draw(st.sampled_from(["head", "child"]))
                rows.append(
                    row(
                        event_id,
                        kind,
                        when,
                        p + 1,
                        my_number=mn(p + 1) if not rows else "",
                        birth_date="1990-01-01",
                        **place(relationship),
                    )
                )
                resident = True
                continue
            kind = draw(st.sampled_from(STEPS))
            if kind == "move_within":
                fields = {"machiaza_id": "0001001", "address": f"住所{serial}"}
            elif kind == "household_change":
                fields = place(draw(st.sampled_from(["head", "child"])))
            elif kind == "name_change":
                fields = {"family_name": f"氏{serial}", "family_name_kana": "アタラシイ"}
            else:
                fields = {}
                resident = False
                alive = kind != "death"
            rows.append(row(event_id, kind, when, p + 1, **fields))
        per_person.append(rows)
    # Interleave: any order across people, each person's order kept.
    order = draw(st.permutations([i for i, rows in enumerate(per_person) for _ in rows]))
    cursors = [0] * people
    merged = []
    for person in order:
        merged.append(per_person[person][cursors[person]])
        cursors[person] += 1
    return merged


def _isolated(test):
    """Run one hypothesis example in a savepoint that is rolled back afterwards."""

    def run(*args, **kwargs):
        with transaction.atomic():
            try:
                test(*args, **kwargs)
            finally:
                transaction.set_rollback(True)

    return run


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(rows=histories())
def test_valid_histories_give_ordered_gap_free_periods(chiyoda, tmp_path: Path, rows):
    @_isolated
    def check() -> None:
        result = import_files([write(tmp_path, rows)])
        assert result.rows_written == len(rows) and result.rows_rejected == 0
        codes = {r["resident_code"] for r in rows}
        for code in codes:
            records = list(
                ResidentRecord.objects.filter(person__resident_code=code).order_by(
                    "valid_from", "id"
                )
            )
            events = list(
                ResidentEvent.objects.filter(person__resident_code=code).order_by(
                    "effective_date", "id"
                )
            )
            # At most one open period, and only if the last event did not end residence.
            open_records = [r for r in records if r.valid_to is None]
            assert len(open_records) == (0 if events[-1].kind in ("move_out", "death") else 1)
            for earlier, later in itertools.pairwise(records):
                assert earlier.valid_to is not None
                assert earlier.valid_from <= earlier.valid_to <= later.valid_from  # no overlap
                if earlier.closed_by_id == later.opened_by_id:
                    assert earlier.valid_to == later.valid_from  # no gap while resident
            for record in records:
                if record.valid_to is not None:
                    assert record.closed_by.effective_date == record.valid_to

    check()


CORRUPTIONS = {
    "effective_date": "2023-02-30",
    "lg_code": "131017",
    "event_type": "teleport",
    "sex": "3",
    "relationship": "boss",
    "machiaza_id": "12345",
}


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(rows=histories(), data=st.data())
def test_a_single_corruption_rejects_the_whole_file(chiyoda, tmp_path: Path, rows, data):
    victim = data.draw(st.integers(0, len(rows) - 1))
    how = data.draw(st.sampled_from([*CORRUPTIONS, "resident_code", "columns", "my_number"]))
    bad = [dict(r) for r in rows]
    target = bad[victim]
    if how == "resident_code":
        code = target["resident_code"]
        target["resident_code"] = code[:-1] + str((int(code[-1]) + 1) % 10)
    elif how == "my_number":
        number = mn(99)
        target["my_number"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    elif how != "columns":  # an extra column is added to the written line below
        target[how] = CORRUPTIONS[how]

    @_isolated
    def check() -> None:
        path = write(tmp_path, bad)
        if how == "columns":
            lines = path.read_text("utf-8").splitlines()
            lines[victim + 1] += ",extra"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(ImportFailed) as info:
            import_files([path])
        assert counts() == (0, 0, 0, 0)
        assert any(e.line == victim + 2 for e in info.value.errors), str(info.value)

    check()


def test_columns_match_the_documented_header():
    doc = Path(__file__).parents[2] / "docs" / "registry" / "resident-import-format.md"
    assert ",".join(COLUMNS) in doc.read_text("utf-8")
