"""Corporate-number import and name search, each against a reference from the same run.

    .venv/bin/python benchmarks/corporations_import.py [--rows 200000] [--db sqlite|postgres|both]

1. Generates (deterministically, synthetic data only) an NTA 30-column
   corporate-number CSV (法人番号公表サイト 全件データ shape: headerless, every
   field quoted, one row per corporation) with ``--rows`` rows: synthetic valid
   法人番号 (check digit from ``corporate_number_check_digit``, 12-digit bases
   beginning ``99``, in scrambled order), names built from synthetic morphemes
   (株式会社霞山商事, 東松建設有限会社, 一般社団法人桜森協会 …) with their
   フリガナ, ~8% closed (process 21), ~1% ``hihyoji``.
2. For SQLite (a fresh file database in a temporary directory) and PostgreSQL
   (fresh databases ``kasumi_bench_corp_*`` on ``--pg``, dropped afterwards;
   skipped with a notice when unreachable), each step in a fresh subprocess:

   a. **ours**: ``kasumi.registry.importers.corporations.import_files`` into
      empty tables; wall time and the subprocess's peak RSS (``ru_maxrss``).
   b. **re-import**: the same file again into the same database (every row is
      recognised as unchanged and nothing is written); wall time.
   c. **raw**: the very ``registry_corporationrecord`` and
      ``registry_corporation`` rows our importer wrote (dumped after (a),
      untimed) inserted into the same empty tables of another fresh database
      through the database's bulk path, ``executemany`` (SQLite) / ``COPY``
      with ``write_row`` (PostgreSQL), in one transaction; only the inserts and
      the commit are timed.
   d. **search**: ``kasumi.registry.corporations.search(name=…)`` (default
      ``match="contains"``: count plus the first page of 50) for ``--searches``
      kana queries (katakana, hiragana, half-width) and as many kanji queries
      (name stems, with and without the legal form), against the reference: the
      same number of plain indexed lookups
      ``Corporation.objects.filter(corporate_number=…).first()``. Each kind is
      warmed up with a few queries first; the timings then run back to back
      (PostgreSQL: after ``ANALYZE``, as autovacuum would have done).

   Import rates are CSV rows per second; the ratio is ours / raw.

Tables are created from the models with the schema editor (the same DDL a
migration produces: indexes, constraints), so the benchmark does not depend on
the state of migration files.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import random
import tempfile
import time
import unicodedata
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
from kasumi.core.prefectures import PREFECTURE_NAMES

SEED = 20240401

# Synthetic name parts (kanji, reading). Combinations are not meant to be real firms.
MORPHEMES = [
    ("霞", "カスミ"), ("山", "ヤマ"), ("川", "カワ"), ("東", "ヒガシ"), ("西", "ニシ"),
    ("南", "ミナミ"), ("北", "キタ"), ("中", "ナカ"), ("大", "オオ"), ("小", "コ"),
    ("高", "タカ"), ("田", "タ"), ("森", "モリ"), ("林", "ハヤシ"), ("松", "マツ"),
    ("竹", "タケ"), ("梅", "ウメ"), ("桜", "サクラ"), ("富士", "フジ"), ("青", "アオ"),
    ("緑", "ミドリ"), ("白", "シロ"), ("金", "カネ"), ("石", "イシ"), ("岡", "オカ"),
    ("浜", "ハマ"), ("島", "シマ"), ("沢", "サワ"), ("原", "ハラ"), ("野", "ノ"),
    ("朝日", "アサヒ"), ("日の出", "ヒノデ"), ("旭", "アサヒ"), ("光", "ヒカリ"), ("星", "ホシ"),
    ("和", "ワ"), ("平", "ヒラ"), ("新", "シン"), ("丸", "マル"), ("宮", "ミヤ"),
]  # fmt: skip
BUSINESS = [
    ("商事", "ショウジ"), ("工業", "コウギョウ"), ("建設", "ケンセツ"), ("産業", "サンギョウ"),
    ("不動産", "フドウサン"), ("電機", "デンキ"), ("運輸", "ウンユ"), ("食品", "ショクヒン"),
    ("物産", "ブッサン"), ("技研", "ギケン"), ("興業", "コウギョウ"), ("製作所", "セイサクショ"),
    ("システム", "システム"), ("商会", "ショウカイ"), ("設計", "セッケイ"), ("印刷", "インサツ"),
]  # fmt: skip
KANJI_DIGITS = "一二三四五六七八九"


def corporate_number(i: int) -> str:
    """The i-th synthetic 法人番号: a bijection of 0..10^10 (7919 is coprime to 10)."""
    from kasumi.core.codes import corporate_number_check_digit

    base = f"99{(i * 7919 + 1234567) % 10**10:010d}"
    return corporate_number_check_digit(base) + base


def _stem(rng: random.Random) -> tuple[str, str]:
    parts = rng.sample(MORPHEMES, 3 if rng.random() < 0.3 else 2)
    return "".join(k for k, _ in parts), "".join(r for _, r in parts)


def _name(rng: random.Random) -> tuple[str, str, str]:
    """(kind, name, furigana); the NTA's フリガナ leaves out the legal form."""
    stem, reading = _stem(rng)
    roll = rng.random()
    if roll < 0.82:
        business, business_reading = rng.choice(BUSINESS)
        stem, reading = stem + business, reading + business_reading
        if roll < 0.62:
            kind, form = "301", "株式会社"
        elif roll < 0.74:
            kind, form = "302", "有限会社"
        else:
            kind, form = "305", "合同会社"
        return kind, (form + stem if rng.random() < 0.6 else stem + form), reading
    if roll < 0.94:
        return "399", f"一般社団法人{stem}協会", reading + "キョウカイ"
    return "499", f"{stem}協同組合", reading + "キョウドウクミアイ"


def _day(rng: random.Random, first_year: int, last_year: int) -> str:
    return f"{rng.randint(first_year, last_year)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def generate(path: Path, rows: int) -> int:
    """Write ``rows`` NTA rows (UTF-8, all fields quoted, CRLF); return the row count."""
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        buf: list[list[str]] = []
        for i in range(rows):
            kind, name, furigana = _name(rng)
            pref = rng.randint(1, 47)
            town, _ = rng.choice(MORPHEMES)
            closed = rng.random() < 0.08
            hihyoji = rng.random() < 0.01
            update = _day(rng, 2016, 2024)
            buf.append([
                str(i + 1), corporate_number(i), "21" if closed else "01", "0", update,
                update if closed else "2015-10-05", name, "", kind, PREFECTURE_NAMES[pref - 1],
                f"{rng.choice(MORPHEMES)[0]}市",
                f"{town}町{KANJI_DIGITS[rng.randrange(9)]}丁目{rng.randint(1, 30)}番"
                f"{rng.randint(1, 20)}号",
                "", f"{pref:02d}", f"{rng.randint(101, 999)}", f"{rng.randrange(10**7):07d}",
                "", "", update if closed else "", "01" if closed else "", "", "", "2015-10-05",
                "1", f"Synthetic Corporation {i + 1}" if rng.random() < 0.05 else "",
                "", "", "", furigana, "1" if hihyoji else "0",
            ])  # fmt: skip
            if len(buf) >= 10000:
                writer.writerows(buf)
                buf = []
        writer.writerows(buf)
    return rows


# --- search queries (deterministic, computed in the search subprocess) ------------------------


def _half_width_table() -> dict[str, str]:
    """Full-width katakana → half-width (ガ → ｶﾞ), the inverse of NFKC on U+FF61–FF9F."""
    table: dict[str, str] = {}
    halves = [chr(c) for c in range(0xFF66, 0xFF9E)]
    for half in halves:
        table.setdefault(unicodedata.normalize("NFKC", half), half)
        for mark in ("ﾞ", "ﾟ"):
            full = unicodedata.normalize("NFKC", half + mark)
            if len(full) == 1:
                table.setdefault(full, half + mark)
    return table


def search_queries(count: int) -> tuple[list[str], list[str]]:
    """``count`` kana and ``count`` kanji queries, each naming stems the data holds."""
    rng = random.Random(SEED + 1)
    half = _half_width_table()
    kana: list[str] = []
    kanji: list[str] = []
    for n in range(count):
        parts = rng.sample(MORPHEMES, 2)
        business, business_reading = rng.choice(BUSINESS)
        reading = "".join(r for _, r in parts) + business_reading
        style = n % 3
        if style == 0:
            kana.append(reading)  # katakana, as the NTA writes フリガナ
        elif style == 1:
            kana.append("".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in reading))
        else:
            kana.append("".join(half.get(c, c) for c in reading))  # ｶｽﾐﾔﾏｼｮｳｼﾞ
        stem = "".join(k for k, _ in parts)
        kanji.append([stem + business, stem, f"株式会社{stem}{business}"][n % 3])
    return kana, kanji


# --- subprocess side --------------------------------------------------------------------------

MODELS = [
    ("core", "Organisation"),
    ("registry", "ImportBatch"),
    ("registry", "CorporationRecord"),
    ("registry", "Corporation"),
]
TABLES = ["registry_corporationrecord", "registry_corporation"]  # insert order (FK)


def child_schema(args: argparse.Namespace) -> dict[str, Any]:
    setup_django(args.db_url, args.var_dir)
    create_schema(MODELS)
    return {}


def child_import(args: argparse.Namespace) -> dict[str, Any]:
    setup_django(args.db_url, args.var_dir)
    from kasumi.registry.importers.corporations import import_files
    from kasumi.registry.importing import NoProgress, TqdmProgress

    progress = TqdmProgress() if args.progress else NoProgress()
    start = time.perf_counter()
    result = import_files([Path(args.csv)], progress=progress)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": result.rows_read, "written": result.rows_written,
            "unchanged": result.rows_unchanged, "rejected": result.rows_rejected,
            "peak_mb": maxrss_mb()}  # fmt: skip


def child_dump(args: argparse.Namespace) -> dict[str, Any]:
    """Pickle the rows the importer wrote, in chunks per table (untimed).

    The import batches are dumped as ids only: the raw side recreates them
    untimed (the records reference them).
    """
    setup_django(args.db_url, args.var_dir)
    from kasumi.registry.models import ImportBatch

    with open(args.dump, "wb") as out:
        pickle.dump(list(ImportBatch.objects.values_list("id", "kind")), out)
        counts = dump_tables(out, TABLES)
    return {"counts": counts}


def child_raw(args: argparse.Namespace) -> dict[str, Any]:
    """Insert the dumped rows through the bulk path; time only the inserts and commit."""
    setup_django(args.db_url, args.var_dir)
    from kasumi.registry.models import ImportBatch

    with open(args.dump, "rb") as dump:
        for pk, kind in pickle.load(dump):
            ImportBatch.objects.create(id=pk, kind=kind)
        timed = bulk_insert(dump)
    return {"seconds": timed, "peak_mb": maxrss_mb()}


def child_search(args: argparse.Namespace) -> dict[str, Any]:
    """Time name searches and the by-number reference on the imported data."""
    setup_django(args.db_url, args.var_dir)
    from django.db import connection

    from kasumi.registry.corporations import search
    from kasumi.registry.models import Corporation

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by the time people search
    count = args.searches
    kana, kanji = search_queries(count)
    rng = random.Random(SEED + 2)
    numbers = [corporate_number(rng.randrange(args.rows)) for _ in range(count)]

    def run_search(queries: list[str]) -> tuple[float, int]:
        hits = 0
        start = time.perf_counter()
        for query in queries:
            hits += search(name=query).count
        return time.perf_counter() - start, hits

    def run_lookups(keys: list[str]) -> tuple[float, int]:
        found = 0
        start = time.perf_counter()
        for number in keys:
            found += Corporation.objects.filter(corporate_number=number).first() is not None
        return time.perf_counter() - start, found

    warm = 3
    run_search(kana[:warm])
    run_search(kanji[:warm])
    run_lookups(numbers[:warm])
    out: dict[str, Any] = {}
    for label, (seconds, hits) in (
        ("kana", run_search(kana)),
        ("kanji", run_search(kanji)),
        ("number", run_lookups(numbers)),
    ):
        out[label] = {"seconds": seconds, "queries": count, "hits": hits}
    return out


# --- the parent ------------------------------------------------------------------------------


def bench_database(name: str, tmp: Path, csv_path: Path, args: argparse.Namespace) -> dict:
    var_dir = tmp / f"var-{name}"
    var_dir.mkdir(exist_ok=True)
    dump = tmp / f"dump-{name}.pickle"
    pg = args.pg
    cleanup: list[str] = []
    if name == "sqlite":
        ours_url = f"sqlite:///{tmp / 'ours.sqlite3'}"
        raw_url = f"sqlite:///{tmp / 'raw.sqlite3'}"
    else:
        ours_db, raw_db = (
            f"kasumi_bench_corp_ours_{os.getpid()}",
            f"kasumi_bench_corp_raw_{os.getpid()}",
        )
        for db in (ours_db, raw_db):
            pg_admin(pg, f"DROP DATABASE IF EXISTS {db}")
            pg_admin(pg, f"CREATE DATABASE {db}")
            cleanup.append(db)
        ours_url, raw_url = f"{pg}/{ours_db}", f"{pg}/{raw_db}"
    common = {"var_dir": var_dir}
    try:
        run_child(__file__, "schema", db_url=ours_url, **common)
        print(f"{name}: importing …", flush=True)
        ours = run_child(
            __file__, "import", db_url=ours_url, csv=csv_path, progress=args.progress, **common
        )
        dumped = run_child(__file__, "dump", db_url=ours_url, dump=dump, **common)
        print(f"{name}: re-importing …", flush=True)
        again = run_child(__file__, "import", db_url=ours_url, csv=csv_path, **common)
        print(f"{name}: searching …", flush=True)
        searched = run_child(
            __file__, "search", db_url=ours_url, rows=args.rows, searches=args.searches, **common
        )
        print(f"{name}: raw bulk insert …", flush=True)
        run_child(__file__, "schema", db_url=raw_url, **common)
        raw = run_child(__file__, "raw", db_url=raw_url, dump=dump, **common)
    finally:
        for db in cleanup:
            pg_admin(pg, f"DROP DATABASE IF EXISTS {db}")
        dump.unlink(missing_ok=True)
    return {"ours": ours, "again": again, "raw": raw, "counts": dumped["counts"],
            "search": searched}  # fmt: skip


def print_report(rows: int, results: list[tuple[str, dict]]) -> None:
    print()
    print(f"Corporate-number import, {rows:,} CSV rows (rows/s; raw = the same rows through the "
          f"database's bulk path)")  # fmt: skip
    print(f"{'database':10} {'ours rows/s':>12} {'raw rows/s':>12} {'ratio':>7} {'ours s':>8} "
          f"{'raw s':>7} {'peak MB':>8} {'re-import rows/s':>17} {'re-import s':>12}")  # fmt: skip
    for name, r in results:
        ours, raw, again = r["ours"], r["raw"], r["again"]
        print(
            f"{name:10} {rows / ours['seconds']:12,.0f} {rows / raw['seconds']:12,.0f} "
            f"{raw['seconds'] / ours['seconds']:7.0%} {ours['seconds']:8.1f} {raw['seconds']:7.1f} "
            f"{ours['peak_mb']:8.0f} {rows / again['seconds']:17,.0f} {again['seconds']:12.1f}"
        )
    print()
    print("Name search, search(name=…) contains (queries/s; ref = Corporation.objects"
          ".filter(corporate_number=…).first())")  # fmt: skip
    print(f"{'database':10} {'queries':18} {'n':>5} {'queries/s':>10} {'of ref':>8} "
          f"{'ms/query':>9} {'hits/query':>11}")  # fmt: skip
    for name, r in results:
        ref = r["search"]["number"]
        ref_rate = ref["queries"] / ref["seconds"]
        for key, label in (("kana", "search kana"), ("kanji", "search kanji"),
                           ("number", "ref: by number")):  # fmt: skip
            s = r["search"][key]
            rate = s["queries"] / s["seconds"]
            print(
                f"{name:10} {label:18} {s['queries']:5} {rate:10,.1f} {rate / ref_rate:8.2%} "
                f"{1000 * s['seconds'] / s['queries']:9.2f} {s['hits'] / s['queries']:11.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="CSV rows (default 200,000)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server URL (no database)")
    parser.add_argument("--searches", type=int, default=60, help="queries per kind (default 60)")
    parser.add_argument("--progress", action="store_true", help="show the importer's progress bar")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        handler = {"schema": child_schema, "import": child_import, "dump": child_dump,
                   "raw": child_raw, "search": child_search}[args.child]  # fmt: skip
        print(json.dumps(handler(args)))
        return

    with tempfile.TemporaryDirectory(prefix="kasumi-bench-corp-") as tmpdir:
        tmp = Path(tmpdir)
        csv_path = tmp / "corporations.csv"
        start = time.perf_counter()
        rows = generate(csv_path, args.rows)
        size = csv_path.stat().st_size / 1e6
        print(f"generated {rows:,} rows ({size:.0f} MB) in {time.perf_counter() - start:.1f} s")
        results = []
        for name in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
            if name == "postgres":
                try:
                    pg_admin(args.pg, "SELECT 1")
                except Exception as exc:
                    print(f"NOTICE: PostgreSQL at {args.pg} is unreachable ({exc}); skipped")
                    continue
            r = bench_database(name, tmp, csv_path, args)
            ours, again = r["ours"], r["again"]
            if ours["rows"] != rows or ours["rejected"] or again["unchanged"] != rows:
                raise SystemExit(f"{name}: unexpected import result {ours} / re-import {again}")
            written = ", ".join(f"{t.removeprefix('registry_')} {n:,}"
                                for t, n in r["counts"].items())  # fmt: skip
            print(f"{name}: wrote {written}; re-import: {again['unchanged']:,} unchanged")
            results.append((name, r))
        if results:
            print_report(rows, results)


if __name__ == "__main__":
    main()
