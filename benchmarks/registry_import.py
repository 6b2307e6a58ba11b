"""Resident import benchmark: our importer against the database's own bulk path.

    .venv/bin/python benchmarks/registry_import.py [--rows 1000000] [--db sqlite,postgres]

1. Generates (deterministically, synthetic data only) a CSV of N residents in
   the format of ``docs/registry/resident-import-format.md``: one
   ``registration`` row per person, in households of 1–5 with a head each,
   everyone with a synthetic 個人番号, plus ``--later-events`` (a share of the
   persons) ``move_within`` rows after the snapshot.
2. For SQLite (a fresh file database in a temporary directory) and PostgreSQL
   (a fresh database ``kasumi_bench_*`` on ``--pg``, dropped afterwards;
   skipped with a notice when unreachable):

   a. **ours**: ``import_files`` in a fresh subprocess; wall time and the
      subprocess's peak RSS (``ru_maxrss``).
   b. **raw**: the very rows our importer wrote (persons, households, events,
      periods — dumped from (a) beforehand, untimed) inserted into the same
      empty tables of another fresh database through the database's bulk path,
      ``executemany`` (SQLite) / ``COPY`` with ``write_row`` (PostgreSQL), in
      one transaction; only the inserts and the commit are timed.

   Both rates are residents (CSV rows) per second. Targets: ours ≥ 50% of raw,
   peak < 500 MB.

Tables are created from the models with the schema editor (the same DDL a
migration produces: indexes, constraints), so the benchmark does not depend on
the state of migration files.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import (
    PG_DEFAULT,
    bulk_insert,
    create_schema,
    dump_tables,
    maxrss_mb,
    pg_admin,
    run_child,
    setup_django,
)
from kasumi.core.codes import my_number_check_digit, resident_code_check_digit

LG_CODE = "131016"  # 千代田区

FAMILY = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
    ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"),
    ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"),
    ("阿部", "アベ"), ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"),
    ("石井", "イシイ"), ("小川", "オガワ"), ("前田", "マエダ"), ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"), ("近藤", "コンドウ"),
    ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト"),
    ("髙橋", "タカハシ"), ("齋藤", "サイトウ"), ("渡邉", "ワタナベ"), ("山﨑", "ヤマサキ"),
]  # fmt: skip
GIVEN_M = [
    ("太郎", "タロウ"), ("一郎", "イチロウ"), ("健太", "ケンタ"), ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"), ("拓也", "タクヤ"), ("蓮", "レン"), ("悠真", "ユウマ"),
    ("湊", "ミナト"), ("陽翔", "ハルト"), ("誠", "マコト"), ("浩", "ヒロシ"),
    ("学", "マナブ"), ("直樹", "ナオキ"), ("和也", "カズヤ"), ("隆", "タカシ"),
]  # fmt: skip
GIVEN_F = [
    ("花子", "ハナコ"), ("陽子", "ヨウコ"), ("美咲", "ミサキ"), ("さくら", "サクラ"),
    ("結衣", "ユイ"), ("葵", "アオイ"), ("陽菜", "ヒナ"), ("恵子", "ケイコ"),
    ("幸子", "サチコ"), ("由美", "ユミ"), ("真由美", "マユミ"), ("愛", "アイ"),
    ("彩", "アヤ"), ("凛", "リン"), ("芽依", "メイ"), ("智子", "トモコ"),
]  # fmt: skip
TOWNS = [
    ("0001001", "内幸町一丁目"), ("0001002", "内幸町二丁目"), ("0002001", "霞が関一丁目"),
    ("0002002", "霞が関二丁目"), ("0002003", "霞が関三丁目"), ("0003001", "永田町一丁目"),
    ("0003002", "永田町二丁目"), ("0004001", "麹町一丁目"), ("0004002", "麹町二丁目"),
    ("0005001", "神田神保町一丁目"), ("0005002", "神田神保町二丁目"), ("0006001", "丸の内一丁目"),
]  # fmt: skip
HEADER = (
    "event_id,event_type,effective_date,lg_code,resident_code,family_name,given_name,"
    "family_name_kana,given_name_kana,birth_date,sex,my_number,household_number,relationship,"
    "machiaza_id,blk_id,rsdt_id,rsdt2_id,address,note\n"
)
RELATIONS = ["head", "spouse", "child", "child", "parent"]


def resident_code(i: int) -> str:
    # A bijection of 0..10^10 (7919 is coprime to 10): codes arrive in random order.
    base = f"{(i * 7919 + 1234567) % 10**10:010d}"
    return base + resident_code_check_digit(base)


def my_number(i: int) -> str:
    # Synthetic 個人番号 with a valid check digit; never a real person's on purpose.
    base = f"9{(i * 104729 + 99991) % 10**10:010d}"
    return base + my_number_check_digit(base)


def _date(day: int) -> str:
    """Day 0 = 1930-01-01; cheap and deterministic (every month has 28 days here)."""
    year, rest = divmod(day, 336)
    month, dom = divmod(rest, 28)
    return f"{1930 + year:04d}-{month + 1:02d}-{dom + 1:02d}"


def generate(path: Path, rows: int, later_events: float = 0.0) -> int:
    """Write ``rows`` registrations (+ a share of moves); return the number of lines."""
    lines = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        buf: list[str] = []
        i = 0
        household = 0
        while i < rows:
            household += 1
            size = 1 + (household * 2654435761 >> 7) % 5
            family, family_kana = FAMILY[household % len(FAMILY)]
            town_id, town = TOWNS[household % len(TOWNS)]
            blk = 1 + household % 30
            rsdt = 1 + (household // 30) % 40
            address = f"東京都千代田区{town}{blk}番{rsdt}号"
            head_birth = 2000 + (household * 7) % 18000  # 1936 .. 1989
            for member in range(min(size, rows - i)):
                relation = RELATIONS[member]
                h = (i * 2246822519) >> 5
                female = (h + member) % 2 == 1
                given, given_kana = (GIVEN_F if female else GIVEN_M)[h % 16]
                if relation == "child":
                    birth = head_birth + 8000 + h % 3000
                elif relation == "parent":
                    birth = head_birth - 9000 - h % 2000
                else:
                    birth = head_birth + h % 1500 - 750
                buf.append(
                    f"R{i:09d},registration,2024-04-01,{LG_CODE},{resident_code(i)},{family},"
                    f"{given},{family_kana},{given_kana},{_date(birth)},{2 if female else 1},"
                    f"{my_number(i)},H{household:08d},{relation},{town_id},{blk:03d},"
                    f"{rsdt:03d},,{address},\n"
                )
                i += 1
            if len(buf) >= 10000:
                out.write("".join(buf))
                lines += len(buf)
                buf = []
        out.write("".join(buf))
        lines += len(buf)
        if later_events > 0:
            # Everyone in every k-th household moves within the ward on 2024-06-01
            # (only non-heads, so households keep exactly one head).
            step = max(1, round(1 / later_events))
            buf = []
            for j in range(0, rows, step):
                town_id, town = TOWNS[(j + 5) % len(TOWNS)]
                buf.append(
                    f"M{j:09d},move_within,2024-06-01,{LG_CODE},{resident_code(j)},,,,,,,,,,"
                    f"{town_id},,,,東京都千代田区{town}{1 + j % 9}番{1 + j % 7}号,\n"
                )
            out.write("".join(buf))
            lines += len(buf)
    return lines


# --- subprocess side --------------------------------------------------------------------------

MODELS = [
    ("core", "Organisation"),
    ("registry", "ImportBatch"),
    ("registry", "Person"),
    ("registry", "Household"),
    ("registry", "ResidentEvent"),
    ("registry", "ResidentRecord"),
]
TABLES = [
    "registry_person",
    "registry_household",
    "registry_residentevent",
    "registry_residentrecord",
]


def child_setup(args: argparse.Namespace) -> dict[str, Any]:
    setup_django(args.db_url, args.var_dir)
    from kasumi.core.models import Organisation

    create_schema(MODELS)
    Organisation.objects.create(code="130001", name="東京都", kind="prefecture")
    Organisation.objects.create(code=LG_CODE, name="千代田区", kind="municipality")
    return {}


def child_import(args: argparse.Namespace) -> dict[str, Any]:
    setup_django(args.db_url, args.var_dir)
    from kasumi.registry.importers.residents import import_files
    from kasumi.registry.importing import NoProgress, TqdmProgress

    progress = TqdmProgress() if args.progress else NoProgress()
    start = time.perf_counter()
    result = import_files([Path(args.csv)], progress=progress)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": result.rows_read, "written": result.rows_written,
            "peak_mb": maxrss_mb()}  # fmt: skip


def child_dump(args: argparse.Namespace) -> dict[str, Any]:
    """Write the rows the importer produced, as pickled chunks per table (untimed)."""
    setup_django(args.db_url, args.var_dir)
    with open(args.dump, "wb") as out:
        counts = dump_tables(out, ["core_organisation", "registry_importbatch", *TABLES])
    return {"counts": counts}


def child_raw(args: argparse.Namespace) -> dict[str, Any]:
    """Insert the dumped rows through the bulk path; time only the inserts and commit."""
    setup_django(args.db_url, args.var_dir)
    from django.db import connection

    if connection.vendor == "sqlite":
        # The same page cache the importer uses while it imports (fair reference).
        from kasumi.registry.importers.residents import SQLITE_CACHE_KIB

        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    with open(args.dump, "rb") as dump:
        timed = bulk_insert(dump)
    return {"seconds": timed, "peak_mb": maxrss_mb()}


# --- the parent ------------------------------------------------------------------------------


def bench_database(name: str, tmp: Path, csv_path: Path, rows: int, pg: str, progress: bool):
    var_dir = tmp / f"var-{name}"
    var_dir.mkdir(exist_ok=True)
    dump = tmp / f"dump-{name}.pickle"
    if name == "sqlite":
        ours_url = f"sqlite:///{tmp / 'ours.sqlite3'}"
        raw_url = f"sqlite:///{tmp / 'raw.sqlite3'}"
        cleanup = []
    else:
        suffix = os.getpid()
        ours_db, raw_db = f"kasumi_bench_ours_{suffix}", f"kasumi_bench_raw_{suffix}"
        for db in (ours_db, raw_db):
            pg_admin(pg, f"DROP DATABASE IF EXISTS {db}")
            pg_admin(pg, f"CREATE DATABASE {db}")
        ours_url, raw_url = f"{pg}/{ours_db}", f"{pg}/{raw_db}"
        cleanup = [ours_db, raw_db]
    try:
        run_child(__file__, "setup", db_url=ours_url, var_dir=var_dir)
        ours = run_child(
            __file__, "import", db_url=ours_url, var_dir=var_dir, csv=csv_path, progress=progress
        )
        dumped = run_child(__file__, "dump", db_url=ours_url, var_dir=var_dir, dump=dump)
        # The raw side gets only the tables; organisations and the batch come from the dump.
        run_child(__file__, "schema", db_url=raw_url, var_dir=var_dir)
        raw = run_child(__file__, "raw", db_url=raw_url, var_dir=var_dir, dump=dump)
    finally:
        for db in cleanup:
            pg_admin(pg, f"DROP DATABASE IF EXISTS {db}")
        dump.unlink(missing_ok=True)
    return ours, raw, dumped["counts"]


def child_schema(args: argparse.Namespace) -> dict[str, Any]:
    setup_django(args.db_url, args.var_dir)
    create_schema(MODELS)
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--later-events", type=float, default=0.0)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server URL (no database)")
    parser.add_argument("--progress", action="store_true", help="show the importer's progress bar")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        handler = {"setup": child_setup, "import": child_import, "dump": child_dump,
                   "raw": child_raw, "schema": child_schema}[args.child]  # fmt: skip
        print(json.dumps(handler(args)))
        return

    with tempfile.TemporaryDirectory(prefix="kasumi-bench-") as tmpdir:
        tmp = Path(tmpdir)
        csv_path = tmp / "residents.csv"
        start = time.perf_counter()
        lines = generate(csv_path, args.rows, args.later_events)
        size = csv_path.stat().st_size / 1e6
        print(f"generated {lines:,} rows ({size:.0f} MB) in {time.perf_counter() - start:.1f} s")
        results = []
        for name in [d.strip() for d in args.db.split(",") if d.strip()]:
            if name == "postgres":
                try:
                    pg_admin(args.pg, "SELECT 1")
                except Exception as exc:
                    print(f"NOTICE: PostgreSQL at {args.pg} is unreachable ({exc}); skipped")
                    continue
            print(f"{name}: importing …", flush=True)
            ours, raw, counts = bench_database(name, tmp, csv_path, lines, args.pg, args.progress)
            written = ", ".join(f"{t.removeprefix('registry_')} {n:,}" for t, n in counts.items()
                                if t in TABLES)  # fmt: skip
            print(f"{name}: wrote {written}")
            results.append((name, lines / ours["seconds"], lines / raw["seconds"], ours, raw))

        print()
        print(f"Resident import, {lines:,} rows (residents/s; raw = the same rows through the "
              f"database's bulk path)")  # fmt: skip
        print(f"{'database':10} {'ours rows/s':>12} {'raw rows/s':>12} {'ratio':>7} "
              f"{'target':>7} {'ours s':>8} {'raw s':>8} {'peak MB':>8} {'target':>7}")  # fmt: skip
        for name, ours_rate, raw_rate, ours, raw in results:
            ratio = ours_rate / raw_rate
            print(
                f"{name:10} {ours_rate:12,.0f} {raw_rate:12,.0f} {ratio:7.0%} {'≥ 50%':>7} "
                f"{ours['seconds']:8.1f} {raw['seconds']:8.1f} {ours['peak_mb']:8.0f} "
                f"{'< 500':>7}  {'OK' if ratio >= 0.5 and ours['peak_mb'] < 500 else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
