"""What the benchmark scripts share: child processes, fresh schemas, dumps and raw bulk inserts.

Each benchmark measures in fresh subprocesses (so peak RSS belongs to one
measurement) against fresh databases, and compares with the rows it wrote
inserted again through the database's own bulk path (``executemany`` on
SQLite, ``COPY`` on PostgreSQL), timing only the inserts and the commit.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432"
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))


def setup_django(db_url: str, var_dir: str) -> None:
    """Point Kasumi at one benchmark database and state directory, then set Django up."""
    os.environ["DATABASE_URL"] = db_url
    os.environ["KASUMI_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasumi.web.settings")
    import django

    django.setup()


def create_schema(models: list[tuple[str, str]]) -> None:
    """Create the tables from the models (the DDL a migration produces: indexes, constraints)."""
    from django.apps import apps
    from django.db import connection

    with connection.schema_editor() as editor:
        for app, model in models:
            editor.create_model(apps.get_model(app, model))


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script: str, mode: str, **kwargs: Any) -> dict[str, Any]:
    """Run ``script --child=MODE --key value…`` and return the JSON on its last stdout line."""
    cmd = [sys.executable, script, f"--child={mode}"]
    for key, value in kwargs.items():
        if value is True:
            cmd.append(f"--{key.replace('_', '-')}")
        elif value not in (None, False):
            cmd += [f"--{key.replace('_', '-')}", str(value)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"{mode} subprocess failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def pg_admin(pg: str, sql: str) -> None:
    """Run one statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def dump_tables(out: IO[bytes], tables: list[str]) -> dict[str, int]:
    """Pickle every row of ``tables`` in chunks (untimed); returns the row counts.

    SQLite rows are read without type converters, so the raw side inserts the
    very values stored (ISO text dates), as the importers do.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        raw_conn: Any = sqlite3.connect(connection.settings_dict["NAME"])
    else:
        connection.ensure_connection()
        raw_conn = connection.connection
    counts = {}
    cursor = raw_conn.cursor()
    for table in tables:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        columns = [d[0] for d in cursor.description]
        pickle.dump((table, columns), out)
        n = 0
        while rows := cursor.fetchmany(20000):
            pickle.dump([tuple(r) for r in rows], out)
            n += len(rows)
        pickle.dump(None, out)
        counts[table] = n
    return counts


def dumped_tables(dump: IO[bytes]) -> Iterator[tuple[str, list[str], Iterator[list[tuple]]]]:
    """(table, columns, chunks) from a dump file; chunks are unpickled lazily."""
    while True:
        try:
            table, columns = pickle.load(dump)
        except EOFError:
            return

        def chunks() -> Iterator[list[tuple]]:
            while (chunk := pickle.load(dump)) is not None:
                yield chunk

        yield table, columns, chunks()


def bulk_insert(dump: IO[bytes]) -> float:
    """Insert the rest of ``dump`` in one transaction through the bulk path.

    Returns the seconds spent in the inserts and the commit only; unpickling
    happens outside the timer.
    """
    from django.db import connection, transaction

    postgres = connection.vendor == "postgresql"
    timed = 0.0
    atomic = transaction.atomic()
    atomic.__enter__()
    with connection.cursor() as cursor:
        for table, columns, chunks in dumped_tables(dump):
            names = ", ".join(columns)
            marks = ", ".join(["%s"] * len(columns))
            for chunk in chunks:
                start = time.perf_counter()
                if postgres:
                    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in chunk:
                            copy.write_row(row)
                else:
                    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", chunk)
                timed += time.perf_counter() - start
    start = time.perf_counter()
    atomic.__exit__(None, None, None)  # COMMIT
    return timed + time.perf_counter() - start
