"""Erase a person from Fugou: `python -m ingestion.erase --nick 小厨娘 --requested-by "李娜 #4521"`.

Give any identifiers the shop has for them (`--nick`, `--phone`, `--customer-id`, `--member-no`,
each repeatable); Fugou finds the rest through identity resolution. Run it while no nightly run
is writing (it needs the warehouse to itself). It:

1. deletes their rows from raw, quarantine, every model, prediction and snapshot, and the
   identity state, in one transaction (`erasure.py`), and writes tombstones so a re-loaded old
   export cannot bring them back, plus suppression entries the outbox reads;
2. rewrites the warehouse file so the deleted bytes are gone, and publishes the BI copy afresh;
3. on PostgreSQL (`--postgres-dsn`, or FUGOU_DBT_TARGET=postgres), re-copies raw, deletes the
   same rows from the models there and rewrites the tables (VACUUM FULL);
4. searches the rewritten files for their values and says whether any was found.

The erasure log (`raw.erasure_log`) keeps who asked, when, the kinds of identifier and the
counts; never the identifiers. `--dry-run` shows what would go and changes nothing. The marts'
totals (counts, rates) still include the person until the next night's build.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import duckdb

from ingestion.erasure import (
    ErasureError,
    ErasureReport,
    ErasureRequest,
    _Db,
    compact_duckdb,
    erase_in_duckdb,
    record_verification,
    resolve,
    sweep_derived_tables,
    values_in_file,
)
from ingestion.key_fingerprint import KeyMismatchError, check_key_read_only
from ingestion.publish import publish_marts
from ingestion.settings import SettingsError, load_settings
from ingestion.warehouse import WarehouseInUseError

log = logging.getLogger(__name__)


def run_erasure(
    warehouse: Path,
    pii_key: bytes,
    request: ErasureRequest,
    published: Path | None = None,
    publish_nicks: bool = False,
    postgres_dsn: str | None = None,
    dry_run: bool = False,
) -> ErasureReport:
    if not warehouse.exists():
        raise ErasureError(f"no warehouse at {warehouse}: nothing to erase")
    with duckdb.connect(str(warehouse)) as con:
        check_key_read_only(con, pii_key)
        report, person = erase_in_duckdb(con, pii_key, request, dry_run=dry_run)
    if dry_run:
        return report
    compact_duckdb(warehouse)
    if published is not None and published.exists():
        with duckdb.connect(str(warehouse)) as con:  # attaching the new copy needs a writer
            publish_marts(con, published, pii_key, publish_nicks=publish_nicks)
    if postgres_dsn:
        report.postgres_rows_by_table = _erase_in_postgres(
            warehouse, postgres_dsn, pii_key, request, person.values["node"]
        )
    searched = person.searchable()
    files = [warehouse] + ([published] if published is not None and published.exists() else [])
    found = sorted({v for path in files for v in values_in_file(path, searched)})
    report.values_searched = len(searched)
    report.values_found_in_bytes = found
    record_verification(warehouse, report.erasure_id, not found)
    return report


def _erase_in_postgres(warehouse, dsn: str, pii_key: bytes, request, nodes) -> dict[str, int]:
    """PostgreSQL holds a copy of raw (ingestion.copy_to_postgres) and its own models: raw is
    copied again from the erased warehouse, the models there lose the person's rows, and every
    table is rewritten so their old row versions leave the data files."""
    import psycopg2

    from ingestion.copy_to_postgres import copy_raw_schema

    copy_raw_schema(warehouse, dsn)
    pg = psycopg2.connect(dsn)
    try:
        db = _Db(pg)
        person = resolve(db, pii_key, request, nodes=nodes)
        counts = sweep_derived_tables(db, person)
        # the person's values, gone before ANALYZE: it samples temporary tables too, and their
        # statistics would outlive the session as dead rows of pg_statistic
        db.execute("drop table if exists fugou_erasure_values")
        pg.commit()
        pg.autocommit = True
        with pg.cursor() as cur:
            _wait_for_other_snapshots(cur)
            cur.execute("vacuum full")
            _forget_statistics(cur)
            cur.execute("checkpoint")
    finally:
        pg.close()
    return counts


def _forget_statistics(cur) -> None:
    """The planner's statistics sample column values (pg_statistic's most common values and
    histograms): an order id or pseudonym of the person can sit there after their rows are
    gone. ANALYZE recomputes them from the rows left, but keeps a table's old ones when it has
    no rows left (PostgreSQL's documented behaviour), so those are deleted; then VACUUM FULL of
    pg_statistic drops the old versions from its files. Both need a superuser; without one the
    erasure says what is left and how to finish it."""
    import psycopg2

    cur.execute("analyze")
    cur.execute(
        """
        select c.oid, n.nspname, c.relname
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'm', 'p')
          and n.nspname not in ('pg_catalog', 'information_schema')
          and n.nspname not like 'pg\\_toast%'
          and exists (select 1 from pg_catalog.pg_statistic s where s.starelid = c.oid)
        """
    )
    try:
        for oid, schema, table in cur.fetchall():
            cur.execute(f'select exists (select 1 from "{schema}"."{table}")')
            if not cur.fetchone()[0]:
                cur.execute("delete from pg_catalog.pg_statistic where starelid = %s", [oid])
        # an autovacuum that started meanwhile would keep the old versions alive
        _wait_for_other_snapshots(cur)
        cur.execute("vacuum full pg_catalog.pg_statistic")
    except psycopg2.errors.InsufficientPrivilege:
        log.warning(
            "PostgreSQL: not allowed to clear the statistics of emptied tables or rewrite "
            "pg_catalog.pg_statistic; the planner's old samples of the erased rows may stay in "
            "its files until a superuser runs VACUUM FULL pg_catalog.pg_statistic"
        )


def _wait_for_other_snapshots(cur, timeout_s: float = 120.0) -> None:
    """VACUUM FULL keeps a deleted row while any session's snapshot can still see it: an
    autovacuum ANALYZE that started before the deletes (it runs within a minute of dbt writing a
    table) can keep the person's order ids in the rewritten files. So wait (up to two minutes)
    until no other backend of this database holds a snapshot; an idle connection (a BI tool
    between queries) holds none."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        cur.execute(
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and pid <> pg_backend_pid() and backend_xmin is not null"
        )
        if cur.fetchone()[0] == 0:
            return
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.erase", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--nick", action="append", default=[], help="Taobao nick (旺旺名)")
    parser.add_argument("--phone", action="append", default=[], help="mobile number")
    parser.add_argument("--customer-id", action="append", default=[], help="Fugou customer id")
    parser.add_argument("--member-no", action="append", default=[], help="loyalty member number")
    parser.add_argument("--requested-by", default="", help="who asked (logged), e.g. a ticket")
    parser.add_argument("--reason", default=None, help="why (logged), e.g. 'PIPL art. 47'")
    parser.add_argument("--postgres-dsn", default=None, help="also erase on this PostgreSQL")
    parser.add_argument("--dry-run", action="store_true", help="show what would go; change nothing")
    args = parser.parse_args(argv)
    request = ErasureRequest(
        nicks=args.nick,
        phones=args.phone,
        customer_ids=args.customer_id,
        member_ids=args.member_no,
        requested_by=args.requested_by,
        reason=args.reason,
    )
    try:
        settings = load_settings()
        dsn = args.postgres_dsn or (
            settings.postgres_dsn if settings.dbt_target == "postgres" else None
        )
        report = run_erasure(
            settings.warehouse,
            settings.pii_key,
            request,
            published=settings.published_warehouse,
            publish_nicks=settings.publish_nicks,
            postgres_dsn=dsn,
            dry_run=args.dry_run,
        )
    except (ErasureError, SettingsError, KeyMismatchError) as exc:
        print(f"erase: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:
        settings = load_settings()
        in_use = WarehouseInUseError.raised_by(
            exc, settings.warehouse, settings.published_warehouse
        )
        print(f"erase: {in_use}", file=sys.stderr)
        return 2
    _print(report, args.dry_run)
    return 1 if report.values_found_in_bytes else 0


def _print(report: ErasureReport, dry_run: bool) -> None:
    verb = "would erase" if dry_run else "erased"
    if not report.rows_by_table:
        print("nobody found for those identifiers: nothing was erased")
        return
    print(
        f"{verb} {report.customers_erased} customer(s), {report.rows_erased} rows "
        f"(erasure {report.erasure_id})"
    )
    for table, rows in sorted(report.rows_by_table.items()):
        print(f"  {table}: {rows}")
    for table, rows in sorted(report.postgres_rows_by_table.items()):
        print(f"  postgres {table}: {rows}")
    if dry_run:
        return
    print(f"tombstones added: {report.tombstones_added} (re-loading an old export skips them)")
    if report.landing_files:
        print(
            f"their rows came from {len(report.landing_files)} landing file(s); delete or redact "
            "the person there too (Fugou will not load them again either way):"
        )
        for name in report.landing_files:
            print(f"  {name}")
    if report.values_found_in_bytes:
        print(
            f"NOT VERIFIED: {len(report.values_found_in_bytes)} of their "
            f"{report.values_searched} values are still in the files' bytes"
        )
    else:
        print(f"verified: none of their {report.values_searched} values is in the files' bytes")


if __name__ == "__main__":
    raise SystemExit(main())
