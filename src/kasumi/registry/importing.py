"""What every registry importer shares: row errors, streaming input, rejects, batches.

An importer reads files as a stream (constant memory), reports each bad row as
``FILE:LINE: column COLUMN: reason``, and writes a file completely or not at
all — unless asked to skip invalid rows, in which case they go to a rejects file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from django.utils import timezone

from kasumi.registry.models import ImportBatch

MAX_REPORTED_ERRORS = 100


@dataclass(frozen=True)
class RowError:
    """Why one row (or the file itself, line 0) cannot be imported."""

    file: str
    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return (
            f"{where}: column {self.column}: {self.reason}"
            if self.column
            else f"{where}: {self.reason}"
        )


class ImportFailed(Exception):
    """The import wrote nothing; ``errors`` says why (at most 100 are kept)."""

    def __init__(self, errors: list[RowError], total: int | None = None) -> None:
        self.errors = errors[:MAX_REPORTED_ERRORS]
        self.total = total if total is not None else len(errors)
        more = (
            f" (and {self.total - len(self.errors)} more)" if self.total > len(self.errors) else ""
        )
        super().__init__("\n".join(str(e) for e in self.errors) + more)


@dataclass
class ImportResult:
    """What an import did; ``rows_unchanged`` counts rows already present (re-imports)."""

    batch_id: int | None = None
    rows_read: int = 0
    rows_written: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    rejects_paths: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.rows_read} rows read, {self.rows_written} written, "
            f"{self.rows_unchanged} unchanged, {self.rows_rejected} rejected"
        )
        if self.rejects_paths:
            text += "; rejects in " + ", ".join(str(p) for p in self.rejects_paths)
        return text


class Progress(Protocol):
    """Told how many bytes of the current file were consumed."""

    def start(self, name: str, total_bytes: int) -> None: ...
    def advance(self, nbytes: int) -> None: ...
    def finish(self) -> None: ...


class NoProgress:
    def start(self, name: str, total_bytes: int) -> None:
        pass

    def advance(self, nbytes: int) -> None:
        pass

    def finish(self) -> None:
        pass


class TqdmProgress:
    """A progress bar on stderr, in bytes of the file (rows vary in length)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.bar = None

    def start(self, name: str, total_bytes: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            desc=name,
            file=self.stream,
            mininterval=0.5,
        )

    def advance(self, nbytes: int) -> None:
        if self.bar is not None:
            self.bar.update(nbytes)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class DecodeFailed(Exception):
    def __init__(self, line: int, encoding: str) -> None:
        super().__init__(f"line {line} is not valid {encoding} text")
        self.line = line


def decoded_lines(
    raw: IO[bytes], encoding: str, progress: Progress | None = None, chunk_bytes: int = 1 << 16
) -> Iterator[str]:
    """Decode ``raw`` line by line, reporting bytes consumed; a BOM is dropped.

    Raises :class:`DecodeFailed` with the physical line number of the first
    undecodable line, so the caller can report ``FILE:LINE``.
    """
    progress = progress or NoProgress()
    pending = 0
    for lineno, rawline in enumerate(raw, start=1):
        if (
            lineno == 1
            and rawline.startswith(b"\xef\xbb\xbf")
            and encoding.replace("-", "") == "utf8"
        ):
            rawline = rawline[3:]
        try:
            yield rawline.decode(encoding)
        except UnicodeDecodeError:
            raise DecodeFailed(lineno, encoding) from None
        pending += len(rawline)
        if pending >= chunk_bytes:
            progress.advance(pending)
            pending = 0
    progress.advance(pending)


def sniff_encoding(path: Path, candidates: tuple[str, ...] = ("utf-8", "cp932")) -> str:
    """The first candidate that decodes the first megabyte (NTA files may be Shift_JIS)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    # Do not judge on a multi-byte character cut at the end of the sample.
    cut = head.rfind(b"\n")
    sample = head[: cut + 1] if cut >= 0 and len(head) == 1 << 20 else head
    for encoding in candidates:
        try:
            sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return candidates[0]


class RejectsWriter:
    """Rejected rows with their line and reason, as CSV, for ``--skip-invalid``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fh: io.TextIOWrapper | None = None
        self._writer: csv.DictWriter[str] | None = None

    def write(self, error: RowError, row: list[str] | None) -> None:
        if self._writer is None:
            # Rejected rows carry personal data: readable by the importing user only.
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self._fh = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close())
            self._writer = csv.DictWriter(self._fh, ["line", "column", "reason", "row"])
            self._writer.writeheader()
        self._writer.writerow(
            {
                "line": error.line,
                "column": error.column or "",
                "reason": error.reason,
                "row": "" if row is None else _join_csv(row),
            }
        )
        self.count += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _join_csv(row: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(row)
    return buffer.getvalue()


def default_rejects_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.csv")


def start_batch(kind: str, paths: list[Path], organisation_id: int | None = None) -> ImportBatch:
    files = [{"name": p.name, "sha256": file_digest(p), "bytes": p.stat().st_size} for p in paths]
    return ImportBatch.objects.create(kind=kind, files=files, organisation_id=organisation_id)


def finish_batch(batch: ImportBatch, result: ImportResult, *, failed: str | None = None) -> None:
    batch.rows_read = result.rows_read
    batch.rows_written = result.rows_written
    batch.rows_unchanged = result.rows_unchanged
    batch.rows_rejected = result.rows_rejected
    batch.status = ImportBatch.Status.FAILED if failed else ImportBatch.Status.DONE
    batch.message = (failed or "")[:2000]
    batch.finished_at = timezone.now()
    batch.save()
