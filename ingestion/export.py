"""Export a published mart as a spreadsheet: `python -m ingestion.export dim_customers out.xlsx`.

Reads the BI copy (FUGOU_PUBLISHED_WAREHOUSE: nicks as handles unless the shop publishes them)
and writes `.csv` or `.xlsx` with formula-like text escaped (`ingestion/spreadsheet.py`), so an
operator can open it in Excel or WPS safely.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from ingestion.settings import SettingsError, load_settings
from ingestion.spreadsheet import write_spreadsheet


def export_table(published: Path, table: str, out: Path, limit: int | None = None) -> tuple:
    with duckdb.connect(str(published), read_only=True) as con:
        known = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        if table not in known:
            raise ValueError(
                f"no mart {table!r} in {published.name}; known: {', '.join(sorted(known))}"
            )
        frame = con.execute(
            f'select * from marts."{table}"' + (f" limit {int(limit)}" if limit else "")
        ).df()
    return len(frame), write_spreadsheet(frame, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.export", description=__doc__.splitlines()[0]
    )
    parser.add_argument("table", help="a mart of the BI copy, e.g. dim_customers")
    parser.add_argument("out", type=Path, help="file to write: .csv or .xlsx")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        published = load_settings().published_warehouse
        if not published.exists():
            raise ValueError(f"no BI copy at {published}: run the nightly job first")
        rows, escaped = export_table(published, args.table, args.out, args.limit)
    except (SettingsError, ValueError) as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    print(f"{rows} rows written to {args.out}")
    if escaped:
        said = ", ".join(f"{c} {n}" for c, n in escaped.items())
        print(f"text a spreadsheet would run as a formula, escaped with a leading ': {said}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
