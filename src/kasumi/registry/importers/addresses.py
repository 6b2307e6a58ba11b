"""Importer for the Address Base Registry (アドレス・ベース・レジストリ) CSV masters.

Accepted files (UTF-8 with a header line, BOM allowed; or a ``.zip`` holding
exactly one such CSV, as the Digital Agency distributes them):

- 町字マスター ``mt_town`` → :class:`~kasumi.registry.models.AddressTown`
- 住居表示-街区マスター ``mt_rsdtdsp_blk`` → :class:`AddressBlock`
- 住居表示-住居マスター ``mt_rsdtdsp_rsdt`` → :class:`AddressResidence`

The master is recognised from the header, which must list exactly the columns
of one of them. Files are imported parents first (towns, blocks, residences)
whatever their order on the command line, each in its own transaction: a file
is written completely or not at all. With ``skip_invalid`` the valid rows of a
file are written and the others go to a rejects file.

Rows are read as a stream and written in chunks (upsert on the natural key),
so memory stays flat for files of millions of rows; re-importing a file
counts its rows as unchanged and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import models, transaction

from kasumi.core.codes import CodeError, is_prefecture_code, validate_local_government_code
from kasumi.registry.address_text import name_key, number_key
from kasumi.registry.importing import (
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
    start_batch,
)
from kasumi.registry.models import (
    AddressBlock,
    AddressMunicipality,
    AddressResidence,
    AddressTown,
    ImportBatch,
)

__all__ = ["BLOCK_COLUMNS", "RESIDENCE_COLUMNS", "TOWN_COLUMNS", "import_files"]

ENCODING = "utf-8"
CHUNK_ROWS = 2000
# Bounds the per-file memory of duplicate and parent look-ups; ABR files are
# sorted by key, so a window this size catches duplicates in practice.
_CACHE_LIMIT = 200_000

TOWN_COLUMNS = (
    "lg_code", "machiaza_id", "machiaza_type", "pref", "pref_kana", "pref_roma", "county",
    "county_kana", "county_roma", "city", "city_kana", "city_roma", "ward", "ward_kana",
    "ward_roma", "oaza_cho", "oaza_cho_kana", "oaza_cho_roma", "chome", "chome_kana",
    "chome_number", "koaza", "koaza_kana", "koaza_roma", "machiaza_dist", "rsdt_addr_flg",
    "rsdt_addr_mtd_code", "oaza_cho_aka_flg", "koaza_aka_code", "oaza_cho_gsi_uncmn",
    "koaza_gsi_uncmn", "status_flg", "wake_num_flg", "efct_date", "ablt_date", "src_code",
    "post_code", "remarks",
)  # fmt: skip
BLOCK_COLUMNS = (
    "lg_code", "machiaza_id", "blk_id", "city", "ward", "oaza_cho", "chome", "koaza",
    "machiaza_dist", "blk_num", "rsdt_addr_flg", "rsdt_addr_mtd_code", "status_flg",
    "efct_date", "ablt_date", "src_code", "remarks",
)  # fmt: skip
RESIDENCE_COLUMNS = (
    "lg_code", "machiaza_id", "blk_id", "rsdt_id", "rsdt2_id", "city", "ward", "oaza_cho",
    "chome", "koaza", "machiaza_dist", "blk_num", "rsdt_num", "rsdt_num2", "basic_rsdt_div",
    "rsdt_addr_flg", "rsdt_addr_mtd_code", "status_flg", "efct_date", "ablt_date", "src_code",
    "remarks",
)  # fmt: skip


class _Invalid(Exception):
    """One cell is wrong; ``column`` names it."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


# --- cell parsers -----------------------------------------------------------

Parser = Callable[[str], Any]
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def _lg_code(value: str) -> str:
    try:
        validate_local_government_code(value)
    except CodeError as exc:
        raise ValueError(str(exc)) from None
    if is_prefecture_code(value):
        raise ValueError(f"{value} is a prefecture code; ABR rows belong to a municipality")
    return value


def _digits(length: int, *, optional: bool = False) -> Parser:
    def parse(value: str) -> str:
        if optional and value == "":
            return ""
        if len(value) != length or not value.isascii() or not value.isdigit():
            empty = " or empty" if optional else ""
            raise ValueError(f"must be {length} ASCII digits{empty}, got {value!r}")
        return value

    return parse


def _flag(value: str) -> int:
    if value not in ("0", "1"):
        raise ValueError(f"must be 0 or 1, got {value!r}")
    return int(value)


def _flag_or_empty(value: str) -> str:
    if value not in ("", "0", "1"):
        raise ValueError(f"must be 0, 1 or empty, got {value!r}")
    return value


def _code(*, required: bool = False) -> Parser:
    def parse(value: str) -> str:
        if value == "" and not required:
            return ""
        if len(value) != 1 or not value.isascii() or not value.isdigit():
            raise ValueError(
                f"must be a one-digit code{'' if required else ' or empty'}, got {value!r}"
            )
        return value

    return parse


def _date(value: str) -> dt.date | None:
    if value == "":
        return None
    found = _DATE.match(value)
    if not found:
        raise ValueError(f"must be a date YYYY-MM-DD or empty, got {value!r}")
    try:
        return dt.date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise ValueError(f"{value} is not a date that exists") from None


def _chome_number(value: str) -> int | None:
    if value == "":
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 999:
        raise ValueError(f"must be a number 1–999 or empty, got {value!r}")
    return int(value)


def _text(max_length: int, *, required: bool = False) -> Parser:
    def parse(value: str) -> str:
        if required and value == "":
            raise ValueError("must not be empty")
        if len(value) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return value

    return parse


def _field_parser(model: type[models.Model], name: str) -> Parser:
    """A text parser sized from the model field (so the database never truncates)."""
    max_length = model._meta.get_field(name).max_length  # type: ignore[union-attr]
    return _text(max_length or 100_000)


# --- the three masters ------------------------------------------------------


@dataclass(frozen=True)
class Master:
    """One ABR master file type: its columns, model, natural key and parent."""

    name: str
    order: int
    columns: tuple[str, ...]
    model: type[models.Model]
    key_fields: tuple[str, ...]
    parsers: dict[str, Parser]
    parent_fields: tuple[str, ...] = ()
    parent_model: type[models.Model] | None = None
    parent_label: str = ""

    def parse(self, row: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for column, raw in zip(self.columns, row, strict=True):
            try:
                values[column] = self.parsers[column](raw.strip())
            except ValueError as exc:
                raise _Invalid(column, str(exc)) from None
        efct, ablt = values["efct_date"], values["ablt_date"]
        if efct is not None and ablt is not None and ablt < efct:
            raise _Invalid("ablt_date", f"abolished ({ablt}) before it took effect ({efct})")
        self._derive(values)
        return values

    def _derive(self, values: dict[str, Any]) -> None:
        if self.model is AddressTown:
            values["oaza_key"] = name_key(values["oaza_cho"])
            values["koaza_key"] = name_key(values["koaza"])
            if values["chome"] and values["chome_number"] is None:
                raise _Invalid("chome_number", f"is empty although chome is {values['chome']!r}")
        elif self.model is AddressBlock:
            values["blk_key"] = number_key(values["blk_num"])
        else:
            values["rsdt_key"] = number_key(values["rsdt_num"])
            values["rsdt2_key"] = number_key(values["rsdt_num2"]) if values["rsdt_num2"] else ""

    def key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values[f] for f in self.key_fields)

    def parent_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values[f] for f in self.parent_fields)

    @property
    def stored_fields(self) -> list[str]:
        return [f.name for f in self.model._meta.concrete_fields if f.name != "id"]


def _parsers(
    model: type[models.Model], columns: tuple[str, ...], special: dict[str, Parser]
) -> dict[str, Parser]:
    return {c: special.get(c) or _field_parser(model, c) for c in columns}


_COMMON: dict[str, Parser] = {
    "lg_code": _lg_code,
    "machiaza_id": _digits(7),
    "rsdt_addr_flg": _flag,
    "rsdt_addr_mtd_code": _code(),
    "status_flg": _code(),
    "efct_date": _date,
    "ablt_date": _date,
}

TOWN = Master(
    name="mt_town",
    order=0,
    columns=TOWN_COLUMNS,
    model=AddressTown,
    key_fields=("lg_code", "machiaza_id", "rsdt_addr_flg"),
    parsers=_parsers(
        AddressTown,
        TOWN_COLUMNS,
        _COMMON
        | {
            "machiaza_type": _code(required=True),
            "pref": _text(120, required=True),
            "city": _text(120, required=True),
            "chome_number": _chome_number,
            "oaza_cho_aka_flg": _code(),
            "koaza_aka_code": _code(),
            "oaza_cho_gsi_uncmn": _flag_or_empty,
            "koaza_gsi_uncmn": _flag_or_empty,
            "wake_num_flg": _flag_or_empty,
            "post_code": _digits(7, optional=True),
        },
    ),
)
BLOCK = Master(
    name="mt_rsdtdsp_blk",
    order=1,
    columns=BLOCK_COLUMNS,
    model=AddressBlock,
    key_fields=("lg_code", "machiaza_id", "blk_id"),
    parsers=_parsers(
        AddressBlock,
        BLOCK_COLUMNS,
        _COMMON
        | {
            "blk_id": _digits(3),
            "city": _text(120, required=True),
            "blk_num": _text(20, required=True),
        },
    ),
    parent_fields=("lg_code", "machiaza_id"),
    parent_model=AddressTown,
    parent_label="town (町字)",
)
RESIDENCE = Master(
    name="mt_rsdtdsp_rsdt",
    order=2,
    columns=RESIDENCE_COLUMNS,
    model=AddressResidence,
    key_fields=("lg_code", "machiaza_id", "blk_id", "rsdt_id", "rsdt2_id"),
    parsers=_parsers(
        AddressResidence,
        RESIDENCE_COLUMNS,
        _COMMON
        | {
            "blk_id": _digits(3),
            "rsdt_id": _digits(3),
            "rsdt2_id": _digits(4, optional=True),
            "city": _text(120, required=True),
            "blk_num": _text(20, required=True),
            "rsdt_num": _text(20, required=True),
            "basic_rsdt_div": _code(),
        },
    ),
    parent_fields=("lg_code", "machiaza_id", "blk_id"),
    parent_model=AddressBlock,
    parent_label="block (街区)",
)
MASTERS = (TOWN, BLOCK, RESIDENCE)


# --- sources: a CSV file or a zip holding one -------------------------------


class _FileProblem(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class _Source:
    path: Path
    member: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @classmethod
    def of(cls, path: Path) -> _Source:
        if path.suffix.lower() != ".zip":
            return cls(path)
        try:
            with zipfile.ZipFile(path) as archive:
                members = [
                    i.filename
                    for i in archive.infolist()
                    if not i.is_dir() and i.filename.lower().endswith(".csv")
                ]
        except zipfile.BadZipFile:
            raise _FileProblem(RowError(str(path), 0, None, "is not a readable zip file")) from None
        if len(members) != 1:
            found = ", ".join(members) if members else "none"
            raise _FileProblem(
                RowError(
                    str(path), 0, None, f"a zip must hold exactly one .csv file; found {found}"
                )
            )
        return cls(path, members[0])

    @contextmanager
    def open(self) -> Iterator[tuple[IO[bytes], int]]:
        """The raw byte stream and its size (uncompressed, for progress)."""
        if self.member is None:
            with self.path.open("rb") as fh:
                yield fh, self.path.stat().st_size
            return
        with zipfile.ZipFile(self.path) as archive:
            info = archive.getinfo(self.member)
            with archive.open(info) as fh:
                yield fh, info.file_size


def _read_header(source: _Source) -> list[str]:
    with source.open() as (raw, _size):
        first = raw.readline()
    if not first.strip():
        raise _FileProblem(RowError(source.label, 1, None, "is empty; expected a header line"))
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    try:
        text = first.decode(ENCODING)
    except UnicodeDecodeError:
        raise _FileProblem(RowError(source.label, 1, None, "header is not UTF-8 text")) from None
    return [c.strip() for c in next(csv.reader([text]))]


def detect_master(header: list[str]) -> Master | str:
    """The master whose columns the header lists exactly, or why none does."""
    for master in MASTERS:
        if tuple(header) == master.columns:
            return master
    closest = max(MASTERS, key=lambda m: len(set(m.columns) & set(header)))
    missing = [c for c in closest.columns if c not in header]
    extra = [c for c in header if c not in closest.columns]
    detail = []
    if missing:
        detail.append("missing " + ", ".join(missing))
    if extra:
        detail.append("unexpected " + ", ".join(extra))
    if not detail:
        detail.append("the columns are in a different order")
    return (
        "header matches none of the ABR masters mt_town, mt_rsdtdsp_blk, mt_rsdtdsp_rsdt; "
        f"closest is {closest.name}: {'; '.join(detail)}"
    )


# --- one file ---------------------------------------------------------------


class _FileImport:
    """Reads, validates and writes one file inside the caller's transaction."""

    def __init__(
        self, source: _Source, master: Master, *, skip_invalid: bool, rejects: RejectsWriter | None
    ) -> None:
        self.source = source
        self.master = master
        self.skip_invalid = skip_invalid
        self.rejects = rejects
        self.result = ImportResult()
        self.errors: list[RowError] = []
        self.error_count = 0
        self.seen: dict[tuple[Any, ...], int] = {}
        self.known_parents: set[tuple[Any, ...]] = set()
        self.municipalities: dict[str, dict[str, Any]] = {}
        self.fields = master.stored_fields
        self.update_fields = [f for f in self.fields if f not in master.key_fields]

    @property
    def failing(self) -> bool:
        return self.error_count > 0 and not self.skip_invalid

    def reject(self, line: int, column: str | None, reason: str, row: list[str] | None) -> None:
        error = RowError(self.source.label, line, column, reason)
        self.result.rows_rejected += 1
        self.error_count += 1
        if self.skip_invalid and self.rejects is not None:
            self.rejects.write(error, row)
        elif len(self.errors) < 100:
            self.errors.append(error)

    def run(self, progress: Progress) -> None:
        with self.source.open() as (raw, size):
            progress.start(self.source.label, size)
            try:
                self._read(decoded_lines(raw, ENCODING, progress))
            finally:
                progress.finish()
        if self.failing:
            raise ImportFailed(self.errors, self.error_count)
        if self.master is TOWN and self.municipalities:
            _refresh_municipalities(self.municipalities)

    def _read(self, lines: Iterator[str]) -> None:
        reader = csv.reader(lines)
        width = len(self.master.columns)
        chunk: list[tuple[int, list[str]]] = []
        last_line = 0
        try:
            for row in reader:
                start, last_line = last_line + 1, reader.line_num
                if start == 1 or not row:
                    continue  # the header (already checked) and blank lines
                self.result.rows_read += 1
                if len(row) != width:
                    self.reject(start, None, f"expected {width} fields, found {len(row)}", row)
                    continue
                chunk.append((start, row))
                if len(chunk) >= CHUNK_ROWS:
                    self._chunk(chunk)
                    chunk = []
        except DecodeFailed as exc:
            raise ImportFailed(
                [RowError(self.source.label, exc.line, None, f"is not valid {ENCODING} text")]
            ) from None
        except csv.Error as exc:
            raise ImportFailed(
                [RowError(self.source.label, reader.line_num, None, f"CSV syntax error: {exc}")]
            ) from None
        if chunk:
            self._chunk(chunk)

    def _chunk(self, chunk: list[tuple[int, list[str]]]) -> None:
        master = self.master
        valid: list[tuple[int, list[str], dict[str, Any]]] = []
        for line, row in chunk:
            try:
                values = master.parse(row)
            except _Invalid as exc:
                self.reject(line, exc.column, exc.reason, row)
                continue
            key = master.key(values)
            first = self.seen.get(key)
            if first is not None:
                self.reject(
                    line,
                    None,
                    f"duplicate key {'-'.join(map(str, key))}, first at line {first}",
                    row,
                )
                continue
            if len(self.seen) >= _CACHE_LIMIT:
                self.seen.clear()
            self.seen[key] = line
            valid.append((line, row, values))
        if master.parent_model is not None:
            valid = self._check_parents(valid)
        if master is TOWN:
            for _line, _row, values in valid:
                self._note_municipality(values)
        if not self.failing:
            self._write([values for _line, _row, values in valid])

    def _check_parents(
        self, rows: list[tuple[int, list[str], dict[str, Any]]]
    ) -> list[tuple[int, list[str], dict[str, Any]]]:
        master = self.master
        assert master.parent_model is not None
        wanted = {master.parent_key(v) for _l, _r, v in rows} - self.known_parents
        if wanted:
            if len(self.known_parents) >= _CACHE_LIMIT:
                self.known_parents.clear()
            lookup = {
                f"{name}__in": sorted({k[i] for k in wanted})
                for i, name in enumerate(master.parent_fields)
            }
            found = set(
                master.parent_model._default_manager.filter(**lookup).values_list(
                    *master.parent_fields
                )
            )
            self.known_parents |= found & wanted
        kept = []
        for line, row, values in rows:
            parent = master.parent_key(values)
            if parent in self.known_parents:
                kept.append((line, row, values))
            else:
                column = master.parent_fields[-1]
                self.reject(
                    line,
                    column,
                    f"{master.parent_label} {'-'.join(parent)} is not in the registry "
                    f"(import its master first)",
                    row,
                )
        return kept

    def _note_municipality(self, values: dict[str, Any]) -> None:
        # A current row names the municipality better than an abolished one.
        held = self.municipalities.get(values["lg_code"])
        if held is None or (held["abolished"] and values["ablt_date"] is None):
            self.municipalities[values["lg_code"]] = {
                "abolished": values["ablt_date"] is not None,
                **{
                    k: values[k]
                    for k in (
                        "pref",
                        "pref_kana",
                        "county",
                        "city",
                        "city_kana",
                        "ward",
                        "ward_kana",
                    )
                },
            }

    def _write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        master = self.master
        model = master.model
        lookup = {
            f"{name}__in": sorted({r[name] for r in rows})
            for name in master.key_fields
            if name != "rsdt_addr_flg"
        }
        existing = {
            tuple(v[: len(master.key_fields)]): v[len(master.key_fields) :]
            for v in model._default_manager.filter(**lookup).values_list(
                *master.key_fields, *self.update_fields
            )
        }
        changed = []
        for values in rows:
            stored = existing.get(master.key(values))
            if stored is not None and tuple(stored) == tuple(values[f] for f in self.update_fields):
                self.result.rows_unchanged += 1
            else:
                changed.append(model(**{f: values[f] for f in self.fields}))
        if changed:
            model._default_manager.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=list(master.key_fields),
                update_fields=self.update_fields,
            )
            self.result.rows_written += len(changed)


def _refresh_municipalities(found: dict[str, dict[str, Any]]) -> None:
    """Upsert the derived municipality rows the matcher starts from."""
    for lg_code, names in found.items():
        defaults = {k: v for k, v in names.items() if k != "abolished"}
        defaults |= {
            "pref_key": name_key(names["pref"]),
            "county_key": name_key(names["county"]),
            "city_key": name_key(names["city"]),
            "ward_key": name_key(names["ward"]),
        }
        AddressMunicipality.objects.update_or_create(lg_code=lg_code, defaults=defaults)


# --- entry point ------------------------------------------------------------


def _rejects_path(path: Path, rejects_path: Path | None, many: bool) -> Path:
    if rejects_path is None:
        return default_rejects_path(path)
    if rejects_path.is_dir():
        return rejects_path / default_rejects_path(path).name
    if not many:
        return rejects_path
    return rejects_path.with_name(f"{rejects_path.stem}.{path.name}{rejects_path.suffix}")


def _fail_file(path: Path, error: RowError) -> ImportFailed:
    batch = start_batch(ImportBatch.Kind.ADDRESSES, [path])
    failure = ImportFailed([error])
    finish_batch(batch, ImportResult(batch_id=batch.pk), failed=str(failure))
    return failure


def import_files(
    paths: list[Path],
    *,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import ABR master files (CSV or zip); each file all-or-nothing.

    Raises :class:`ImportFailed` for the first file with errors (unless
    ``skip_invalid``); files before it stay imported. A header that matches
    no master fails before anything is imported.
    """
    progress = progress or NoProgress()
    planned: list[tuple[Path, _Source, Master]] = []
    for path in paths:
        try:
            source = _Source.of(path)
            detected = detect_master(_read_header(source))
        except _FileProblem as problem:
            raise _fail_file(path, problem.error) from None
        if isinstance(detected, str):
            raise _fail_file(path, RowError(source.label, 1, None, detected))
        planned.append((path, source, detected))
    # Parents first, so a town file given after its block file still works.
    planned.sort(key=lambda p: p[2].order)

    total = ImportResult()
    for path, source, master in planned:
        batch = start_batch(ImportBatch.Kind.ADDRESSES, [path])
        rejects: RejectsWriter | None = None
        if skip_invalid:
            target = _rejects_path(path, rejects_path, len(planned) > 1)
            target.unlink(missing_ok=True)  # a stale file would describe another run
            rejects = RejectsWriter(target)
        job = _FileImport(source, master, skip_invalid=skip_invalid, rejects=rejects)
        try:
            with transaction.atomic():
                job.run(progress)
        except ImportFailed as exc:
            job.result.rows_written = job.result.rows_unchanged = 0
            finish_batch(batch, job.result, failed=str(exc))
            raise
        except Exception as exc:
            job.result.rows_written = job.result.rows_unchanged = 0
            finish_batch(batch, job.result, failed=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            if rejects is not None:
                rejects.close()
        finish_batch(batch, job.result)
        total.batch_id = batch.pk
        total.rows_read += job.result.rows_read
        total.rows_written += job.result.rows_written
        total.rows_unchanged += job.result.rows_unchanged
        total.rows_rejected += job.result.rows_rejected
        if rejects is not None and rejects.count:
            total.rejects_paths.append(rejects.path)
    return total
