"""Read the quarantine with its lines opened: what was rejected, where, why, and the line itself.

    python -m ingestion.quarantine                    # the 20 newest rows
    python -m ingestion.quarantine --file ExportOrderList201903051200.csv --line 3

The raw line of a quarantined row is sealed in the warehouse (it holds the phone, name and
address the rest of Fugou never stores); this command, run with the warehouse's PII key, is how
a person repairing an export reads it. It prints to the terminal only: nothing is written.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

from ingestion.key_fingerprint import check_key_read_only
from ingestion.sealing import Sealer
from ingestion.settings import SettingsError, load_settings


def opened_quarantine(
    con: duckdb.DuckDBPyConnection,
    pii_key: bytes,
    source_file: str | None = None,
    line: int | None = None,
    limit: int | None = None,
) -> list[tuple[str, int, str | None, str, str | None]]:
    """(source_file, source_line, target_table, reason, raw_text) with the raw text opened,
    newest first, then by file and line."""
    where, params = [], []
    if source_file is not None:
        where.append("source_file = ?")
        params.append(source_file)
    if line is not None:
        where.append("source_line = ?")
        params.append(line)
    rows = con.execute(
        "select source_file, source_line, target_table, reason, raw_text_sealed "
        "from raw.quarantine"
        + (" where " + " and ".join(where) if where else "")
        + " order by quarantined_at desc, source_file, source_line"
        + (f" limit {int(limit)}" if limit else ""),
        params,
    ).fetchall()
    sealer = Sealer(pii_key)
    return [(f, n, t, reason, sealer.open(sealed)) for f, n, t, reason, sealed in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", help="only rows of this file (as the ledger names it)")
    parser.add_argument("--line", type=int, help="only this line of it")
    parser.add_argument("--limit", type=int, default=20, help="rows at most (default 20; 0: all)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        try:
            check_key_read_only(con, settings.pii_key)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        rows = opened_quarantine(con, settings.pii_key, args.file, args.line, args.limit or None)
    for source_file, line, table, reason, text in rows:
        print(f"{source_file}:{line} [{table or '-'}] {reason}")
        print(f"    {text if text is not None else '(no raw text)'}")
    if not rows:
        print("the quarantine holds no such row")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
