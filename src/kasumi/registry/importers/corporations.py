"""Import the National Tax Agency's corporate number files (法人番号公表サイト CSV).

Full files (全件データ) and daily diff files (差分データ) share one headerless
30-column format, UTF-8 or (older files) Shift_JIS. Each file is read as a
stream in one pass: rows are validated, written in chunks with bulk statements
inside one transaction per file, and the transaction is rolled back if any
row was invalid (unless ``skip_invalid``, which sends bad rows to a rejects
file instead). Memory stays constant whatever the file size.

History and current state:

- every new row becomes a :class:`~kasumi.registry.models.CorporationRecord`;
  a row already recorded — same corporate number, same content apart from the
  file-local ``sequenceNumber`` — is counted as unchanged and ignored;
- a new record replaces the current :class:`~kasumi.registry.models.Corporation`
  if its precedence ``(update_date, latest)`` is at least that of the current
  one (ties go to the later import). So diff files apply in order, a full file
  imported after newer diffs does not roll corporations back, and within one
  diff file the ``latest=1`` row wins over earlier ``latest=0`` rows.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import DateField, DateTimeField, Model
from django.utils import timezone

from kasumi.core.codes import CodeError, validate_corporate_number
from kasumi.core.events import Event, has_subscribers, publish_many
from kasumi.core.textkeys import kana_key, name_key
from kasumi.registry.events import CORPORATION_CHANGED
from kasumi.registry.importing import (
    MAX_REPORTED_ERRORS,
    DecodeFailed,
    ImportFailed,
    ImportResult,
    NoProgress,
    Progress,
    RejectsWriter,
    RowError,
    decoded_lines,
    default_rejects_path,
    finish_batch,
    sniff_encoding,
    start_batch,
)
from kasumi.registry.models import (
    CloseCause,
    Corporation,
    CorporationKind,
    CorporationProcess,
    CorporationRecord,
    ImportBatch,
)
from kasumi.registry.models import corporations as m

# Column names as the NTA specification spells them, in file order.
COLUMNS: tuple[str, ...] = (
    "sequenceNumber",
    "corporateNumber",
    "process",
    "correct",
    "updateDate",
    "changeDate",
    "name",
    "nameImageId",
    "kind",
    "prefectureName",
    "cityName",
    "streetNumber",
    "addressImageId",
    "prefectureCode",
    "cityCode",
    "postCode",
    "addressOutside",
    "addressOutsideImageId",
    "closeDate",
    "closeCause",
    "successorCorporateNumber",
    "changeCause",
    "assignmentDate",
    "latest",
    "enName",
    "enPrefectureName",
    "enCityName",
    "enAddressOutside",
    "furigana",
    "hihyoji",
)
COLUMN_COUNT = len(COLUMNS)

# Rows per chunk: large enough for bulk statements to pay off, small enough
# that a chunk's lookups stay within SQLite's parameter limit (32766).
CHUNK_ROWS = 2000

_PROCESSES = frozenset(CorporationProcess.values)
_KINDS = frozenset(CorporationKind.values)
_CLOSE_CAUSES = frozenset(CloseCause.values)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DIGITS = re.compile(r"\d+", re.ASCII)


@dataclass(frozen=True, slots=True)
class NtaRow:
    """One valid NTA row, typed; field order is the column order."""

    sequence_number: int
    corporate_number: str
    process: str
    correct: bool
    update_date: date
    change_date: date
    name: str
    name_image_id: str
    kind: str
    prefecture_name: str
    city_name: str
    street_number: str
    address_image_id: str
    prefecture_code: str
    city_code: str
    post_code: str
    address_outside: str
    address_outside_image_id: str
    close_date: date | None
    close_cause: str
    successor_corporate_number: str
    change_cause: str
    assignment_date: date
    latest: bool
    en_name: str
    en_prefecture_name: str
    en_city_name: str
    en_address_outside: str
    furigana: str
    hihyoji: bool

    def to_csv(self) -> list[str]:
        """The row as the NTA writes it (the inverse of :func:`parse_row`)."""
        out: list[str] = []
        for name in FIELD_NAMES:
            value = getattr(self, name)
            if isinstance(value, bool):
                out.append("1" if value else "0")
            elif value is None:
                out.append("")
            else:
                out.append(str(value))  # dates print as YYYY-MM-DD
        return out

    def model_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELD_NAMES}


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(NtaRow))
# Columns the current state copies from its record (everything but the extras below).
SHARED_FIELDS: frozenset[str] = frozenset(
    f.attname for f in Corporation._meta.concrete_fields if not f.primary_key
) - {"deleted", "name_key", "furigana_key", "current_record_id", "record_latest"}


class RowInvalid(ValueError):
    """A row breaks the format; ``problems`` are ``(column or None, reason)`` pairs."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(f"{c or 'row'}: {r}" for c, r in problems))
        self.problems = problems


@lru_cache(maxsize=1 << 16)
def parse_nta_date(text: str) -> date:
    """``YYYY-MM-DD`` → date; impossible dates (2023-02-30) raise ValueError.

    Cached: millions of rows share a few thousand distinct dates.
    """
    if not _DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date in YYYY-MM-DD form")
    try:
        return date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        raise ValueError(f"{text} is not a real date") from None


def row_fingerprint(values: Sequence[str]) -> str:
    """Digest of a row without the file-local ``sequenceNumber`` (recognises re-imports)."""
    joined = "\x1f".join(values[1:]).encode("utf-8")
    return hashlib.blake2b(joined, digest_size=16).hexdigest()


class _Checker:
    """Collects every problem of one row, so a person fixes a row in one go."""

    __slots__ = ("problems", "values")

    def __init__(self, values: Sequence[str]) -> None:
        self.values = values
        self.problems: list[tuple[str | None, str]] = []

    def fail(self, index: int, reason: str) -> None:
        self.problems.append((COLUMNS[index], reason))

    def has_problem(self, index: int) -> bool:
        return any(column == COLUMNS[index] for column, _ in self.problems)

    def text(self, index: int, max_length: int, *, required: bool = False) -> str:
        value = self.values[index]
        if required and not value:
            self.fail(index, "is required")
        elif len(value) > max_length:
            self.fail(index, f"is {len(value)} characters long, at most {max_length} allowed")
        return value

    def digits(self, index: int, length: int, *, exact: bool = True, required: bool = False) -> str:
        value = self.values[index]
        if not value:
            if required:
                self.fail(index, "is required")
            return value
        if not _DIGITS.fullmatch(value) or (len(value) != length if exact else len(value) > length):
            size = f"exactly {length}" if exact else f"at most {length}"
            self.fail(index, f"must be {size} ASCII digits, got {value!r}")
        return value

    def code(self, index: int, allowed: frozenset[str], *, required: bool = True) -> str:
        value = self.values[index]
        if not value:
            if required:
                self.fail(index, "is required")
        elif value not in allowed:
            self.fail(index, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return value

    def flag(self, index: int) -> bool:
        value = self.values[index]
        if value not in ("0", "1"):
            self.fail(index, f"must be 0 or 1, got {value!r}")
        return value == "1"

    def required_date(self, index: int) -> date:
        value = self.optional_date(index)
        if value is None and not self.values[index]:
            self.fail(index, "is required")
        return value or date.min  # date.min is never stored: the row is rejected

    def optional_date(self, index: int) -> date | None:
        value = self.values[index]
        if not value:
            return None
        try:
            return parse_nta_date(value)
        except ValueError as exc:
            self.fail(index, str(exc))
            return None

    def corporate_number(self, index: int, *, required: bool = True) -> str:
        value = self.values[index]
        if not value:
            if required:
                self.fail(index, "is required")
            return value
        try:
            validate_corporate_number(value)
        except CodeError as exc:
            self.fail(index, str(exc))
        return value


def parse_row(values: Sequence[str]) -> NtaRow:
    """Validate one CSV row and return it typed, or raise :class:`RowInvalid`."""
    if len(values) != COLUMN_COUNT:
        raise RowInvalid([(None, f"expected {COLUMN_COUNT} columns, found {len(values)}")])
    c = _Checker(values)
    sequence = c.digits(0, 10, exact=False, required=True)
    number = c.corporate_number(1)
    process = c.code(2, _PROCESSES)
    prefecture_code = c.digits(13, 2)
    if prefecture_code and not c.has_problem(13) and not 1 <= int(prefecture_code) <= 47:
        c.fail(13, f"{prefecture_code} is not a prefecture code (01–47)")
    city_code = c.digits(14, 3)
    if city_code and not prefecture_code:
        c.fail(14, "a city code needs a prefecture code")
    close_date = c.optional_date(18)
    close_cause = c.code(19, _CLOSE_CAUSES, required=False)
    successor = c.corporate_number(20, required=False)
    row = NtaRow(
        sequence_number=int(sequence) if sequence.isdigit() and sequence.isascii() else 0,
        corporate_number=number,
        process=process,
        correct=c.flag(3),
        update_date=c.required_date(4),
        change_date=c.required_date(5),
        name=c.text(6, m.NAME_MAX, required=True),
        name_image_id=c.digits(7, m.IMAGE_ID_MAX, exact=False),
        kind=c.code(8, _KINDS),
        prefecture_name=c.text(9, m.PREFECTURE_NAME_MAX),
        city_name=c.text(10, m.CITY_NAME_MAX),
        street_number=c.text(11, m.STREET_NUMBER_MAX),
        address_image_id=c.digits(12, m.IMAGE_ID_MAX, exact=False),
        prefecture_code=prefecture_code,
        city_code=city_code,
        post_code=c.digits(15, 7),
        address_outside=c.text(16, m.ADDRESS_OUTSIDE_MAX),
        address_outside_image_id=c.digits(17, m.IMAGE_ID_MAX, exact=False),
        close_date=close_date,
        close_cause=close_cause,
        successor_corporate_number=successor,
        change_cause=c.text(21, m.CHANGE_CAUSE_MAX),
        assignment_date=c.required_date(22),
        latest=c.flag(23),
        en_name=c.text(24, m.EN_NAME_MAX),
        en_prefecture_name=c.text(25, m.EN_PREFECTURE_NAME_MAX),
        en_city_name=c.text(26, m.EN_CITY_NAME_MAX),
        en_address_outside=c.text(27, m.EN_ADDRESS_OUTSIDE_MAX),
        furigana=c.text(28, m.FURIGANA_MAX),
        hihyoji=c.flag(29),
    )
    # Consistency between columns (only where each column is valid by itself).
    if successor and successor == number:
        c.fail(20, "a corporation cannot succeed itself")
    if close_cause and not values[18]:
        c.fail(19, "a close cause needs a closeDate")
    if process in m.CLOSING_PROCESSES and not values[18]:
        c.fail(18, f"process {process} (closure) needs a closeDate")
    if c.problems:
        order = {column: i for i, column in enumerate(COLUMNS)}
        raise RowInvalid(sorted(c.problems, key=lambda p: order.get(p[0] or "", -1)))
    return row


def current_values(row: NtaRow, record_id: int | None) -> dict[str, Any]:
    """The current state a row implies (by attribute name), with process semantics applied."""
    values: dict[str, Any] = {name: getattr(row, name) for name in SHARED_FIELDS}
    if row.process in m.REOPENING_PROCESSES:
        # 22/72 undo a closure: whatever the row carries, the corporation is open again.
        values["close_date"] = None
        values["close_cause"] = ""
        values["successor_corporate_number"] = ""
    values["deleted"] = row.process == CorporationProcess.DELETED
    values["name_key"] = name_key(row.name)[: m.KEY_MAX]
    values["furigana_key"] = kana_key(row.furigana)[: m.KEY_MAX]
    values["current_record_id"] = record_id
    values["record_latest"] = row.latest
    return values


class _BulkWriter:
    """Many rows into one table at once: plain inserts and upserts.

    ``bulk_create`` spends ~0.3 ms per row compiling SQL for 30+ columns; these
    statements are built once from the model metadata instead. SQLite runs one
    prepared statement per row (``executemany``), its fastest path. PostgreSQL
    gets ``COPY`` for inserts and a server-side prepared, pipelined
    ``executemany`` for upserts: Django's client-side binding cursor would make
    the server parse and plan every row.
    """

    def __init__(self, model: type[Model], conflict: str | None = None) -> None:
        quote = connection.ops.quote_name
        self.table = model._meta.db_table
        self.fields: list[Any] = list(model._meta.concrete_fields)
        # Every field here is a plain column, so its column name is its attname.
        assert all(f.column == f.attname for f in self.fields)
        self.postgres = connection.vendor == "postgresql"
        # PostgreSQL takes dates and datetimes as they are; SQLite wants text.
        self.adapters = [None if self.postgres else self._adapter(f) for f in self.fields]
        columns = ", ".join(quote(f.attname) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        # Identifiers come from model metadata (quoted); values are always parameters.
        self.insert_sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})"  # noqa: S608
        self.copy_sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"
        self.max_id_sql = f"SELECT COALESCE(MAX(id), 0) FROM {quote(self.table)}"  # noqa: S608
        self.upsert_sql = ""
        if conflict:
            updates = ", ".join(
                f"{quote(f.attname)} = excluded.{quote(f.attname)}"
                for f in self.fields
                if f.attname not in (conflict, "id")
            )
            # INSERT … ON CONFLICT DO UPDATE: PostgreSQL 9.5+ and SQLite 3.24+;
            # callers send each key at most once per call.
            on_conflict = f"ON CONFLICT ({quote(conflict)}) DO UPDATE SET {updates}"
            self.upsert_sql = f"{self.insert_sql} {on_conflict}"

    @staticmethod
    def _adapter(field: Any) -> Any:
        ops = connection.ops
        if isinstance(field, DateTimeField):
            return ops.adapt_datetimefield_value
        if isinstance(field, DateField):
            return ops.adapt_datefield_value
        return None

    def _params(self, rows: list[dict[str, Any]]) -> list[list[Any]]:
        pairs = list(zip(self.fields, self.adapters, strict=True))
        out = []
        for values in rows:
            params = []
            for field, adapt in pairs:
                value = values[field.attname]
                params.append(adapt(value) if adapt and value is not None else value)
            out.append(params)
        return out

    def next_ids(self, count: int) -> list[int]:
        """Primary keys for ``count`` new rows, so inserts need not return them."""
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the import's write transaction holds the database lock.
            cursor.execute(self.max_id_sql)
            first = int(cursor.fetchone()[0]) + 1
            return list(range(first, first + count))

    def insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        params = self._params(rows)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(self.copy_sql) as copy:  # the psycopg cursor
                    for row in params:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, params)

    def upsert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        params = self._params(rows)
        with connection.cursor() as cursor:
            if self.postgres:
                import psycopg

                with psycopg.Cursor(cursor.cursor.connection) as server_side:
                    server_side.executemany(self.upsert_sql, params)
            else:
                cursor.executemany(self.upsert_sql, params)


class _FileImport:
    """One file, one transaction: parse, validate, write in chunks."""

    def __init__(
        self,
        path: Path,
        batch: ImportBatch,
        result: ImportResult,
        *,
        skip_invalid: bool,
        rejects: RejectsWriter | None,
        progress: Progress,
    ) -> None:
        self.path = path
        self.batch = batch
        self.result = result
        self.skip_invalid = skip_invalid
        self.rejects = rejects
        self.progress = progress
        self.pending: list[tuple[NtaRow, str, int]] = []
        self.errors: list[RowError] = []
        self.error_total = 0
        self.publish = has_subscribers(CORPORATION_CHANGED)
        self.records = _BulkWriter(CorporationRecord)
        self.current = _BulkWriter(Corporation, conflict="corporate_number")

    def run(self) -> None:
        if connection.vendor == "postgresql":
            # The per-chunk lookups probe unique indexes with 2,000 keys. Table
            # statistics are stale while a large file grows the tables inside
            # this transaction, and the planner would pick sequential scans,
            # making the import quadratic. LOCAL: only for this transaction.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        encoding = sniff_encoding(self.path)
        self.progress.start(self.path.name, self.path.stat().st_size)
        try:
            with self.path.open("rb") as raw:
                reader = csv.reader(decoded_lines(raw, encoding, self.progress))
                self._read(reader, encoding)
        finally:
            self.progress.finish()
        if self.error_total and not self.skip_invalid:
            raise ImportFailed(self.errors, self.error_total)
        self._flush()

    def _read(self, reader: Any, encoding: str) -> None:
        previous_line = 0
        try:
            for values in reader:
                line = previous_line + 1  # where the row starts (a quoted field may span lines)
                previous_line = reader.line_num
                if not values:
                    continue  # blank line, e.g. at the end of the file
                self.result.rows_read += 1
                try:
                    row = parse_row(values)
                except RowInvalid as exc:
                    self._reject(line, values, exc.problems)
                    continue
                if self.error_total and not self.skip_invalid:
                    continue  # the file will be refused: only look for more errors
                self.pending.append((row, row_fingerprint(values), line))
                if len(self.pending) >= CHUNK_ROWS:
                    self._flush()
        except DecodeFailed as exc:
            self._fatal(
                exc.line, f"is not valid {encoding} text (the file must be UTF-8 or Shift_JIS)"
            )
        except csv.Error as exc:
            self._fatal(previous_line + 1, f"is not valid CSV: {exc}")

    def _fatal(self, line: int, reason: str) -> None:
        self._record_error(RowError(self.path.name, line, None, reason))
        raise ImportFailed(self.errors, self.error_total)

    def _record_error(self, error: RowError) -> None:
        self.error_total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:  # keep memory constant on a broken file
            self.errors.append(error)

    def _reject(self, line: int, values: list[str], problems: list[tuple[str | None, str]]) -> None:
        self.result.rows_rejected += 1
        for column, reason in problems:
            error = RowError(self.path.name, line, column, reason)
            self._record_error(error)
            if self.rejects is not None:
                self.rejects.write(error, values)

    def _flush(self) -> None:
        chunk, self.pending = self.pending, []
        if not chunk:
            return
        known = self._recorded(chunk)
        new: list[tuple[NtaRow, str, int]] = []
        for row, fingerprint, line in chunk:
            key = (row.corporate_number, fingerprint)
            if key in known:
                self.result.rows_unchanged += 1
                continue
            known.add(key)  # the same row twice in one file is recorded once
            new.append((row, fingerprint, line))
        if not new:
            return
        ids = self.records.next_ids(len(new))
        recorded_at = timezone.now()
        record_values = []
        for (row, fingerprint, line), pk in zip(new, ids, strict=True):
            values = row.model_values()
            values.update(
                id=pk,
                fingerprint=fingerprint,
                batch_id=self.batch.pk,
                source_line=line,
                recorded_at=recorded_at,
            )
            record_values.append(values)
        self.records.insert(record_values)
        self.result.rows_written += len(new)
        self._apply([(row, pk) for (row, _, _), pk in zip(new, ids, strict=True)])

    @staticmethod
    def _recorded(chunk: list[tuple[NtaRow, str, int]]) -> set[tuple[str, str]]:
        """Which ``(corporate_number, fingerprint)`` pairs of the chunk are recorded."""
        numbers = [row.corporate_number for row, _, _ in chunk]
        fingerprints = [fp for _, fp, _ in chunk]
        if connection.vendor == "postgresql":
            # Probe the unique index pair by pair, whatever the table statistics say
            # (they are stale in the middle of a large import).
            table = connection.ops.quote_name(CorporationRecord._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT r.corporate_number, r.fingerprint "  # noqa: S608
                    "FROM unnest(%s::varchar[], %s::varchar[]) AS k(n, f) "
                    f"JOIN {table} r ON r.corporate_number = k.n AND r.fingerprint = k.f",
                    [numbers, fingerprints],
                )
                return {(n, f) for n, f in cursor.fetchall()}
        return set(
            CorporationRecord.objects.filter(
                corporate_number__in=set(numbers), fingerprint__in=set(fingerprints)
            ).values_list("corporate_number", "fingerprint")
        )

    def _apply(self, records: list[tuple[NtaRow, int]]) -> None:
        """Move the current state forward to each record that is not older than it."""
        existing: dict[str, int] = {}  # corporate number → primary key
        precedence: dict[str, tuple[date, bool]] = {}
        for pk, number, update_date, latest in Corporation.objects.filter(
            corporate_number__in={row.corporate_number for row, _ in records}
        ).values_list("id", "corporate_number", "update_date", "record_latest"):
            existing[number] = pk
            precedence[number] = (update_date, latest)
        winners: dict[str, tuple[NtaRow, int]] = {}
        events: list[Event] = []
        for row, record_id in records:  # in file order, so later rows win ties
            mine = (row.update_date, row.latest)
            current = precedence.get(row.corporate_number)
            if current is not None and mine < current:
                continue  # an older row: history only
            precedence[row.corporate_number] = mine
            winners[row.corporate_number] = (row, record_id)
            if self.publish:
                events.append(
                    Event(
                        CORPORATION_CHANGED,
                        {"corporate_number": row.corporate_number, "process": row.process},
                    )
                )
        updated: list[dict[str, Any]] = []
        created: list[dict[str, Any]] = []
        for row, record_id in winners.values():
            values = current_values(row, record_id)
            values["id"] = existing.get(row.corporate_number)
            (created if values["id"] is None else updated).append(values)
        self.current.upsert(updated)
        if created:
            for values, pk in zip(created, self.current.next_ids(len(created)), strict=True):
                values["id"] = pk
            self.current.insert(created)
        if events:
            publish_many(events)  # delivered after the file's transaction commits


def _rejects_path_for(path: Path, rejects_path: Path | None, file_count: int) -> Path:
    if rejects_path is None:
        return default_rejects_path(path)
    if rejects_path.is_dir():
        return rejects_path / default_rejects_path(path).name
    if file_count > 1:
        # One rejects file per input file: FILE.rejects.csv → FILE.<input>.rejects.csv
        return rejects_path.with_name(f"{rejects_path.stem}.{path.name}{rejects_path.suffix}")
    return rejects_path


def import_file(
    path: Path,
    *,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file completely or not at all; see :func:`import_files`."""
    progress = progress or NoProgress()
    batch = start_batch(ImportBatch.Kind.CORPORATIONS, [path])
    result = ImportResult(batch_id=batch.pk)
    rejects = RejectsWriter(rejects_path or default_rejects_path(path)) if skip_invalid else None
    try:
        with transaction.atomic():
            _FileImport(
                path, batch, result, skip_invalid=skip_invalid, rejects=rejects, progress=progress
            ).run()
    except BaseException as exc:
        # The transaction rolled back: nothing of this file was written.
        result.rows_written = result.rows_unchanged = 0
        if rejects is not None:
            rejects.close()
            rejects.path.unlink(missing_ok=True)
        reason = str(exc) if isinstance(exc, ImportFailed) else f"{type(exc).__name__}: {exc}"
        finish_batch(batch, result, failed=reason)
        raise
    if rejects is not None:
        rejects.close()
        if rejects.count:
            result.rejects_paths.append(rejects.path)
    finish_batch(batch, result)
    return result


def import_files(
    paths: list[Path],
    *,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import NTA files in the order given, each completely or not at all.

    Raises :class:`ImportFailed` for the first file that cannot be imported
    (files before it stay imported). With ``skip_invalid`` valid rows are
    imported and bad rows written to ``rejects_path`` (a file, or a directory
    for several files) or ``FILE.rejects.csv``.
    """
    total = ImportResult()
    for path in paths:
        result = import_file(
            path,
            skip_invalid=skip_invalid,
            rejects_path=_rejects_path_for(path, rejects_path, len(paths)),
            progress=progress,
        )
        total.batch_id = result.batch_id
        total.rows_read += result.rows_read
        total.rows_written += result.rows_written
        total.rows_unchanged += result.rows_unchanged
        total.rows_rejected += result.rows_rejected
        total.rejects_paths.extend(result.rejects_paths)
    return total
