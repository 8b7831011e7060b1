"""How fast the pipeline's stages could be on this machine with their work cut to what cannot go.

    python bench/floor.py --workdir DIR

DIR is a workdir `bench/pipeline.py --workdir DIR` has run in (its landing folder and its built
warehouse). Three measurements, each a lower bound of a stage in pipeline_<customers>.json:

- `read_exports`, below `load_raw`: every CSV and JSON export read by DuckDB into a table of
  text, after decoding a GB18030 file to UTF-8 the way the loader must. No header aliases, no
  typing, no checks, no quarantine, no pseudonyms, one file after another, under the profile's
  DuckDB cap. A JSON document (not JSON Lines) is only parsed, by Python's json module (about
  as fast as the loader's streaming ijson: 0.46 s against 0.40 s for 聚水潭's 49 MB page at
  100k customers). Workbooks (.xlsx) are left out: DuckDB reads them only through an
  extension, which is a download.
- `copy_tables`, below the models' share of `dbt_build`: every table dbt built (schemas
  `intermediate` and `marts`) copied as it is into a new database file, with the profile's
  memory cap. Nothing is computed; this is what writing those rows costs.
- `dbt_empty`, below the rest of `dbt_build`: `dbt build --empty` on a copy of the warehouse:
  parsing, dbt's cost per model and per test, every model's DDL and every test's query, on no
  rows. One singular test is left out because it fails on no rows
  (assert_rfm_segment_grid_is_complete, which expects the grid a real day fills), and a failure
  would skip every node after it.

Writes bench/results/floor_<customers>.json. The sum of the three is what the pipeline as built
would take with every model's own work and every loader check taken out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb

from bench.pipeline import nightly_dbt_build
from ingestion.settings import PROJECT_ROOT
from ingestion.sources.csv_reading import detect_encoding

RESULTS = PROJECT_ROOT / "bench" / "results"
MEMORY_LIMIT = "2GB"  # the profile's default cap (FUGOU_DUCKDB_MEMORY_LIMIT)
FAILS_ON_NO_ROWS = "assert_rfm_segment_grid_is_complete"


def read_exports(landing: Path, scratch: Path) -> dict:
    """Seconds to read every CSV and JSON export into text tables, and what was read."""
    database = scratch / "exports.duckdb"
    files = rows = 0
    left_out: list[str] = []
    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        for number, path in enumerate(sorted(p for p in landing.iterdir() if p.is_file())):
            suffix = path.suffix.lower()
            table = f"export_{number}"
            if suffix == ".csv":
                source = path
                if detect_encoding(path) == "gb18030":
                    source = scratch / f"{number}.csv"
                    source.write_text(path.read_bytes().decode("gb18030", "replace"), "utf-8")
                con.execute(
                    f"create table {table} as from read_csv(?, header = true, all_varchar = true,"
                    " strict_mode = false, null_padding = true)",
                    [str(source)],
                )
            elif suffix == ".jsonl":
                con.execute(
                    f"create table {table} as from read_json(?, format = 'newline_delimited')",
                    [str(path)],
                )
            elif suffix == ".json":
                # One JSON document (聚水潭's page is 526 MB at 1M customers). DuckDB's reader
                # ran out of memory on it even uncapped, so the floor is Python's parse alone.
                with path.open("rb") as handle:
                    json.load(handle)
                files, rows = files + 1, rows + 1
                continue
            else:
                left_out.append(path.name)
                continue
            files += 1
            rows += con.execute(f"select count(*) from {table}").fetchone()[0]
        con.execute("checkpoint")
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "files": files,
        "rows_or_json_documents": rows,
        "left_out": left_out,
    }


def copy_tables(warehouse: Path, scratch: Path) -> dict:
    """Seconds to write every table dbt built again, per schema, computing nothing."""
    seconds: dict[str, float] = {}
    rows: dict[str, int] = {}
    with duckdb.connect(str(scratch / "copy.duckdb")) as con:
        con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"attach '{warehouse}' as built (read_only)")
        for schema in ("intermediate", "marts"):
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_tables()"
                    " where database_name = 'built' and schema_name = ? order by table_name",
                    [schema],
                ).fetchall()
            ]
            con.execute(f"create schema {schema}")
            started = time.perf_counter()
            for name in tables:
                con.execute(f"create table {schema}.{name} as from built.{schema}.{name}")
            con.execute("checkpoint")
            seconds[schema] = round(time.perf_counter() - started, 2)
            rows[schema] = sum(
                con.execute(f"select count(*) from {schema}.{name}").fetchone()[0]
                for name in tables
            )
            rows[f"{schema}_tables"] = len(tables)
    return {"seconds": seconds, "total_seconds": round(sum(seconds.values()), 2), "rows": rows}


def dbt_empty(warehouse: Path, scratch: Path) -> dict:
    """Wall seconds of `dbt build --empty` (as the nightly build runs it) on a copy."""
    copy = scratch / "empty.duckdb"
    shutil.copyfile(warehouse, copy)
    env = dict(os.environ, FUGOU_WAREHOUSE=str(copy), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    started = time.perf_counter()
    subprocess.run(
        nightly_dbt_build(scratch, "--empty", "--exclude", FAILS_ON_NO_ROWS),
        env=env,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    results = json.loads((scratch / "dbt_target" / "run_results.json").read_text())["results"]
    return {
        "seconds": round(seconds, 2),
        "nodes": len(results),
        "statuses": sorted({r["status"] for r in results}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args(argv)
    landing, warehouse = args.workdir / "landing", args.workdir / "warehouse.duckdb"
    customers = json.loads((args.workdir / "shop.json").read_text())["customers"]
    with tempfile.TemporaryDirectory(prefix="fugou-floor-", dir=args.workdir) as scratch:
        floor = {
            "read_exports": read_exports(landing, Path(scratch)),
            "copy_tables": copy_tables(warehouse, Path(scratch)),
            "dbt_empty": dbt_empty(warehouse, Path(scratch)),
        }
    total = (
        floor["read_exports"]["seconds"]
        + floor["copy_tables"]["total_seconds"]
        + floor["dbt_empty"]["seconds"]
    )
    result = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "customers": customers,
        "cpus": os.cpu_count(),
        "duckdb": duckdb.__version__,
        **floor,
        "floor_seconds": round(total, 2),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"floor_{customers}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
