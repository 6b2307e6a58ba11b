"""Address matching on a synthetic municipality, against an indexed lookup from the same run.

    .venv/bin/python benchmarks/address_match.py [--residences 50000] [--db sqlite|postgres|both]

1. Generates (deterministically, synthetic data only) ABR-shaped masters
   ``mt_town``, ``mt_rsdtdsp_blk`` and ``mt_rsdtdsp_rsdt`` for one 住居表示
   municipality (千代田区, 131016; the town names and every number are made up):
   40 大字・町 (東山町, 西川町, …, 桜ケ丘) × 丁目 1–4 = 160 町字, 25 街区 each
   (4,000 blocks) and ``--residences`` 住居 spread over the blocks (default
   50,000, 12–13 per block); plus a 地番 town (大原) and a 地番 neighbour
   (中央区 東山町 丁目 1–2) so that not every query walks down to a residence.
2. For SQLite (a fresh file database in a temporary directory) and PostgreSQL
   (a fresh database ``kasumi_bench_addr_<pid>`` on ``--pg``, dropped
   afterwards; skipped with a notice when unreachable):

   a. tables created from the models with the schema editor (the DDL a
      migration produces), then the CSVs imported with
      ``kasumi.registry.importers.addresses.import_files`` (timed, for
      information only);
   b. in a fresh subprocess (PostgreSQL: after ``ANALYZE``, as autovacuum
      would have done): **ours**, ``match_address`` on ``--queries``
      deterministic texts, a shuffled mix of spellings — 漢数字 / 算用数字 /
      全角 丁目, hyphens of several shapes, 番地, with and without 都道府県 and
      「号」, ``lg_code=`` instead of the municipality, trailing building and
      room, 霞が関-style ケ/が/ヶ variants, a block only, and some that stop
      higher on purpose: no 丁目 (ambiguous), unknown block or residence
      (partial), 地番 towns, unknown town / municipality, no address at all;
      **ref**, the same number of single indexed ORM lookups of a residence
      by its natural key, ``AddressResidence.objects.filter(lg_code=…,
      machiaza_id=…, blk_id=…, rsdt_id=…, rsdt2_id="").first()``. Both are
      warmed up with a few calls first.

   Printed: matches/s, reference lookups/s and their ratio, and the
   distribution of match levels; "as expected" counts the queries whose level
   is the one their spelling category should reach.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from harness import (
    PG_DEFAULT,
    pg_admin,
    run_child,
    setup_django,
)

SEED = 20240401
LG_CODE = "131016"  # 千代田区
NEIGHBOUR_LG_CODE = "131024"  # 中央区
# 40 大字・町: 東山町, 東川町, … and 桜ケ丘 (written 桜が丘 / 桜ヶ丘 too).
OAZA = [*[a + b + "町" for a in "東西南北中上下新本元" for b in "山川田野"][:39], "桜ケ丘"]
CHOME = 4
BLOCKS = 25
CHIBAN_TOWN = "大原"
KANJI = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
HYPHENS = ["-", "‐", "−", "－", "ー", "―"]
LEVELS = ["none", "prefecture", "city", "town", "block", "residence"]

# Spelling categories: (name, weight, the level a correct matcher reaches).
CATEGORIES = [
    ("full_kanji_chome", 3, "residence"),  # 東京都千代田区東山町一丁目2番3号
    ("full_width", 2, "residence"),  # 千代田区東山町１丁目２番３号
    ("hyphens", 3, "residence"),  # 千代田区東山町1-2-3 (‐ − － ー ―)
    ("banchi", 2, "residence"),  # 千代田区東山町2丁目5番地7
    ("lg_code", 2, "residence"),  # 東山町3-4-5 with lg_code=131016
    ("spaces", 1, "residence"),  # 東京都 千代田区 東山町 3丁目 4-5
    ("building", 2, "residence"),  # 千代田区東山町1-2-3 霞ビル501 / 1-2-3-101
    ("ke_variant", 1, "residence"),  # 千代田区桜が丘2-3-4 / 桜ヶ丘
    ("block_only", 1, "block"),  # 千代田区東山町1丁目2番
    ("no_chome", 1, "town"),  # 千代田区東山町 (ambiguous: four 丁目)
    ("unknown_block", 1, "town"),  # 千代田区東山町1丁目99番1号 (partial)
    ("unknown_residence", 1, "block"),  # 千代田区東山町1-2-99 (partial)
    ("chiban", 1, "town"),  # 千代田区大原123番地 (地番 area)
    ("neighbour_chiban", 1, "town"),  # 東京都中央区東山町一丁目5番地
    ("unknown_town", 1, "city"),  # 千代田区架空町1-1-1 (partial)
    ("unknown_city", 1, "prefecture"),  # 東京都架空市本町1-1-1 (partial)
    ("nothing", 1, "none"),  # Nowhere 1-2-3
]


def machiaza_id(oaza: int, chome: int) -> str:
    return f"{oaza + 1:04d}{chome:03d}"


def residences_in_block(block_index: int, residences: int) -> int:
    """Residences of the n-th of all blocks: the total spread evenly (12–13 at 50,000)."""
    blocks = len(OAZA) * CHOME * BLOCKS
    base, extra = divmod(residences, blocks)
    return base + (1 if block_index < extra else 0)


# --- generation -------------------------------------------------------------------------------


def _town_row(lg_code: str, mid: str, city: str, oaza: str, chome: int | None, flag: int) -> dict:
    from kasumi.registry.importers.addresses import TOWN_COLUMNS

    row = dict.fromkeys(TOWN_COLUMNS, "")
    row.update(
        lg_code=lg_code, machiaza_id=mid, machiaza_type="2" if chome else "1", pref="東京都",
        pref_kana="トウキョウト", city=city, oaza_cho=oaza,
        chome=f"{KANJI[chome]}丁目" if chome else "", chome_number=str(chome or ""),
        rsdt_addr_flg=str(flag), rsdt_addr_mtd_code="1" if flag else "", status_flg="1",
        efct_date="1967-04-01", src_code="1", post_code="1000000",
    )  # fmt: skip
    return row


def generate(tmp: Path, residences: int) -> tuple[list[Path], dict[str, int]]:
    """Write the three masters; return their paths and row counts."""
    from kasumi.registry.importers.addresses import BLOCK_COLUMNS, RESIDENCE_COLUMNS, TOWN_COLUMNS

    towns: list[dict] = []
    blocks: list[dict] = []
    rsdts: list[dict] = []
    block_index = 0
    for o, oaza in enumerate(OAZA):
        for chome in range(1, CHOME + 1):
            mid = machiaza_id(o, chome)
            towns.append(_town_row(LG_CODE, mid, "千代田区", oaza, chome, 1))
            common = {"lg_code": LG_CODE, "machiaza_id": mid, "city": "千代田区",
                      "oaza_cho": oaza, "chome": f"{KANJI[chome]}丁目", "rsdt_addr_flg": "1",
                      "rsdt_addr_mtd_code": "1", "status_flg": "1",
                      "efct_date": "1967-04-01", "src_code": "1"}  # fmt: skip
            for blk in range(1, BLOCKS + 1):
                blocks.append(
                    dict.fromkeys(BLOCK_COLUMNS, "")
                    | common
                    | {"blk_id": f"{blk:03d}", "blk_num": str(blk)}
                )
                for rsdt in range(1, residences_in_block(block_index, residences) + 1):
                    number = {"blk_id": f"{blk:03d}", "rsdt_id": f"{rsdt:03d}",
                              "blk_num": str(blk), "rsdt_num": str(rsdt)}  # fmt: skip
                    rsdts.append(
                        dict.fromkeys(RESIDENCE_COLUMNS, "")
                        | common
                        | number
                        | {"basic_rsdt_div": "1"}
                    )
                block_index += 1
    towns.append(_town_row(LG_CODE, "0900000", "千代田区", CHIBAN_TOWN, None, 0))
    for chome in (1, 2):
        towns.append(_town_row(NEIGHBOUR_LG_CODE, f"0001{chome:03d}", "中央区", "東山町", chome, 0))
    paths = []
    for name, columns, rows in (
        ("mt_town.csv", TOWN_COLUMNS, towns),
        ("mt_rsdtdsp_blk.csv", BLOCK_COLUMNS, blocks),
        ("mt_rsdtdsp_rsdt.csv", RESIDENCE_COLUMNS, rsdts),
    ):
        path = tmp / name
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, list(columns), lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths, {"towns": len(towns), "blocks": len(blocks), "residences": len(rsdts)}


# --- queries (deterministic; built in the measuring subprocess) -------------------------------


def queries(count: int, residences: int) -> list[tuple[str, str | None, str]]:
    """``count`` (text, lg_code, category) triples in a shuffled, fixed mix."""
    rng = random.Random(SEED)
    pool = [name for name, weight, _ in CATEGORIES for _ in range(weight)]
    out: list[tuple[str, str | None, str]] = []
    for n in range(count):
        category = pool[n % len(pool)]
        o = rng.randrange(len(OAZA))
        if category == "ke_variant":
            o = OAZA.index("桜ケ丘")
        chome = rng.randint(1, CHOME)
        blk = rng.randint(1, BLOCKS)
        index = (o * CHOME + chome - 1) * BLOCKS + blk - 1
        rsdt = rng.randint(1, max(1, residences_in_block(index, residences)))
        oaza = OAZA[o]
        hyphen = rng.choice(HYPHENS)
        lg_code: str | None = None
        if category == "full_kanji_chome":
            text = f"東京都千代田区{oaza}{KANJI[chome]}丁目{blk}番{rsdt}号"
        elif category == "full_width":
            text = f"千代田区{oaza}{chome}丁目{blk}番{rsdt}号".translate(FULL_WIDTH)
        elif category == "hyphens":
            text = f"千代田区{oaza}{chome}{hyphen}{blk}{hyphen}{rsdt}"
            if n % 2:
                text = text.translate(FULL_WIDTH)
        elif category == "banchi":
            text = f"東京都千代田区{oaza}{chome}丁目{blk}番地{rsdt}"
        elif category == "lg_code":
            text, lg_code = f"{oaza}{chome}-{blk}-{rsdt}", LG_CODE
        elif category == "spaces":
            text = f"東京都 千代田区 {oaza}\u3000{chome}丁目 {blk}-{rsdt}"
        elif category == "building":
            tail = f" {rng.choice('霞桜楓')}ビル{rng.randint(1, 9)}0{rng.randint(1, 9)}"
            text = f"千代田区{oaza}{chome}-{blk}-{rsdt}" + (tail if n % 2 else "-101")
        elif category == "ke_variant":
            spelling = rng.choice(["桜が丘", "桜ヶ丘", "桜ケ丘", "桜ガ丘"])
            text = f"千代田区{spelling}{chome}-{blk}-{rsdt}"
        elif category == "block_only":
            text = f"千代田区{oaza}{KANJI[chome]}丁目{blk}番"
        elif category == "no_chome":
            text = f"千代田区{oaza}"
        elif category == "unknown_block":
            text = f"千代田区{oaza}{chome}丁目{BLOCKS + 70}番{rsdt}号"
        elif category == "unknown_residence":
            text = f"千代田区{oaza}{chome}-{blk}-{rsdt + 500}"
        elif category == "chiban":
            text = f"千代田区{CHIBAN_TOWN}{rng.randint(1, 2000)}番地{rng.randint(1, 9)}"
        elif category == "neighbour_chiban":
            text = f"東京都中央区東山町{KANJI[1 + n % 2]}丁目{blk}番地"
        elif category == "unknown_town":
            text = f"千代田区架空町{chome}-{blk}-{rsdt}"
        elif category == "unknown_city":
            text = f"東京都架空市本町{chome}-{blk}-{rsdt}"
        else:  # nothing
            text = f"Nowhere {chome}-{blk}-{rsdt}"
        out.append((text, lg_code, category))
    rng.shuffle(out)
    return out


# --- subprocess side --------------------------------------------------------------------------

MODELS = [
    ("core", "Organisation"),
    ("registry", "ImportBatch"),
    ("registry", "AddressMunicipality"),
    ("registry", "AddressTown"),
    ("registry", "AddressBlock"),
    ("registry", "AddressResidence"),
]


def child_build(args: argparse.Namespace) -> dict[str, Any]:
    """Create the tables and import the generated masters."""
    setup_django(args.db_url, args.var_dir)
    from django.apps import apps
    from django.db import connection

    from kasumi.registry.importers.addresses import import_files

    with connection.schema_editor() as editor:
        for app, model in MODELS:
            editor.create_model(apps.get_model(app, model))
    paths = [Path(p) for p in args.csv.split(os.pathsep)]
    start = time.perf_counter()
    result = import_files(paths)
    return {"seconds": time.perf_counter() - start, "rows": result.rows_read,
            "written": result.rows_written, "rejected": result.rows_rejected}  # fmt: skip


def child_generate(args: argparse.Namespace) -> dict[str, Any]:
    setup_django(args.db_url, args.var_dir)
    paths, counts = generate(Path(args.csv), args.residences)
    return {"paths": [str(p) for p in paths], "counts": counts}


def child_match(args: argparse.Namespace) -> dict[str, Any]:
    """Time match_address on the query mix, then the natural-key reference lookups."""
    setup_django(args.db_url, args.var_dir)
    from django.db import connection

    from kasumi.registry.address_matcher import match_address
    from kasumi.registry.models import AddressResidence

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    mix = queries(args.queries, args.residences)
    rng = random.Random(SEED + 1)
    keys = []
    for _ in range(len(mix)):
        index = rng.randrange(len(OAZA) * CHOME * BLOCKS)
        town, blk = divmod(index, BLOCKS)
        o, chome = divmod(town, CHOME)
        rsdt = rng.randint(1, max(1, residences_in_block(index, args.residences)))
        keys.append((machiaza_id(o, chome + 1), f"{blk + 1:03d}", f"{rsdt:03d}"))

    def lookup(key: tuple[str, str, str]) -> AddressResidence | None:
        mid, blk_id, rsdt_id = key
        return AddressResidence.objects.filter(
            lg_code=LG_CODE, machiaza_id=mid, blk_id=blk_id, rsdt_id=rsdt_id, rsdt2_id=""
        ).first()

    for text, lg_code, _ in mix[:20]:  # warm-up
        match_address(text, lg_code=lg_code)
    for key in keys[:20]:
        lookup(key)

    levels: Counter[str] = Counter()
    expected = {name: level for name, _, level in CATEGORIES}
    as_expected = ambiguous = partial = 0
    misses: Counter[str] = Counter()
    start = time.perf_counter()
    results = [match_address(text, lg_code=lg_code) for text, lg_code, _ in mix]
    match_seconds = time.perf_counter() - start
    for (_, _, category), result in zip(mix, results, strict=True):
        label = result.level.label
        levels[label] += 1
        ambiguous += result.ambiguous
        partial += result.partial
        if label == expected[category]:
            as_expected += 1
        else:
            misses[f"{category}→{label}"] += 1

    found = 0
    start = time.perf_counter()
    for key in keys:
        found += lookup(key) is not None
    ref_seconds = time.perf_counter() - start
    if found != len(keys):
        raise SystemExit(f"reference found {found} of {len(keys)} residences")
    return {"match_seconds": match_seconds, "ref_seconds": ref_seconds, "queries": len(mix),
            "levels": dict(levels), "ambiguous": ambiguous, "partial": partial,
            "as_expected": as_expected, "misses": dict(misses)}  # fmt: skip


# --- the parent ------------------------------------------------------------------------------


def bench_database(name: str, tmp: Path, paths: list[Path], args: argparse.Namespace) -> dict:
    var_dir = tmp / f"var-{name}"
    var_dir.mkdir(exist_ok=True)
    cleanup: list[str] = []
    if name == "sqlite":
        db_url = f"sqlite:///{tmp / 'addresses.sqlite3'}"
    else:
        db = f"kasumi_bench_addr_{os.getpid()}"
        pg_admin(args.pg, f"DROP DATABASE IF EXISTS {db}")
        pg_admin(args.pg, f"CREATE DATABASE {db}")
        cleanup.append(db)
        db_url = f"{args.pg}/{db}"
    try:
        print(f"{name}: importing …", flush=True)
        built = run_child(
            __file__, "build", db_url=db_url, var_dir=var_dir, csv=os.pathsep.join(map(str, paths))
        )
        if built["rejected"] or built["written"] != built["rows"]:
            raise SystemExit(f"{name}: unexpected import result {built}")
        print(f"{name}: imported {built['rows']:,} rows in {built['seconds']:.1f} s; matching …",
              flush=True)  # fmt: skip
        matched = run_child(
            __file__, "match", db_url=db_url, var_dir=var_dir, queries=args.queries,
            residences=args.residences,
        )  # fmt: skip
    finally:
        for db in cleanup:
            pg_admin(args.pg, f"DROP DATABASE IF EXISTS {db}")
    return matched


def print_report(counts: dict[str, int], n: int, results: list[tuple[str, dict]]) -> None:
    print()
    print(f"Address matching, {n:,} queries on {counts['towns']:,} towns, "
          f"{counts['blocks']:,} blocks, {counts['residences']:,} residences")  # fmt: skip
    print("(ref = AddressResidence.objects.filter(<natural key>).first(), as many lookups)")
    print(f"{'database':10} {'matches/s':>10} {'ref/s':>9} {'ratio':>7} {'ms/match':>9} "
          f"{'ms/ref':>7}")  # fmt: skip
    for name, r in results:
        rate = r["queries"] / r["match_seconds"]
        ref = r["queries"] / r["ref_seconds"]
        print(f"{name:10} {rate:10,.0f} {ref:9,.0f} {rate / ref:7.1%} "
              f"{1000 / rate:9.2f} {1000 / ref:7.2f}")  # fmt: skip
    print()
    print("Match levels")
    header = " ".join(f"{level:>10}" for level in LEVELS)
    print(f"{'database':10} {header} {'ambiguous':>10} {'partial':>8} {'as expected':>12}")
    for name, r in results:
        cells = " ".join(f"{r['levels'].get(level, 0):10,}" for level in LEVELS)
        print(f"{name:10} {cells} {r['ambiguous']:10,} {r['partial']:8,} "
              f"{r['as_expected']:>6,}/{r['queries']:,}")  # fmt: skip
        for miss, count in sorted(r["misses"].items()):
            print(f"{'':10} unexpected: {miss} ×{count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--residences", type=int, default=50_000, help="default 50,000")
    parser.add_argument("--queries", type=int, default=3000, help="default 3,000")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server URL (no database)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    blocks = len(OAZA) * CHOME * BLOCKS
    if args.residences < blocks:
        parser.error(f"--residences must be at least {blocks:,} (one per block)")
    if args.child:
        handler = {"generate": child_generate, "build": child_build, "match": child_match}[
            args.child
        ]
        print(json.dumps(handler(args)))
        return

    with tempfile.TemporaryDirectory(prefix="kasumi-bench-addr-") as tmpdir:
        tmp = Path(tmpdir)
        start = time.perf_counter()
        # In a subprocess: the column lists come from the importer, which needs Django.
        generated = run_child(
            __file__, "generate", db_url=f"sqlite:///{tmp / 'unused.sqlite3'}", var_dir=tmp,
            csv=tmp, residences=args.residences,
        )  # fmt: skip
        paths, counts = [Path(p) for p in generated["paths"]], generated["counts"]
        print(f"generated {counts['towns']:,} towns, {counts['blocks']:,} blocks, "
              f"{counts['residences']:,} residences in {time.perf_counter() - start:.1f} s")  # fmt: skip
        results = []
        for name in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
            if name == "postgres":
                try:
                    pg_admin(args.pg, "SELECT 1")
                except Exception as exc:
                    print(f"NOTICE: PostgreSQL at {args.pg} is unreachable ({exc}); skipped")
                    continue
            results.append((name, bench_database(name, tmp, paths, args)))
        if results:
            print_report(counts, args.queries, results)


if __name__ == "__main__":
    main()
