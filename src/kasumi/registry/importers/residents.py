"""Resident registry importer (住民基本台帳 CSV → persons, households, events, periods).

The format is ``docs/registry/resident-import-format.md``. Each row is one
event in one person's registration; applying it closes the person's open
:class:`~kasumi.registry.models.ResidentRecord` and, unless the event ends
residence (転出, 死亡), opens the next one (``valid_to`` exclusive, so several
events on one day are fine).

How it stays fast and small on files of millions of rows:

- The file is streamed and handled in chunks of :data:`CHUNK_ROWS` rows. Per
  chunk a handful of indexed queries fetch what the database already knows
  about the chunk's persons (and, in the same query, who holds its 個人番号
  digests), households and event ids, the history checks run in Python on
  small per-person states, and the chunk is written through the database's
  own bulk path: ``executemany`` on SQLite, ``COPY`` on PostgreSQL. No ORM
  objects are built per row; memory does not grow with the file.
- The write of chunk N starts only after the lookups of chunk N+1, which take
  what chunk N changed from its in-memory state and the rest from the
  database. On PostgreSQL the write then runs in a thread (``COPY`` mostly
  waits for the server) while chunk N+1 is checked and applied and chunk N+2
  parsed. On SQLite it runs inline: its B-tree work needs the GIL back after
  every row, and a writer thread measured no faster.
- The cyclic garbage collector is paused during a file: the importer makes no
  reference cycles, and its scans of the chunk's live objects cost about as
  much as the checks themselves.
- Primary keys are allocated here (SQLite: after ``MAX(id)`` inside the write
  transaction, which holds the database's write lock; PostgreSQL: blocks of
  ``nextval`` from the table's sequence), so events and periods reference
  persons and households without a round trip per row.
- A check spanning rows — two heads of one household at the same time — runs
  once per file as an indexed SQL query over the periods the file wrote, when
  the whole file's history is known (rows of different people may come in any
  order, so it cannot be decided row by row).

A file imports completely or not at all (one ``transaction.atomic()`` per
file); with ``skip_invalid`` the valid rows import and the rest go to a
rejects file.
"""

from __future__ import annotations

import csv
import gc
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Model
from django.utils import timezone

from kasumi.core import fieldcrypto
from kasumi.core.events import Event, has_subscribers, publish_many
from kasumi.core.models import Organisation
from kasumi.registry import events as registry_events
from kasumi.registry.importers.resident_rows import (
    C_RESIDENT_CODE,
    N_COLUMNS,
    ParsedRow,
    RowParser,
    read_records,
)
from kasumi.registry.importing import (
    MAX_REPORTED_ERRORS,
    ImportFailed,
    ImportResult,
    NoProgress,
    Progress,
    RejectsWriter,
    RowError,
    default_rejects_path,
    finish_batch,
    start_batch,
)
from kasumi.registry.models import (
    Household,
    ImportBatch,
    Person,
    Relationship,
    ResidentEvent,
    ResidentRecord,
)
from kasumi.registry.models.residents import MY_NUMBER_CONTEXT

__all__ = ["CHUNK_ROWS", "import_files"]

CHUNK_ROWS = 10_000
HEAD = Relationship.HEAD.value
Kind = ResidentEvent.Kind
# Plain strings: compared several times per row (an enum attribute costs more).
BIRTH = Kind.BIRTH.value
MOVE_IN = Kind.MOVE_IN.value
MOVE_WITHIN = Kind.MOVE_WITHIN.value
HOUSEHOLD_CHANGE = Kind.HOUSEHOLD_CHANGE.value
NAME_CHANGE = Kind.NAME_CHANGE.value
DEATH = Kind.DEATH.value
_OPENING = frozenset({Kind.REGISTRATION.value, BIRTH, MOVE_IN})
_ENDING = frozenset({Kind.MOVE_OUT.value, DEATH})


def import_files(
    paths: list[Path],
    *,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import resident files in order; each file completely or not at all.

    Without ``skip_invalid`` the first file with an error raises
    :class:`~kasumi.registry.importing.ImportFailed` listing its errors (files
    before it stay imported). With it, rejected rows go to ``rejects_path``
    (default ``FILE.rejects.csv``; with several files, one rejects file per
    input named ``FILE.<rejects name>``).
    """
    progress = progress or NoProgress()
    total = ImportResult()
    for path in paths:
        if rejects_path is None:
            rejects = default_rejects_path(path)
        elif len(paths) == 1:
            rejects = rejects_path
        else:
            rejects = rejects_path.with_name(f"{path.name}.{rejects_path.name}")
        # The batch row is written outside the data transaction so that a
        # failed import still leaves its record (status "failed", the reason).
        batch = start_batch(ImportBatch.Kind.RESIDENTS, [path])
        importer = _FileImport(path, batch, skip_invalid=skip_invalid, rejects_path=rejects)
        try:
            result = importer.run(progress)
        except ImportFailed as exc:
            finish_batch(batch, importer.result, failed=str(exc))
            raise
        except BaseException as exc:
            finish_batch(batch, importer.result, failed=f"{type(exc).__name__}: {exc}")
            raise
        if importer.organisation_id is not None:
            batch.organisation_id = importer.organisation_id
        finish_batch(batch, result)
        total.batch_id = batch.pk
        total.rows_read += result.rows_read
        total.rows_written += result.rows_written
        total.rows_unchanged += result.rows_unchanged
        total.rows_rejected += result.rows_rejected
        total.rejects_paths.extend(result.rejects_paths)
    return total


# --- per-person state while a chunk is applied --------------------------------------


class _Record:
    """An open (or, within a chunk, freshly closed) period of one person."""

    __slots__ = (
        "address",
        "blk_id",
        "closed_by",
        "family_name",
        "family_name_kana",
        "given_name",
        "given_name_kana",
        "household_id",
        "household_number",
        "id",
        "lg_code",
        "machiaza_id",
        "municipality_id",
        "new",
        "opened_by",
        "person_id",
        "relationship",
        "rsdt2_id",
        "rsdt_id",
        "valid_from",
        "valid_to",
    )

    id: int
    new: bool
    person_id: int
    municipality_id: int
    household_id: int
    household_number: str
    relationship: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    lg_code: str
    machiaza_id: str
    blk_id: str
    rsdt_id: str
    rsdt2_id: str
    address: str
    valid_from: str
    valid_to: str | None
    opened_by: int
    closed_by: int | None

    def as_row(self) -> tuple[Any, ...]:
        return (
            self.id,
            self.person_id,
            self.municipality_id,
            self.household_id,
            self.relationship,
            self.family_name,
            self.given_name,
            self.family_name_kana,
            self.given_name_kana,
            self.lg_code,
            self.machiaza_id,
            self.blk_id,
            self.rsdt_id,
            self.rsdt2_id,
            self.address,
            self.valid_from,
            self.valid_to,
            self.opened_by,
            self.closed_by,
        )


class _Person:
    """What the history checks need to know about one person."""

    __slots__ = (
        "birth_date",
        "code",
        "death_date",
        "digest",
        "dirty",
        "family_name",
        "family_name_kana",
        "given_name",
        "given_name_kana",
        "id",
        "last_date",
        "my_number",
        "new",
        "open",
        "sex",
    )

    def __init__(self, code: str) -> None:
        self.code = code
        self.new = False
        self.dirty = False
        self.death_date: str | None = None
        self.digest = ""
        self.my_number = ""
        self.last_date = ""
        self.open: _Record | None = None
        self.id = 0
        self.birth_date = ""
        self.sex = 0
        self.family_name = ""
        self.given_name = ""
        self.family_name_kana = ""
        self.given_name_kana = ""


def _my_number_sealer() -> Callable[[str], bytes]:
    """``fieldcrypto.seal(value, MY_NUMBER_CONTEXT)`` with the cipher set up once per file."""
    return fieldcrypto.sealer(MY_NUMBER_CONTEXT)


def _iso(value: Any) -> str:
    """Dates come back as ``date`` (converters) or ``str`` (aggregates)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else value.isoformat()


def _columns(model: type[Model], names: Sequence[str]) -> str:
    """Column names of ``names`` (``person`` → ``person_id``) as the table has them."""
    columns = []
    for name in names:
        column = getattr(model._meta.get_field(name), "column", None)
        assert isinstance(column, str)
        columns.append(column)
    return ", ".join(columns)


PERSON_FIELDS = (
    "id",
    "resident_code",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "name_key",
    "kana_key",
    "birth_date",
    "sex",
    "death_date",
    "my_number_sealed",
    "my_number_digest",
    "created_at",
    "updated_at",
)
HOUSEHOLD_FIELDS = ("id", "municipality", "number", "created_at")
EVENT_FIELDS = (
    "id",
    "person",
    "municipality",
    "kind",
    "effective_date",
    "source_id",
    "fingerprint",
    "note",
    "batch",
    "recorded_at",
)
RECORD_FIELDS = (
    "id",
    "person",
    "municipality",
    "household",
    "relationship",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "lg_code",
    "machiaza_id",
    "blk_id",
    "rsdt_id",
    "rsdt2_id",
    "address",
    "valid_from",
    "valid_to",
    "opened_by",
    "closed_by",
)

T_PERSON = Person._meta.db_table
T_HOUSEHOLD = Household._meta.db_table
T_EVENT = ResidentEvent._meta.db_table
T_RECORD = ResidentRecord._meta.db_table


# --- the database side: lookups, key allocation, bulk writes -----------------------------


class _Database:
    """Raw SQL through Django's connection: indexed lookups and the bulk path."""

    def __init__(self) -> None:
        # The real wrapper, not the thread-local proxy: the writer thread
        # (PostgreSQL) uses it too.
        self.wrapper = connections[DEFAULT_DB_ALIAS]
        self.postgres = self.wrapper.vendor == "postgresql"
        self._next: dict[str, int] = {}
        self._pool: dict[str, list[int]] = {}

    # Lookups take a few thousand keys at once; SQLite gets an IN list (its
    # limit of 32766 parameters is far above a chunk), PostgreSQL an array.
    def _in(self, keys: list[Any]) -> tuple[str, list[Any]]:
        if self.postgres:
            return "= ANY(%s)", [keys]
        return "IN (" + ",".join(["%s"] * len(keys)) + ")", keys

    def query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

    def persons(self, codes: list[str], digests: list[str]) -> list[tuple[Any, ...]]:
        """Persons by resident code and, in the same query, holders of 個人番号 digests."""
        conditions, params = [], []
        for column, keys in (("resident_code", codes), ("my_number_digest", digests)):
            if keys:
                cond, key_params = self._in(keys)
                conditions.append(f"{column} {cond}")
                params += key_params
        if not conditions:
            return []
        return self.query(
            f"SELECT id, resident_code, family_name, given_name, family_name_kana, "  # noqa: S608
            f"given_name_kana, birth_date, sex, death_date, my_number_digest "
            f"FROM {T_PERSON} WHERE {' OR '.join(conditions)}",
            params,
        )

    def open_records(self, person_ids: list[int]) -> list[tuple[Any, ...]]:
        cond, params = self._in(person_ids)
        return self.query(
            f"SELECT r.id, r.person_id, r.municipality_id, r.household_id, h.number, "  # noqa: S608
            f"r.relationship, r.family_name, r.given_name, r.family_name_kana, "
            f"r.given_name_kana, r.lg_code, r.machiaza_id, r.blk_id, r.rsdt_id, r.rsdt2_id, "
            f"r.address, r.valid_from, r.opened_by_id "
            f"FROM {T_RECORD} r JOIN {T_HOUSEHOLD} h ON h.id = r.household_id "
            f"WHERE r.valid_to IS NULL AND r.person_id {cond}",
            params,
        )

    def last_dates(self, person_ids: list[int]) -> list[tuple[Any, ...]]:
        cond, params = self._in(person_ids)
        return self.query(
            f"SELECT person_id, MAX(effective_date) FROM {T_EVENT} "  # noqa: S608
            f"WHERE person_id {cond} GROUP BY person_id",
            params,
        )

    def events(self, municipality_id: int, source_ids: list[str]) -> list[tuple[Any, ...]]:
        cond, params = self._in(source_ids)
        return self.query(
            f"SELECT source_id, fingerprint FROM {T_EVENT} "  # noqa: S608
            f"WHERE municipality_id = %s AND source_id {cond}",
            [municipality_id, *params],
        )

    def households(self, municipality_id: int, numbers: list[str]) -> list[tuple[Any, ...]]:
        cond, params = self._in(numbers)
        return self.query(
            f"SELECT number, id FROM {T_HOUSEHOLD} WHERE municipality_id = %s AND number {cond}",  # noqa: S608
            [municipality_id, *params],
        )

    # -- primary keys ----------------------------------------------------------------

    def reserve(self, n: int) -> None:
        """Make sure :meth:`next_id` can hand out ``n`` keys per table without a query.

        Called in the lookup phase of a chunk, when the connection is free: the
        chunk is then applied while the previous chunk's write may be using
        the connection in the writer thread (PostgreSQL).
        """
        for table in (T_PERSON, T_HOUSEHOLD, T_EVENT, T_RECORD):
            if self.postgres:
                pool = self._pool.setdefault(table, [])
                if len(pool) < n:
                    # Reserve a block from the table's own sequence: concurrent
                    # writers (the ORM, other imports) draw from it too, so the
                    # keys never collide; unused ones are just a gap.
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                            "FROM generate_series(1, %s)",
                            [table, CHUNK_ROWS + n],
                        )
                        fresh = [r[0] for r in cursor.fetchall()]
                    fresh.reverse()
                    pool[:0] = fresh  # popped from the end: the older keys go first
            elif table not in self._next:
                # Inside the write transaction (BEGIN IMMEDIATE) nobody else can
                # insert, so everything above the current maximum is ours. The
                # AUTOINCREMENT counter is honoured too: ids are never reused.
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
                    top = cursor.fetchone()[0]
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                    seq = cursor.fetchone()
                self._next[table] = max(top, seq[0] if seq else 0) + 1

    def next_id(self, table: str) -> int:
        """A fresh primary key for ``table`` (after :meth:`reserve`; no round trip)."""
        if self.postgres:
            return self._pool[table].pop()
        nxt = self._next[table]
        self._next[table] = nxt + 1
        return nxt

    # -- bulk writes -------------------------------------------------------------------

    def _raw_cursor(self) -> Any:
        """A DB-API cursor of Django's connection (no per-row wrapper work; any thread)."""
        self.wrapper.ensure_connection()
        return self.wrapper.connection.cursor()

    def insert(
        self, model: type[Model], table: str, fields: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        columns = _columns(model, fields)
        cursor = self._raw_cursor()
        try:
            if self.postgres:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    write = copy.write_row
                    for row in rows:
                        write(row)
            else:
                marks = ", ".join(["?"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
        finally:
            cursor.close()

    def update_persons(self, rows: list[tuple[Any, ...]]) -> None:
        """Current names and death date of persons written before this chunk."""
        self._update(
            T_PERSON,
            ("family_name", "given_name", "family_name_kana", "given_name_kana", "name_key",
             "kana_key", "death_date", "updated_at"),
            ("text", "text", "text", "text", "text", "text", "date", "timestamptz"),
            rows,
        )  # fmt: skip

    def set_my_numbers(self, rows: list[tuple[Any, ...]]) -> None:
        """Store a 個人番号 (sealed, and its digest) for persons written before."""
        self._update(T_PERSON, ("my_number_sealed", "my_number_digest"), ("bytea", "text"), rows)

    def close_records(self, rows: list[tuple[str, int, int]]) -> None:
        """Set ``valid_to``/``closed_by`` on periods written before this chunk."""
        self._update(T_RECORD, ("valid_to", "closed_by_id"), ("date", "bigint"), rows)

    def _update(
        self, table: str, columns: Sequence[str], types: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """``UPDATE table SET columns WHERE id`` for many rows (the id comes last)."""
        if not rows:
            return
        cursor = self._raw_cursor()
        try:
            if self.postgres:
                # One statement joining arrays beats one round trip per row.
                selects = ", ".join(
                    f"unnest(%s::{t}[]) AS {c}"
                    for c, t in zip([*columns, "id"], [*types, "bigint"], strict=True)
                )
                assignments = ", ".join(f"{c} = v.{c}" for c in columns)
                cursor.execute(
                    f"UPDATE {table} t SET {assignments} FROM (SELECT {selects}) v "  # noqa: S608
                    f"WHERE t.id = v.id",
                    [list(c) for c in zip(*rows, strict=True)],
                )
            else:
                assignments = ", ".join(f"{c} = ?" for c in columns)
                cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = ?", rows)  # noqa: S608
        finally:
            cursor.close()

    def head_conflicts(self, batch_id: int, lo: int, hi: int) -> list[tuple[Any, ...]]:
        """Pairs (new head period, other head period) of one household that overlap.

        Only periods this file opened (ids ``lo``..``hi``, events of this batch)
        are starting points; older periods can only have been shortened by it.
        Zero-length periods (two events on one day) overlap nothing.
        """
        return self.query(
            f"SELECT a.id, b.id FROM {T_RECORD} a "  # noqa: S608
            f"JOIN {T_EVENT} ea ON ea.id = a.opened_by_id "
            f"JOIN {T_RECORD} b ON b.household_id = a.household_id AND b.id <> a.id "
            f"WHERE a.id BETWEEN %s AND %s AND ea.batch_id = %s "
            f"AND a.relationship = %s AND b.relationship = %s "
            f"AND (a.valid_to IS NULL OR a.valid_to > a.valid_from) "
            f"AND (b.valid_to IS NULL OR b.valid_to > b.valid_from) "
            f"AND (b.valid_to IS NULL OR b.valid_to > a.valid_from) "
            f"AND (a.valid_to IS NULL OR a.valid_to > b.valid_from)",
            [lo, hi, batch_id, HEAD, HEAD],
        )

    def record_details(self, ids: list[int]) -> list[tuple[Any, ...]]:
        cond, params = self._in(ids)
        return self.query(
            f"SELECT r.id, r.valid_from, r.valid_to, p.resident_code, h.number, r.lg_code, "  # noqa: S608
            f"e.source_id, e.batch_id FROM {T_RECORD} r "
            f"JOIN {T_PERSON} p ON p.id = r.person_id "
            f"JOIN {T_HOUSEHOLD} h ON h.id = r.household_id "
            f"JOIN {T_EVENT} e ON e.id = r.opened_by_id WHERE r.id {cond}",
            params,
        )


# --- one file ---------------------------------------------------------------------------


SQLITE_CACHE_KIB = int(os.environ.get("KASUMI_IMPORT_SQLITE_CACHE_KIB", 131072))


@contextmanager
def _sqlite_cache() -> Iterator[None]:
    """A larger SQLite page cache while importing, the previous size afterwards.

    A chunk writes to four tables and their eleven indexes in turn; with
    SQLite's default cache of 2 MB the index pages are evicted between one
    table and the next and written to the WAL again and again. 128 MB keeps
    the working set of a few million rows in memory (and within the memory
    budget of the import); the pages are freed when the size is restored.
    """
    wrapper = connections[DEFAULT_DB_ALIAS]
    if wrapper.vendor != "sqlite" or SQLITE_CACHE_KIB <= 0:
        yield
        return
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB:d}")
    try:
        yield
    finally:
        with wrapper.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous):d}")


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is imported.

    A chunk allocates hundreds of thousands of small objects (cells, rows,
    per-person states) that all stay alive until the chunk is written, so
    the collector's generation scans find nothing to free, yet cost about
    13 µs per row (measured). The importer makes no reference cycles; plain
    reference counting frees everything, and memory stays bounded per chunk.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Writer:
    """Runs a chunk's bulk writes on PostgreSQL in a thread while the next chunk is parsed.

    ``COPY`` mostly waits for the server (another process), with the GIL
    released, so the server's work overlaps the parsing here. On SQLite the
    writes run inline: its B-tree work binds every row under the GIL, and a
    second thread only adds GIL hand-offs (measured: no gain). Only one thread
    uses the connection at a time: :meth:`wait` comes before every lookup.
    """

    def __init__(self, threaded: bool) -> None:
        self.threaded = threaded
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def submit(self, work: Callable[[], None]) -> None:
        self.wait()
        if not self.threaded:
            work()
            return
        self._thread = threading.Thread(target=self._run, args=(work,), name="resident-writer")
        self._thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:  # handed to the main thread by wait()
            self._error = exc

    def wait(self, *, raise_error: bool = True) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        error, self._error = self._error, None
        if error is not None and raise_error:
            raise error


class _Retry(Exception):
    """Roll back and read the file again, leaving out rows found bad at its end."""


class _Rollback(Exception):
    """Roll back the file: it had errors and ``skip_invalid`` is off."""


@dataclass
class _Published:
    type: str
    person_id: int
    resident_code: str
    lg_code: str
    effective_date: str


class _FileImport:
    """Imports one file in one transaction (retried in skip mode, see :meth:`run`)."""

    def __init__(
        self, path: Path, batch: ImportBatch, *, skip_invalid: bool, rejects_path: Path
    ) -> None:
        self.path = path
        self.file = path.name
        self.batch = batch
        self.skip_invalid = skip_invalid
        self.rejects_path = rejects_path
        self.result = ImportResult(batch_id=batch.pk)
        self.organisation_id: int | None = None
        # Rows found bad only once the whole file was read (two heads at once):
        # line → error. In skip mode the file is read again without them.
        self.excluded: dict[int, RowError] = {}

    def run(self, progress: Progress) -> ImportResult:
        orgs = list(Organisation.objects.values_list("code", "kind", "id"))
        municipalities = {c: i for c, k, i in orgs if k == Organisation.Kind.MUNICIPALITY}
        others = {c for c, k, _ in orgs if k != Organisation.Kind.MUNICIPALITY}
        with _sqlite_cache(), _no_cyclic_gc():
            return self._run(progress, municipalities, others)

    def _run(
        self, progress: Progress, municipalities: dict[str, int], others: set[str]
    ) -> ImportResult:
        while True:
            attempt = _Pass(self, municipalities, others)
            try:
                with transaction.atomic():
                    attempt.run(progress)
                    if attempt.errors_total:
                        raise _Rollback
            except _Retry:
                continue
            except _Rollback:
                self.result = attempt.result
                errors = sorted(attempt.errors, key=lambda e: e.line)
                raise ImportFailed(errors, attempt.errors_total) from None
            finally:
                attempt.close()
            self.result = attempt.result
            if len(attempt.municipality_ids) == 1:
                self.organisation_id = next(iter(attempt.municipality_ids))
            return attempt.result


class _Pass:
    """One reading of the file inside the file's transaction."""

    def __init__(
        self, owner: _FileImport, municipalities: dict[str, int], others: set[str]
    ) -> None:
        self.owner = owner
        self.file = owner.file
        self.skip = owner.skip_invalid
        self.db = _Database()
        self.writer = _Writer(threaded=self.db.postgres)
        self.parser = RowParser(owner.file, municipalities, others)
        self.lg_codes = {i: c for c, i in municipalities.items()}
        self.result = ImportResult(batch_id=owner.batch.pk)
        self.errors: list[RowError] = []
        self.errors_total = 0
        self.rejects = RejectsWriter(owner.rejects_path) if self.skip else None
        self.pending_rejects: list[tuple[RowError, list[str] | None]] = []
        # resident_code → the first line of that person rejected in this file:
        # the person's later rows cannot be checked against a history that
        # lacks the rejected event, so they are rejected too.
        self.rejected_people: dict[str, int] = {}
        self.municipality_ids: set[int] = set()
        self.first_record_id: int | None = None
        self.last_record_id = 0
        # The previous chunk's state (persons, events, households, 個人番号
        # owners) and its write, not yet started: see _apply_chunk.
        self.carry: tuple[
            dict[str, _Person],
            dict[tuple[int, str], str],
            dict[tuple[int, str], int],
            dict[str, str],
        ] = ({}, {}, {}, {})
        self.pending: tuple[Callable[[], None], list[_Published]] | None = None
        self.seal = _my_number_sealer()
        self.batch_id = owner.batch.pk
        now = timezone.now()
        self.now: Any = now if self.db.postgres else connection.ops.adapt_datetimefield_value(now)
        self.subscribed = {
            t
            for t in (
                registry_events.RESIDENT_REGISTERED,
                registry_events.RESIDENT_ADDRESS_CHANGED,
                registry_events.RESIDENT_MOVED_OUT,
                registry_events.RESIDENT_NAME_CHANGED,
                registry_events.RESIDENT_HOUSEHOLD_CHANGED,
                registry_events.RESIDENT_DIED,
            )
            if has_subscribers(t)
        }

    def close(self) -> None:
        if self.rejects is not None:
            self.rejects.close()

    # -- errors and rejects ------------------------------------------------------------

    def reject(
        self, errors: list[RowError], cells: list[str] | None, *, primary: bool = True
    ) -> None:
        """Record a rejected row: in the error list, or in the rejects file."""
        self.result.rows_rejected += 1
        if cells is not None and len(cells) == N_COLUMNS and errors:
            code = cells[C_RESIDENT_CODE]
            if code and code not in self.rejected_people:
                self.rejected_people[code] = errors[0].line
        if self.rejects is not None:
            # Held until the chunk is done, then written in line order.
            self.pending_rejects.extend((error, cells) for error in errors)
            return
        if primary:
            self.errors_total += len(errors)
            room = MAX_REPORTED_ERRORS - len(self.errors)
            if room > 0:
                self.errors.extend(errors[:room])

    # -- reading -----------------------------------------------------------------------

    def run(self, progress: Progress) -> None:
        path = self.owner.path
        progress.start(self.file, path.stat().st_size)
        try:
            with path.open("rb", buffering=1 << 20) as raw:
                records = read_records(raw, progress)
                try:
                    self._read(records)
                except csv.Error as exc:
                    raise ImportFailed(
                        [RowError(self.file, 0, None, f"the file is not valid CSV: {exc}")]
                    ) from None
                self.writer.wait()
        finally:
            # Never leave the writer running into a rollback.
            self.writer.wait(raise_error=False)
            progress.finish()
        self._check_heads()
        self._flush_rejects()
        if self.rejects is not None and self.rejects.count:
            self.result.rejects_paths.append(self.rejects.path)

    def _flush_rejects(self) -> None:
        if self.rejects is not None and self.pending_rejects:
            for error, cells in sorted(self.pending_rejects, key=lambda item: item[0].line):
                self.rejects.write(error, cells)
            self.pending_rejects = []

    def _read(self, records: Iterable[tuple[int, list[str], int | None]]) -> None:
        iterator = iter(records)
        first = next(iterator, None)
        header_error = self.parser.header_error(None if first is None else first[1])
        if first is not None and first[2] is not None:
            header_error = RowError(self.file, first[2], None, "the header is not valid UTF-8")
        if header_error is not None:
            raise ImportFailed([header_error])
        parse = self.parser.parse
        excluded = self.owner.excluded
        chunk: list[ParsedRow] = []
        result = self.result
        chunk_rows = CHUNK_ROWS
        for line, cells, bad_line in iterator:
            result.rows_read += 1
            if bad_line is not None:
                self.reject(
                    [
                        RowError(
                            self.file, bad_line, None, f"line {bad_line} is not valid UTF-8 text"
                        )
                    ],
                    cells,
                )
                continue
            if excluded and line in excluded:
                self.reject([excluded[line]], cells)
                continue
            parsed = parse(cells, line)
            if isinstance(parsed, list):
                self.reject(parsed, cells)
                continue
            chunk.append(parsed)
            if len(chunk) >= chunk_rows:
                self._apply_chunk(chunk)
                chunk = []
        if chunk:
            self._apply_chunk(chunk)
        self._submit_pending()

    # -- one chunk ---------------------------------------------------------------------

    def _apply_chunk(self, rows: list[ParsedRow]) -> None:
        """Look up what the chunk's rows refer to, start the previous chunk's write, apply.

        The order lets the previous chunk's bulk write (a thread on PostgreSQL)
        run while this chunk is checked and applied and the next one parsed:
        the lookups run first, on the free connection, and see the database as
        of two chunks ago; what the previous chunk changed is taken from its
        in-memory state (``self.carry``), which is complete for its keys.
        """
        db = self.db
        # The lookups must see everything written before the previous chunk.
        self.writer.wait()
        db.reserve(len(rows))
        c_persons, c_events, c_households, c_digests = self.carry
        households: dict[tuple[int, str], int] = {}
        events: dict[tuple[int, str], str] = {}
        by_municipality: dict[int, tuple[set[str], set[str]]] = {}
        digests: set[str] = set()
        digest_owner: dict[str, str] = {}
        for row in rows:
            m = row.municipality_id
            ids, numbers = by_municipality.setdefault(m, (set(), set()))
            if (m, row.event_id) in c_events:
                events[m, row.event_id] = c_events[m, row.event_id]
            else:
                ids.add(row.event_id)
            number = row.household_number
            if number:
                if (m, number) in c_households:
                    households[m, number] = c_households[m, number]
                else:
                    numbers.add(number)
            digest = row.my_number_digest
            if digest:
                if digest in c_digests:
                    digest_owner[digest] = c_digests[digest]
                else:
                    digests.add(digest)
        for municipality_id, (ids, numbers) in by_municipality.items():
            self.municipality_ids.add(municipality_id)
            if ids:
                for source_id, fingerprint in db.events(municipality_id, list(ids)):
                    events[municipality_id, source_id] = fingerprint
            if numbers:
                for number, household_id in db.households(municipality_id, list(numbers)):
                    households[municipality_id, number] = household_id
        persons = self._load_persons(rows, c_persons, digests, digest_owner)
        # The connection is free again: start writing the previous chunk.
        self._submit_pending()

        chunk = _ChunkWrites()
        apply = self._apply_row
        rejected = self.rejected_people
        result = self.result
        for row in rows:
            key = (row.municipality_id, row.event_id)
            fingerprint = events.get(key)
            if fingerprint is not None:
                if fingerprint == row.fingerprint:
                    result.rows_unchanged += 1
                else:
                    self.reject(
                        [
                            RowError(
                                self.file,
                                row.line,
                                "event_id",
                                f"event {row.event_id} was imported before with different "
                                f"content; an event cannot be changed by re-importing it",
                            )
                        ],
                        row.cells,
                    )
                continue
            if rejected:
                earlier = rejected.get(row.resident_code)
                if earlier is not None and earlier < row.line:
                    self.reject(
                        [
                            RowError(
                                self.file,
                                row.line,
                                None,
                                f"not imported because an earlier row of this person "
                                f"(line {earlier}) was rejected",
                            )
                        ],
                        row.cells,
                        primary=False,
                    )
                    continue
            errors = apply(row, persons, households, digest_owner, chunk)
            if errors:
                self.reject(errors, row.cells)
                continue
            events[key] = row.fingerprint
            result.rows_written += 1
        self._write(chunk)
        self.carry = (persons, events, households, digest_owner)
        self._flush_rejects()

    def _submit_pending(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            write, published = pending
            self.writer.submit(write)
            if published:
                self._publish(published)

    def _load_persons(
        self,
        rows: list[ParsedRow],
        carried: dict[str, _Person],
        digests: set[str],
        digest_owner: dict[str, str],
    ) -> dict[str, _Person]:
        """The chunk's persons: the previous chunk's, else the database's.

        The same query finds who holds the 個人番号 ``digests`` (into
        ``digest_owner``): one round trip instead of two.
        """
        db = self.db
        persons: dict[str, _Person] = {}
        codes = set()
        for code in {row.resident_code for row in rows}:
            known = carried.get(code)
            if known is None:
                codes.add(code)
            else:
                persons[code] = known
        if not codes and not digests:
            return persons
        loaded: dict[str, _Person] = {}
        for (
            pid,
            code,
            family,
            given,
            family_kana,
            given_kana,
            birth,
            sex,
            death,
            digest,
        ) in db.persons(list(codes), list(digests)):
            if digest in digests:
                digest_owner[digest] = code
            if code not in codes:
                continue  # found only as the holder of a digest
            p = _Person(code)
            p.id = pid
            p.family_name = family
            p.given_name = given
            p.family_name_kana = family_kana
            p.given_name_kana = given_kana
            p.birth_date = _iso(birth)
            p.sex = sex
            p.death_date = _iso(death) or None
            p.digest = digest or ""
            loaded[code] = p
        if loaded:
            persons.update(loaded)
            by_id = {p.id: p for p in loaded.values()}
            ids = list(by_id)
            for person_id, last in db.last_dates(ids):
                by_id[person_id].last_date = _iso(last)
            for values in db.open_records(ids):
                r = _Record()
                (
                    r.id,
                    r.person_id,
                    r.municipality_id,
                    r.household_id,
                    r.household_number,
                    r.relationship,
                    r.family_name,
                    r.given_name,
                    r.family_name_kana,
                    r.given_name_kana,
                    r.lg_code,
                    r.machiaza_id,
                    r.blk_id,
                    r.rsdt_id,
                    r.rsdt2_id,
                    r.address,
                    valid_from,
                    r.opened_by,
                ) = values
                r.valid_from = _iso(valid_from)
                r.valid_to = None
                r.closed_by = None
                r.new = False
                by_id[r.person_id].open = r
        return persons

    # -- the history rules -------------------------------------------------------------

    def _apply_row(
        self,
        row: ParsedRow,
        persons: dict[str, _Person],
        households: dict[tuple[int, str], int],
        digest_owner: dict[str, str],
        chunk: _ChunkWrites,
    ) -> list[RowError]:
        """Check ``row`` against the person's history; if it fits, apply it."""
        errors: list[RowError] = []
        file, line = self.file, row.line

        def bad(column: str | None, reason: str) -> None:
            errors.append(RowError(file, line, column, reason))

        kind = row.kind
        when = row.effective_date
        person = persons.get(row.resident_code)
        here = row.lg_code
        if person is not None:
            if person.death_date is not None:
                bad(
                    "effective_date", f"the person died on {person.death_date}; no event can follow"
                )
            elif when < person.birth_date:
                bad("effective_date", f"{when} is before the person's birth on {person.birth_date}")
            elif when < person.last_date:
                bad(
                    "effective_date",
                    f"{when} is earlier than the person's previous event on {person.last_date} "
                    f"(rows of one person must be in date order)",
                )
            if row.birth_date and row.birth_date != person.birth_date:
                bad(
                    "birth_date",
                    f"{row.birth_date} differs from the registry's {person.birth_date}",
                )
            if row.sex and row.sex != person.sex:
                bad("sex", f"{row.sex} differs from the registry's {person.sex}")
            if row.my_number_digest and person.digest and row.my_number_digest != person.digest:
                bad("my_number", "differs from the 個人番号 the registry holds for this person")
        elif kind not in _OPENING:
            bad("event_type", f"{kind} for a person not resident in {here} (unknown resident_code)")
            return errors
        if (
            row.my_number_digest
            and (person is None or not person.digest)
            and digest_owner.get(row.my_number_digest, row.resident_code) != row.resident_code
        ):
            bad("my_number", "this 個人番号 is already recorded for another person")

        current = person.open if person is not None else None
        if kind in _OPENING:
            if kind == BIRTH:
                if person is not None:
                    bad(
                        "resident_code",
                        f"a birth is a new person, but {row.resident_code} is already registered",
                    )
                if row.birth_date and when != row.birth_date:
                    bad("effective_date", f"a birth takes effect on birth_date ({row.birth_date})")
            elif current is not None:
                bad(
                    "event_type",
                    f"{kind} for a person already resident in {current.lg_code} since "
                    f"{current.valid_from} (a person cannot be in two households at once)",
                )
            # Fast path: every field present (the usual case) skips the loop below.
            complete = bool(
                row.household_number and row.relationship and row.machiaza_id and row.address
            )
            if person is None:
                complete = complete and bool(
                    row.family_name and row.given_name and row.birth_date and row.sex
                    and row.family_name_kana and row.given_name_kana
                )  # fmt: skip
            required = (
                [] if complete else ["household_number", "relationship", "machiaza_id", "address"]
            )
            if person is None and not complete:
                required = [
                    "family_name",
                    "given_name",
                    "family_name_kana",
                    "given_name_kana",
                    "birth_date",
                    "sex",
                    *required,
                ]
            for name in required:
                if not getattr(row, name):
                    bad(name, f"is required for {kind}")
            if person is None and row.birth_date and when < row.birth_date:
                bad("effective_date", f"{when} is before the person's birth on {row.birth_date}")
        elif current is None or current.municipality_id != row.municipality_id:
            where = f" (resident in {current.lg_code})" if current is not None else ""
            bad("event_type", f"{kind} for a person not resident in {here}{where}")
        else:
            self._check_fields(row, person, current, bad)
        if errors:
            return errors
        self._apply(row, person, current, persons, households, digest_owner, chunk)
        return errors

    @staticmethod
    def _check_fields(
        row: ParsedRow, person: Any, current: _Record, bad: Callable[[str, str], None]
    ) -> None:
        """Columns an event does not use must be blank or repeat the current value."""
        kind = row.kind
        names = kind == NAME_CHANGE
        address = kind == MOVE_WITHIN or (
            kind == HOUSEHOLD_CHANGE and (row.machiaza_id or row.address)
        )
        household = kind in (MOVE_WITHIN, HOUSEHOLD_CHANGE)
        if names:
            if not (
                row.family_name or row.given_name or row.family_name_kana or row.given_name_kana
            ):
                bad("family_name", "a name_change needs the new name")
        else:
            for column in ("family_name", "given_name", "family_name_kana", "given_name_kana"):
                value = getattr(row, column)
                if value and value != getattr(person, column):
                    bad(column, f"a {kind} cannot change the name (use name_change)")
        if kind == HOUSEHOLD_CHANGE:
            for column in ("household_number", "relationship"):
                if not getattr(row, column):
                    bad(column, f"is required for {kind}")
        if address:
            for column in ("machiaza_id", "address"):
                if not getattr(row, column):
                    bad(column, f"is required for {kind}")
        else:
            for column in ("machiaza_id", "blk_id", "rsdt_id", "rsdt2_id", "address"):
                value = getattr(row, column)
                if value and value != getattr(current, column):
                    bad(column, f"a {kind} cannot change the address (use move_within)")
        if not household:
            for column in ("household_number", "relationship"):
                value = getattr(row, column)
                if value and value != getattr(current, column):
                    bad(column, f"a {kind} cannot change the household (use household_change)")

    def _apply(
        self,
        row: ParsedRow,
        person: _Person | None,
        current: _Record | None,
        persons: dict[str, _Person],
        households: dict[tuple[int, str], int],
        digest_owner: dict[str, str],
        chunk: _ChunkWrites,
    ) -> None:
        db = self.db
        kind = row.kind
        when = row.effective_date
        subscribed = self.subscribed
        published: list[str] = []
        if person is None:
            person = _Person(row.resident_code)
            person.id = db.next_id(T_PERSON)
            person.new = True
            person.birth_date = row.birth_date
            person.sex = row.sex
            persons[row.resident_code] = person
            chunk.new_persons.append(person)
        previous_names = (
            person.family_name,
            person.given_name,
            person.family_name_kana,
            person.given_name_kana,
        )
        if row.family_name:
            person.family_name = row.family_name
        if row.given_name:
            person.given_name = row.given_name
        if row.family_name_kana:
            person.family_name_kana = row.family_name_kana
        if row.given_name_kana:
            person.given_name_kana = row.given_name_kana
        if row.my_number_digest and not person.digest:
            person.digest = row.my_number_digest
            person.my_number = row.my_number
            digest_owner[row.my_number_digest] = row.resident_code
        person.last_date = when
        if kind == DEATH:
            person.death_date = when
        if (
            not person.new
            and not person.dirty
            and (
                kind == DEATH
                or person.my_number
                or previous_names
                != (
                    person.family_name,
                    person.given_name,
                    person.family_name_kana,
                    person.given_name_kana,
                )
            )
        ):
            # Person keeps the current values: rewrite it only when they changed.
            person.dirty = True
            chunk.dirty_persons.append(person)

        event_id = db.next_id(T_EVENT)
        chunk.events.append(
            (
                event_id,
                person.id,
                row.municipality_id,
                kind,
                when,
                row.event_id,
                row.fingerprint,
                row.note,
                self.batch_id,
                self.now,
            )
        )
        if current is not None:
            current.valid_to = when
            current.closed_by = event_id
            if not current.new:
                chunk.closed.append((when, event_id, current.id))
            person.open = None
        if kind in _ENDING:
            if subscribed:
                if kind == DEATH:
                    published.append(registry_events.RESIDENT_DIED)
                else:
                    published.append(registry_events.RESIDENT_MOVED_OUT)
        else:
            r = _Record()
            r.id = db.next_id(T_RECORD)
            r.new = True
            r.person_id = person.id
            r.municipality_id = row.municipality_id
            r.lg_code = row.lg_code
            r.family_name = person.family_name
            r.given_name = person.given_name
            r.family_name_kana = person.family_name_kana
            r.given_name_kana = person.given_name_kana
            number = row.household_number
            if not number and current is not None:
                # Same household as before (only rows naming one were looked up).
                number, household_id = current.household_number, current.household_id
            else:
                hkey = (row.municipality_id, number)
                found = households.get(hkey)
                if found is None:
                    found = households[hkey] = db.next_id(T_HOUSEHOLD)
                    chunk.households.append((found, row.municipality_id, number, self.now))
                household_id = found
            r.household_number = number
            r.household_id = household_id
            r.relationship = row.relationship or (current.relationship if current else "")
            if row.machiaza_id or current is None:
                r.machiaza_id = row.machiaza_id
                r.blk_id = row.blk_id
                r.rsdt_id = row.rsdt_id
                r.rsdt2_id = row.rsdt2_id
                r.address = row.address
            else:
                r.machiaza_id = current.machiaza_id
                r.blk_id = current.blk_id
                r.rsdt_id = current.rsdt_id
                r.rsdt2_id = current.rsdt2_id
                r.address = current.address
            r.valid_from = when
            r.valid_to = None
            r.opened_by = event_id
            r.closed_by = None
            chunk.records.append(r)
            person.open = r
            if subscribed:
                if kind in _OPENING:
                    published.append(registry_events.RESIDENT_REGISTERED)
                    if kind == MOVE_IN and not person.new:
                        published.append(registry_events.RESIDENT_ADDRESS_CHANGED)
                elif current is not None:
                    if r.address != current.address or r.machiaza_id != current.machiaza_id:
                        published.append(registry_events.RESIDENT_ADDRESS_CHANGED)
                    if r.household_id != current.household_id:
                        published.append(registry_events.RESIDENT_HOUSEHOLD_CHANGED)
                    if kind == NAME_CHANGE or (
                        previous_names
                        != (r.family_name, r.given_name, r.family_name_kana, r.given_name_kana)
                    ):
                        published.append(registry_events.RESIDENT_NAME_CHANGED)
        if subscribed:
            for event_type in published:
                if event_type in self.subscribed:
                    chunk.published.append(
                        _Published(event_type, person.id, person.code, row.lg_code, when)
                    )

    # -- writing -----------------------------------------------------------------------

    def _write(self, chunk: _ChunkWrites) -> None:
        """Build the chunk's rows now; the write starts after the next chunk's lookups.

        Afterwards the chunk's persons and periods look as if just loaded from
        the database (``new``/``dirty`` off, no plain 個人番号 kept), so the
        next chunk can take them over as its lookup results (``self.carry``).
        """
        db = self.db
        parser = self.parser
        name_key, kana_key = parser.name_key, parser.kana_key
        seal = self.seal
        now = self.now
        person_rows = [
            (
                p.id,
                p.code,
                p.family_name,
                p.given_name,
                p.family_name_kana,
                p.given_name_kana,
                name_key(p.family_name, p.given_name),
                kana_key(p.family_name_kana, p.given_name_kana),
                p.birth_date,
                p.sex,
                p.death_date,
                seal(p.my_number) if p.my_number else None,
                p.digest or None,
                now,
                now,
            )
            for p in chunk.new_persons
        ]
        record_rows = [r.as_row() for r in chunk.records]
        if record_rows:
            # The span of periods this file opened, for the check of heads.
            ids = [r.id for r in chunk.records]
            low = min(ids)
            first = self.first_record_id
            self.first_record_id = low if first is None else min(first, low)
            self.last_record_id = max(self.last_record_id, max(ids))
        person_updates = [
            (
                p.family_name,
                p.given_name,
                p.family_name_kana,
                p.given_name_kana,
                name_key(p.family_name, p.given_name),
                kana_key(p.family_name_kana, p.given_name_kana),
                p.death_date,
                now,
                p.id,
            )
            for p in chunk.dirty_persons
        ]
        # A 個人番号 first given for someone already registered.
        numbers = [(seal(p.my_number), p.digest, p.id) for p in chunk.dirty_persons if p.my_number]
        for p in chunk.new_persons:
            p.new = False
            p.my_number = ""
        for p in chunk.dirty_persons:
            p.dirty = False
            p.my_number = ""
        for r in chunk.records:
            r.new = False
        households, events, closed = chunk.households, chunk.events, chunk.closed

        def write() -> None:
            db.insert(Person, T_PERSON, PERSON_FIELDS, person_rows)
            db.insert(Household, T_HOUSEHOLD, HOUSEHOLD_FIELDS, households)
            db.insert(ResidentEvent, T_EVENT, EVENT_FIELDS, events)
            db.insert(ResidentRecord, T_RECORD, RECORD_FIELDS, record_rows)
            db.close_records(closed)
            db.update_persons(person_updates)
            db.set_my_numbers(numbers)

        self.pending = (write, chunk.published)

    @staticmethod
    def _publish(published: list[_Published]) -> None:
        publish_many(
            Event(
                p.type,
                {
                    "person_id": p.person_id,
                    "resident_code": p.resident_code,
                    "lg_code": p.lg_code,
                    "effective_date": p.effective_date,
                },
            )
            for p in published
        )

    # -- the check across rows: one head per household at a time --------------------------

    def _check_heads(self) -> None:
        if self.first_record_id is None:
            return
        pairs = self.db.head_conflicts(
            self.owner.batch.pk, self.first_record_id, self.last_record_id
        )
        if not pairs:
            return
        details = {
            d[0]: d for d in self.db.record_details(list({i for pair in pairs for i in pair}))
        }
        lines = self._lines_of(
            {(d[5], d[6]) for d in details.values() if d[7] == self.owner.batch.pk}
        )
        blamed: dict[int, RowError] = {}

        def line_of(record_id: int) -> int | None:
            d = details[record_id]
            return lines.get((d[5], d[6])) if d[7] == self.owner.batch.pk else None

        ordered = []
        for a, b in pairs:
            la, lb = line_of(a), line_of(b)
            assert la is not None
            if lb is not None and lb > la:
                continue  # the same pair, seen from the other side
            ordered.append((la, a, b, lb))
        # Blame the later row of each pair, earliest first; a pair whose other
        # row is already blamed goes away with it.
        # A blamed row takes the person's later rows with it (they are rejected
        # as consequences on the next reading), so their periods are not blamed.
        blamed_people: dict[str, int] = {}
        for la, a, b, lb in sorted(ordered):
            da, db_ = details[a], details[b]
            if blamed_people.get(da[3], la + 1) <= la:
                continue
            if lb is not None and blamed_people.get(db_[3], lb + 1) <= lb:
                continue
            blamed_people[da[3]] = la
            until = f"to {_iso(db_[2])}" if db_[2] is not None else "on"
            other = f" (line {lb})" if lb is not None else ""
            blamed[la] = RowError(
                self.file,
                la,
                "relationship",
                f"household {da[4]} in {da[5]} would have two heads at once: this row makes "
                f"{da[3]} head from {_iso(da[1])}, while {db_[3]} is head from "
                f"{_iso(db_[1])} {until}{other}",
            )
        if self.skip:
            self.owner.excluded.update(blamed)
            raise _Retry
        for line in sorted(blamed):
            self.reject([blamed[line]], None)
        self.result.rows_written -= len(blamed)

    def _lines_of(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Lines of the given (lg_code, event_id) rows: the file is read again.

        Only needed when a household has two heads, so the importer does not
        keep a line for every row of a file of millions in memory.
        """
        found: dict[tuple[str, str], int] = {}
        with self.owner.path.open("rb") as raw:
            records = read_records(raw)
            next(records, None)
            for line, cells, _bad in records:
                if len(cells) == N_COLUMNS and (cells[3], cells[0]) in keys:
                    found.setdefault((cells[3], cells[0]), line)
        return found


class _ChunkWrites:
    """What one chunk adds to the database, collected before the bulk writes."""

    __slots__ = (
        "closed",
        "dirty_persons",
        "events",
        "households",
        "new_persons",
        "published",
        "records",
    )

    def __init__(self) -> None:
        self.new_persons: list[_Person] = []
        self.dirty_persons: list[_Person] = []
        self.households: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.records: list[_Record] = []
        self.closed: list[tuple[str, int, int]] = []
        self.published: list[_Published] = []
