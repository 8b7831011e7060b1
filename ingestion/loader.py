"""The one writer of the `raw` schema.

Each landed file is loaded in a single transaction together with its ledger entry, so a crash
leaves either the whole file or none of it. The ledger is keyed by the file's SHA-256: loading the
same bytes again (under any name) adds nothing. Every record of a file ends up either in its raw
table or in `raw.quarantine` with file, line, reason and raw text, so loaded + quarantined always
equals the records in the file. Personal data (phones, Alipay accounts, receiver names) is
replaced by an HMAC-SHA256 pseudonym here, before anything downstream can see it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.erasure import TombstoneMatcher, drop_tombstoned_rows
from ingestion.identity_rules import RULES_FILE, read_rules, write_rules
from ingestion.key_fingerprint import check_key
from ingestion.prepare import PreparedFile, prepare_file
from ingestion.sealing import Sealer
from ingestion.settings import SHOP_TZ
from ingestion.sources import (
    SPEC_BY_KEY,
    SPECS,
    SUPPORTED_SUFFIXES,
    is_document,
    read_document,
    sql_forms,
)
from ingestion.sources.csv_reading import Record, detect_encoding, line_texts, read_records
from ingestion.sources.spec import FileRejected, FileSpec, exported_at_from_name
from ingestion.top_pull import STATE_FILE as TOP_PULL_STATE
from ingestion.vault import ContactVault, ensure_vault, store_contacts

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
# A rejects spool line: a clipped raw text (1M characters, up to 4 bytes each) and its reason.
REJECTS_MAX_LINE_BYTES = 6 << 20
CHUNK_ROWS = 50_000
# DuckDB memory of the process that writes the raw tables while loading (its workers have 1 GB
# each): the writer's peak at 1M customers went from 5.4 GB to 1.8 GB with 1.5 GB, and the load
# got faster (1 GB: 1.4 GB, the whole load tree 6.1 -> 2.9 GB).
WRITER_MEMORY_LIMIT = "1GB"
# Taobao opened on this day: no order or refund can be older.
EARLIEST_PLAUSIBLE = dt.datetime(2003, 5, 10)
# Below this many bytes of new files, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 64 << 20
LINEAGE_COLUMNS = (
    ("_source_file", "VARCHAR"),
    ("_source_line", "INTEGER"),
    ("_file_sha256", "VARCHAR"),
    ("_exported_at", "TIMESTAMP"),
    ("_loaded_at", "TIMESTAMP"),
)
# The rejected line, kept so it can be repaired, is a whole export row (phone, name, address
# included): it is written sealed (`sealing.py`), and `python -m ingestion.quarantine` opens it.
QUARANTINE_DDL = f"""
create table if not exists {RAW_SCHEMA}.quarantine (
    source_file varchar not null,
    source_line integer not null,
    file_sha256 varchar not null,
    target_table varchar,
    reason varchar not null,
    raw_text_sealed varchar,
    quarantined_at timestamp not null
)"""
# A file's quarantined rows gather here in the clear, inside its transaction, and are sealed
# into raw.quarantine before it commits: a temporary table never reaches the warehouse file.
QUARANTINE_CLEAR = "fugou_quarantine_clear"
QUARANTINE_CLEAR_DDL = f"""
create or replace temp table {QUARANTINE_CLEAR} (
    source_file varchar not null,
    source_line integer not null,
    file_sha256 varchar not null,
    target_table varchar,
    reason varchar not null,
    raw_text varchar,
    quarantined_at timestamp not null
)"""
# Optional cells that could not be read and were loaded as NULL: where (file, line, column),
# why, and the value's shape only (never the value: it may be a phone or a name).
FIELD_ISSUES_DDL = f"""
create table if not exists {RAW_SCHEMA}.field_issues (
    source_file varchar not null,
    source_line integer not null,
    file_sha256 varchar not null,
    target_table varchar,
    column_name varchar not null,
    reason varchar not null,
    value_kind varchar,
    is_pseudonymised boolean not null,
    recorded_at timestamp not null
)"""
# Columns added after the first warehouses were made (NULL for files loaded before).
LEDGER_ADDED_COLUMNS = (
    ("fields_nulled", "INTEGER"),
    ("fields_pseudonymised", "INTEGER"),
    ("rows_erased", "INTEGER"),
)
LEDGER_DDL = f"""
create table if not exists {RAW_SCHEMA}.file_ledger (
    file_sha256 varchar primary key,
    source_file varchar not null,
    target_table varchar,
    header_generation varchar,
    encoding varchar,
    rows_in_file integer,
    rows_loaded integer,
    rows_quarantined integer,
    status varchar not null,
    message varchar,
    unknown_columns varchar,
    exported_at timestamp,
    loaded_at timestamp not null
)"""


@dataclass
class FileResult:
    """What happened to one landed file; loaded and rejected files are written to the ledger."""

    source_file: str
    # loaded | rejected (unreadable as a whole: rows in quarantine) | failed (reading it raised:
    # nothing kept, retried next run) | skipped (already in the ledger, or twice in one batch)
    # | waiting (still being copied: left for a later run)
    status: str
    target_table: str | None = None
    rows_in_file: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    fields_nulled: int = 0  # optional cells unreadable, loaded as NULL (raw.field_issues)
    fields_pseudonymised: int = 0  # contact cells the exporter had already hashed
    rows_erased: int = 0  # rows of people erased before (erasure.py): dropped, not loaded
    message: str = ""
    file_sha256: str = ""
    header_generation: str | None = None
    encoding: str | None = None
    unknown_columns: str = ""
    exported_at: dt.datetime | None = None


@dataclass
class LoadReport:
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


@dataclass
class LoadProgress:
    """Where a load stands after a file: for a progress line or bar (by bytes, which is what
    takes the time)."""

    files_total: int
    bytes_total: int
    files_done: int = 0
    bytes_done: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    last: FileResult | None = None

    def after(self, result: FileResult, size: int) -> LoadProgress:
        self.files_done += 1
        self.bytes_done += size
        self.rows_loaded += result.rows_loaded
        self.rows_quarantined += result.rows_quarantined
        self.last = result
        return self

    def line(self) -> str:
        """`[3/80] 订单报表-2026-10.csv: loaded, 1,234 rows (12%)`"""
        last = self.last
        share = self.bytes_done / self.bytes_total if self.bytes_total else 1.0
        said = f"[{self.files_done}/{self.files_total}] "
        if last is not None:
            said += f"{last.source_file}: {last.status}, {last.rows_loaded:,} rows"
            if last.rows_quarantined:
                said += f", {last.rows_quarantined:,} quarantined"
        return said + f" ({share:.0%} of the bytes)"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(QUARANTINE_DDL)
    con.execute(
        f"alter table {RAW_SCHEMA}.quarantine add column if not exists raw_text_sealed varchar"
    )
    con.execute(FIELD_ISSUES_DDL)
    con.execute(LEDGER_DDL)
    for name, sql_type in LEDGER_ADDED_COLUMNS:
        con.execute(
            f"alter table {RAW_SCHEMA}.file_ledger add column if not exists {name} {sql_type}"
        )
    for spec in SPECS:
        _ensure_table(con, spec)


def _ensure_table(con: duckdb.DuckDBPyConnection, spec: FileSpec) -> None:
    columns = spec.stored_columns() + list(LINEAGE_COLUMNS)
    body = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in columns)
    con.execute(f"create table if not exists {RAW_SCHEMA}.{spec.table} (\n    {body}\n)")
    # Warehouses made before a column existed get it (NULL for the rows already loaded).
    for name, sql_type in columns:
        con.execute(
            f"alter table {RAW_SCHEMA}.{spec.table} add column if not exists {name} {sql_type}"
        )
    _retire_columns(con, spec.table)


# Columns earlier versions loaded and this one must not hold: (table, column) -> (the column
# that replaces it, the SQL that derives it from the old one). Street addresses were loaded
# whole until the region alone was kept; a warehouse made then keeps only the region of them.
RETIRED_COLUMNS = {
    ("taobao_orders", "receiver_address"): ("receiver_region", sql_forms.REGION),
    ("taobao_shipments", "receiver_address"): ("receiver_region", sql_forms.REGION),
}


def _retire_columns(con: duckdb.DuckDBPyConnection, table: str) -> None:
    present = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = ? and table_catalog = current_database()",
            [RAW_SCHEMA, table],
        ).fetchall()
    }
    for (retired_table, column), (replacement, form) in RETIRED_COLUMNS.items():
        if retired_table != table or column not in present:
            continue
        # Two statements (DuckDB refuses a drop in the transaction that updated the table); a
        # run stopped between them does the update again, to the same values.
        con.execute(
            f"update {RAW_SCHEMA}.{table} set {replacement} = "
            f"{form.value_for(f'coalesce({column}, {chr(39)}{chr(39)})')}"
        )
        con.execute(f"alter table {RAW_SCHEMA}.{table} drop column {column}")
        log.warning("raw.%s: %s reduced to %s and dropped", table, column, replacement)


def landed_files(landing_dir: Path) -> list[Path]:
    """Files in name order, so exports load oldest first and runs are reproducible."""
    if not landing_dir.is_dir():
        raise FileNotFoundError(f"landing folder {landing_dir} does not exist (FUGOU_LANDING_DIR)")
    return sorted(p for p in landing_dir.rglob("*") if p.is_file() and not _hidden(p, landing_dir))


def hidden_files(landing_dir: Path) -> list[Path]:
    """Dot-files (and files in dot-folders): copies in progress (.~lock, .part), editors' and
    the system's own. Not loaded, but named in the report, so none is skipped without trace;
    Fugou's own TOP pull state is left out."""
    return sorted(
        p
        for p in landing_dir.rglob("*")
        if p.is_file() and _hidden(p, landing_dir) and p.name != TOP_PULL_STATE
    )


def _hidden(path: Path, landing_dir: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(landing_dir).parts)


def load_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    pii_key: bytes,
    loaded_at: dt.datetime | None = None,
    workers: int | None = None,
    rules_file: Path = RULES_FILE,
    settle_seconds: float = 0,
    progress: Callable[[LoadProgress], None] | None = None,
    vault_key: bytes = b"",
) -> LoadReport:
    """Load every new file in the landing folder, oldest name first.

    Preparing a file (decoding, typing, pseudonymising: `prepare.py`) is the slowest part, so with
    more than one file it runs in worker processes (`workers`, default: one per core) while this
    process commits finished files in name order, one transaction each. Small loads stay here.
    A file changed less than `settle_seconds` ago is still being copied: it is left for a later
    run (status waiting), never loaded half-written and again when complete.
    A key other than the warehouse's stops the load before anything is read (`key_fingerprint.py`).
    `progress` hears of each new file as it is committed (a long load was silent for 40 s).
    With a `vault_key`, the mobiles of loaded rows are kept sealed in the contact vault
    (`vault.py`).
    """
    check_key(con, pii_key)
    ensure_raw_schema(con)
    if vault_key:
        ensure_vault(con, ContactVault(vault_key))
    sealer = Sealer(pii_key)
    tombstones = TombstoneMatcher.for_warehouse(con, pii_key)
    _seal_legacy_quarantine(con, sealer)
    con.execute(QUARANTINE_CLEAR_DDL)
    loaded_at = loaded_at or dt.datetime.now(SHOP_TZ).replace(tzinfo=None, microsecond=0)
    report = LoadReport()
    pending: list[tuple[Path, str, str]] = []
    batch: dict[str, str] = {}  # sha -> the first name it landed under in this batch
    now = time.time()
    for path in hidden_files(landing_dir):
        report.files.append(
            FileResult(
                path.relative_to(landing_dir).as_posix(),
                "skipped",
                message="hidden (its name or folder starts with a dot): not loaded; rename it "
                "to load it",
            )
        )
    for path in landed_files(landing_dir):
        name = path.relative_to(landing_dir).as_posix()
        stat = path.stat()
        # ctime too: a copy that sets the source's mtime (cp -p) still moves the ctime.
        quiet_for = now - max(stat.st_mtime, stat.st_ctime)
        if quiet_for < settle_seconds:
            report.files.append(
                FileResult(
                    name,
                    "waiting",
                    message=f"still being written (changed {quiet_for:.0f} s ago); loaded once "
                    f"unchanged for {settle_seconds:.0f} s",
                )
            )
            continue
        sha = file_sha256(path)
        if _in_ledger(con, sha, name):
            report.files.append(
                FileResult(name, "skipped", message="already loaded (same SHA-256)")
            )
        elif sha in batch:  # prepared once: two workers on one file shared its spool
            report.files.append(
                FileResult(name, "skipped", message=f"same content as {batch[sha]} (loaded once)")
            )
        else:
            batch[sha] = name
            pending.append((path, name, sha))
    if workers is None:
        big = sum(path.stat().st_size for path, _, _ in pending) >= PARALLEL_MIN_BYTES
        workers = (os.cpu_count() or 1) if big and len(pending) > 1 else 1
    with tempfile.TemporaryDirectory(prefix="fugou-load-") as spool_dir, _bulk_load_settings(con):
        threads = max(1, (os.cpu_count() or 1) // workers)
        jobs = [
            (path, name, sha, pii_key, Path(spool_dir), threads, vault_key or None)
            for path, name, sha in pending
        ]
        sizes = [path.stat().st_size for path, _, _ in pending]
        done = LoadProgress(files_total=len(jobs), bytes_total=sum(sizes))
        for job, size, prepared in zip(jobs, sizes, _prepared(jobs, workers), strict=True):
            result = _commit_isolated(con, job, prepared, loaded_at, sealer, tombstones)
            report.files.append(result)
            if progress is not None:
                progress(done.after(result, size))
    # The identity rules hold pseudonymised values, so they are written where the key is: here.
    write_rules(con, read_rules(rules_file), pii_key)
    for result in report.files:
        if result.unknown_columns:
            log.warning("%s: %s", result.source_file, result.message)
        log.info(
            "%s: %s (%s loaded, %s quarantined) %s",
            result.source_file,
            result.status,
            result.rows_loaded,
            result.rows_quarantined,
            result.message,
        )
    return report


def _seal_legacy_quarantine(con: duckdb.DuckDBPyConnection, sealer: Sealer) -> None:
    """A warehouse made before quarantined lines were sealed has them in a `raw_text` column:
    they are sealed and the column dropped (once; the rows' order and content stay)."""
    present = con.execute(
        "select count(*) from information_schema.columns where table_schema = ? "
        "and table_name = 'quarantine' and column_name = 'raw_text' "
        "and table_catalog = current_database()",
        [RAW_SCHEMA],
    ).fetchone()[0]
    if not present:
        return
    frame = con.execute(
        f"select rowid as _row, raw_text from {RAW_SCHEMA}.quarantine where raw_text is not null"
    ).df()
    frame["sealed"] = [sealer.seal(text) for text in frame["raw_text"]]
    con.register("_sealed", frame[["_row", "sealed"]])
    try:
        con.execute(
            f"update {RAW_SCHEMA}.quarantine q set raw_text_sealed = s.sealed "
            "from _sealed s where q.rowid = s._row"
        )
    finally:
        con.unregister("_sealed")
    con.execute(f"alter table {RAW_SCHEMA}.quarantine drop column raw_text")
    log.warning("raw.quarantine: %s raw lines sealed", len(frame))


@contextlib.contextmanager
def _bulk_load_settings(con: duckdb.DuckDBPyConnection):
    """Each file still commits (to the write-ahead log) on its own, but the database file is
    compacted once at the end instead of after every big file (14 s -> 8 s at 100k customers).
    The writer's memory is capped: DuckDB's default (80% of RAM) let it keep every loaded row in
    memory until that checkpoint, 5.4 GB at 1M customers, beside the workers' own.
    DuckDB's progress bar, drawn for every statement over 2 s, would only litter the run log."""
    settings = {
        "checkpoint_threshold": "'64GB'",
        "memory_limit": f"'{WRITER_MEMORY_LIMIT}'",
        "enable_progress_bar": "false",
    }
    previous = {
        name: con.execute(f"select current_setting('{name}')").fetchone()[0] for name in settings
    }
    for name, value in settings.items():
        con.execute(f"set {name} = {value}")
    try:
        yield
        con.execute("checkpoint")
    finally:
        con.execute(f"set checkpoint_threshold = '{previous['checkpoint_threshold']}'")
        con.execute(f"set memory_limit = '{previous['memory_limit']}'")
        con.execute(f"set enable_progress_bar = {str(previous['enable_progress_bar']).lower()}")


def _in_ledger(con: duckdb.DuckDBPyConnection, sha: str, name: str) -> bool:
    """Loaded files are done, and so are rejected ones under the same name. A failed file is
    tried again, and so is a rejected one landed under a new name: the name says what a file
    is (发货报表…, ExportOrderList…), so renaming is how a shop fixes a misnamed export."""
    query = f"""
        select 1 from {RAW_SCHEMA}.file_ledger
        where file_sha256 = ? and (status = 'loaded' or (status = 'rejected' and source_file = ?))
    """
    return con.execute(query, [sha, name]).fetchone() is not None


def _prepare_job(job: tuple[Path, str, str, bytes, Path, int, bytes | None]) -> PreparedFile:
    *args, vault_key = job
    return prepare_file(*args, vault_key=vault_key)


def _prepared(jobs: list[tuple], workers: int):
    """Each job's PreparedFile in job order, or the exception preparing it raised: one poison
    file must not stop the others."""
    if workers <= 1:
        for job in jobs:
            try:
                yield _prepare_job(job)
            except Exception as exc:  # noqa: BLE001 - any failure is that file's, not the run's
                yield exc
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_prepare_job, job) for job in jobs]
        done = 0
        for future in futures:
            try:
                yield future.result()
            except BrokenProcessPool:
                break
            except Exception as exc:  # noqa: BLE001
                yield exc
            done += 1
        else:
            return
    # A worker died (killed for its memory?) and took the pool with it; which file did it is
    # not known, so the files not yet done go one at a time, each in a process of its own.
    for job in jobs[done:]:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as alone:
            try:
                yield alone.submit(_prepare_job, job).result()
            except Exception as exc:  # noqa: BLE001
                yield exc


def _commit_isolated(
    con,
    job: tuple,
    prepared: PreparedFile | Exception,
    loaded_at,
    sealer: Sealer,
    tombstones: TombstoneMatcher | None = None,
) -> FileResult:
    """Commit one file; a failure while reading or writing it becomes its ledger row (status
    failed, with the error) and the run goes on with the next file."""
    path, name, sha = job[0], job[1], job[2]
    if isinstance(prepared, Exception):
        error = prepared
    else:
        try:
            return _commit(con, prepared, loaded_at, sealer, tombstones)
        except Exception as exc:  # noqa: BLE001 - _commit rolled the file's transaction back
            error = exc
    message = f"failed while reading: {type(error).__name__}: {str(error)[:500]}"
    log.error("%s: %s", name, message)
    result = FileResult(
        source_file=name,
        status="failed",
        file_sha256=sha,
        message=f"{message} (nothing of this file was kept; it is tried again next run)",
        exported_at=exported_at_from_name(path),
    )
    con.execute(f"delete from {RAW_SCHEMA}.file_ledger where file_sha256 = ?", [sha])
    _write_ledger(con, result, loaded_at)
    return result


def _seal_quarantine(
    con: duckdb.DuckDBPyConnection, sealer: Sealer, tombstoned: TombstoneMatcher | None = None
) -> int:
    """Move the file's quarantined rows into raw.quarantine, their raw text sealed; a line that
    names an erased person is dropped instead (how many were)."""
    frame = con.execute(f"select * from {QUARANTINE_CLEAR}").df()
    if frame.empty:
        return 0
    dropped = 0
    if tombstoned is not None:
        erased = [isinstance(t, str) and tombstoned.names(t) for t in frame["raw_text"]]
        dropped = sum(erased)
        frame = frame[[not e for e in erased]]
        if frame.empty:
            con.execute(f"delete from {QUARANTINE_CLEAR}")
            return dropped
    frame["raw_text_sealed"] = [
        sealer.seal(None if pd.isna(text) else text) for text in frame.pop("raw_text")
    ]
    con.register("_sealed", frame)
    try:
        con.execute(f"insert into {RAW_SCHEMA}.quarantine by name select * from _sealed")
    finally:
        con.unregister("_sealed")
    con.execute(f"delete from {QUARANTINE_CLEAR}")
    return dropped


def _commit(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    loaded_at: dt.datetime,
    sealer: Sealer,
    tombstones: TombstoneMatcher | None = None,
):
    """One transaction per file: its rows, its quarantined rows and its ledger entry."""
    if _in_ledger(con, prepared.sha, prepared.name):  # the same bytes twice in one run
        return FileResult(prepared.name, "skipped", message="already loaded (same SHA-256)")
    exported_at = exported_at_from_name(prepared.path)
    con.begin()
    try:
        # An earlier try of these bytes (failed, or rejected under another name) is replaced:
        # its ledger row and the rows it quarantined, which this try accounts for afresh.
        for table in ("file_ledger", "quarantine", "field_issues"):
            con.execute(f"delete from {RAW_SCHEMA}.{table} where file_sha256 = ?", [prepared.sha])
        result = _load_in_transaction(con, prepared, loaded_at, exported_at, tombstones)
        dropped = _seal_quarantine(con, sealer, tombstones)
        if dropped:  # quarantined lines of erased people: erased, not quarantined
            result.rows_quarantined -= dropped
            result.rows_erased += dropped
            con.execute(
                f"update {RAW_SCHEMA}.file_ledger set rows_quarantined = ?, rows_erased = ? "
                "where file_sha256 = ?",
                [result.rows_quarantined, result.rows_erased, prepared.sha],
            )
        con.commit()
    except Exception:
        con.rollback()
        raise
    finally:
        spools = [
            spool for part in prepared.parts for spool in (part.rejects, part.issues, part.contacts)
        ]
        for spooled in (*prepared.typed, *spools):
            if spooled is not None:
                spooled.unlink(missing_ok=True)
    return result


def _load_in_transaction(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    loaded_at: dt.datetime,
    exported_at: dt.datetime | None,
    tombstones: TombstoneMatcher | None = None,
) -> FileResult:
    path, name, sha = prepared.path, prepared.name, prepared.sha
    if prepared.rejection is not None:
        spec = next((s for s in SPECS if s.table == prepared.table), None)
        quarantine = _QuarantineWriter(con, name, sha, loaded_at)
        return _reject_whole_file(
            con, path, name, sha, spec, prepared.rejection, quarantine, loaded_at, exported_at
        )
    rows_loaded = rows_quarantined = rows_erased = 0
    for part in prepared.parts:
        # A sheet or member is named in its rows' lineage: `book.xlsx#销售明细`, line = Excel row.
        source = name if part.label is None else f"{name}#{part.label}"
        quarantine = _QuarantineWriter(con, source, sha, loaded_at)
        loaded, erased = _load_part(
            con, part, source, sha, quarantine, exported_at, loaded_at, tombstones
        )
        rows_loaded += loaded
        rows_erased += erased
        rows_quarantined += quarantine.count
    if len(prepared.parts) == 1 and prepared.parts[0].label is None:
        _fill_raw_text(con, prepared)
    unknown = prepared.unknown_columns
    nulled, pseudonymised, issues_said = _field_issue_summary(con, sha)
    said = [
        f"new columns kept in _extra: {unknown}" if unknown else "",
        issues_said,
        f"{rows_erased} rows of erased people not loaded" if rows_erased else "",
    ]
    result = FileResult(
        source_file=name,
        status="loaded",
        target_table=prepared.table,
        rows_in_file=prepared.rows_in_file,
        rows_loaded=rows_loaded,
        rows_quarantined=rows_quarantined,
        rows_erased=rows_erased,
        fields_nulled=nulled,
        fields_pseudonymised=pseudonymised,
        message="; ".join(m for m in said if m),
        file_sha256=sha,
        header_generation=prepared.generation,
        encoding=prepared.encoding,
        unknown_columns=unknown,
        exported_at=exported_at,
    )
    _write_ledger(con, result, loaded_at)
    return result


def _field_issue_summary(con, sha: str) -> tuple[int, int, str]:
    """Counts of the file's nulled cells, and a line for the ledger naming the columns."""
    rows = con.execute(
        f"""
        select column_name, is_pseudonymised, count(*)
        from {RAW_SCHEMA}.field_issues where file_sha256 = ?
        group by all order by 2, 1
        """,
        [sha],
    ).fetchall()
    nulled = sum(n for _, hashed, n in rows if not hashed)
    pseudonymised = sum(n for _, hashed, n in rows if hashed)
    parts = []
    if nulled:
        columns = ", ".join(f"{c} {n}" for c, hashed, n in rows if not hashed)
        parts.append(f"unreadable optional cells loaded as NULL: {columns}")
    if pseudonymised:
        columns = ", ".join(f"{c} {n}" for c, hashed, n in rows if hashed)
        parts.append(f"contact cells already pseudonymised by the exporter: {columns}")
    return nulled, pseudonymised, "; ".join(parts)


def _load_part(
    con, part, source: str, sha: str, quarantine, exported_at, loaded_at, tombstones=None
) -> tuple[int, int]:
    """One export's rows into its raw table; (rows loaded, rows of erased people dropped).
    Whole-file rules move caught rows to quarantine."""
    if part.table is None:  # an unrecognised sheet: every row is already a reject
        quarantine.add_from_csv(part.rejects, None)
        quarantine.flush()
        return 0, 0
    if part.issues is not None:
        _insert_field_issues(con, part, source, sha, loaded_at)
    spec = SPEC_BY_KEY[part.spec_key]
    typed = [str(p) for p in part.typed]
    # Rows go straight into the raw table (copying them through a staging table cost as much
    # as the insert); whole-file rules then look at, and move out, this part's rows only.
    inserted = _insert_typed(con, spec.table, typed, source, sha, exported_at, loaded_at)
    # an erased person's rows go before any rule sees them (a re-imported old export)
    erased = drop_tombstoned_rows(
        con, spec.table, source, sha, None if tombstones is None else tombstones.secret
    )
    con.execute(
        f"""
        create or replace temp view _incoming as
        select r.*, p._raw_text
        from {RAW_SCHEMA}.{spec.table} r
        left join (
            select _source_line, _raw_text
            from read_parquet({_sql_list(typed)}, union_by_name = true)
            where _raw_text is not null
        ) p using (_source_line)
        where r._file_sha256 = '{_sql_text(sha)}' and r._source_file = '{_sql_text(source)}'
        """
    )
    quarantine.add_from_csv(part.rejects, spec.table)
    _quarantine_implausible_times(con, spec, quarantine)
    _quarantine_excel_damage(con, spec, quarantine)
    _quarantine_conflicts(con, spec, quarantine)
    con.execute("drop view _incoming")
    quarantine.flush()
    if part.contacts is not None:  # after quarantine: only the mobiles of rows that loaded
        store_contacts(con, part.contacts, spec.table, source, sha, loaded_at)
    return inserted - erased - quarantine.moved, erased


def _insert_field_issues(con, part, source: str, sha: str, loaded_at: dt.datetime) -> None:
    con.execute(
        f"""
        insert into {RAW_SCHEMA}.field_issues
        select $file, line, $sha, $table, column_name, reason, value_kind, pseudonymised,
               cast($at as timestamp)
        from read_csv($issues, header = false, auto_detect = false, quote = '"', escape = '"',
                      delim = ',', new_line = '\\r\\n',
                      columns = {{'line': 'INTEGER', 'column_name': 'VARCHAR', 'reason': 'VARCHAR',
                                 'value_kind': 'VARCHAR', 'pseudonymised': 'BOOLEAN'}})
        """,
        {
            "file": source,
            "sha": sha,
            "table": part.table,
            "issues": str(part.issues),
            "at": loaded_at.isoformat(sep=" "),
        },
    )


def _sql_text(value: str) -> str:
    return value.replace("'", "''")


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{_sql_text(v)}'" for v in values) + "]"


def _insert_typed(
    con: duckdb.DuckDBPyConnection,
    table: str,
    typed: list[str],
    source_file: str,
    sha: str,
    exported_at: dt.datetime | None,
    loaded_at: dt.datetime,
) -> int:
    """The typed rows a worker prepared, with the lineage every row of a file shares."""
    (inserted,) = con.execute(
        f"""
        insert into {RAW_SCHEMA}.{table} by name
        select
            * exclude (_raw_text),
            $file as _source_file,
            $sha as _file_sha256,
            cast($exported as timestamp) as _exported_at,
            cast($loaded as timestamp) as _loaded_at
        from read_parquet($typed, union_by_name = true)
        """,
        {
            "file": source_file,
            "sha": sha,
            "typed": typed,
            "exported": exported_at.isoformat(sep=" ") if exported_at else None,
            "loaded": loaded_at.isoformat(sep=" "),
        },
    ).fetchone()
    return inserted


def _fill_raw_text(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> None:
    """Rows typed in SQL travel without their raw text; the few quarantined get it back here."""
    missing = con.execute(
        f"select source_line from {QUARANTINE_CLEAR} where file_sha256 = ? and raw_text is null",
        [prepared.sha],
    ).fetchall()
    if not missing:
        return
    texts = line_texts(prepared.path, prepared.encoding, {line for (line,) in missing})
    frame = pd.DataFrame({"line": list(texts), "text": list(texts.values())})
    con.register("_texts", frame)
    try:
        con.execute(
            f"""
            update {QUARANTINE_CLEAR} q set raw_text = t.text
            from _texts t
            where q.file_sha256 = ? and q.source_line = t.line and q.raw_text is null
            """,
            [prepared.sha],
        )
    finally:
        con.unregister("_texts")


def _quarantine_implausible_times(con, spec: FileSpec, quarantine: _QuarantineWriter) -> None:
    """An order before Taobao opened (2003-05-10) or later than the day after its file was
    loaded did not happen then: the row goes to quarantine here, with the reason, instead of
    reaching raw and stopping the night at a check. (Times after the as-of day are real orders
    of a later night: the marts leave them out by the as-of day, they are not quarantined.)"""
    column = spec.event_time
    if column is None:
        return
    latest = quarantine.loaded_at + dt.timedelta(days=1)
    quarantine.move_from_incoming(
        spec.table,
        f"{column} < timestamp '{EARLIEST_PLAUSIBLE}' or {column} > timestamp '{latest}'",
        f"'{column} ' || cast({column} as varchar) || ' is not plausible: "
        f"before {EARLIEST_PLAUSIBLE:%Y-%m-%d} (Taobao opened) or after {latest:%Y-%m-%d %H:%M} "
        "(the day after the file was loaded)'",
    )


def _quarantine_excel_damage(con, spec: FileSpec, quarantine: _QuarantineWriter) -> None:
    """Excel keeps 15 significant digits: a file whose every id ends in 00 has lost real digits,
    and loading it would merge different orders under one id."""
    key = spec.excel_damage_key
    if key is None:
        return
    total, damaged = con.execute(
        f"select count(*), count(*) filter (where {key} like '%00') from _incoming"
    ).fetchone()
    if total >= 5 and damaged == total:
        quarantine.move_from_incoming(
            spec.table,
            "true",
            f"'{key} ' || {key} || ': every id in this file ends in 00; the ids were "
            "rounded by Excel and cannot be trusted'",
        )


def _quarantine_conflicts(con, spec: FileSpec, quarantine: _QuarantineWriter) -> None:
    """One order id with two different paid amounts is a data error, never silently merged.
    A file landed again under the same name with new bytes is the shop's correction of it: its
    amounts replace the earlier copy's (staging keeps the copy landed last), no conflict."""
    key, value, when = spec.conflict_key, spec.conflict_value, spec.conflict_when_not_null
    if key is None or value is None:
        return
    con.execute(f"""
        create or replace temp table _conflicts as
        with incoming as (
            select {key} as k, {value} as v from _incoming where {when} is not null
        ),
        in_file as (
            select k, 'appears in this file with different amounts ('
                   || string_agg(distinct cast(v as varchar), ' vs ' order by cast(v as varchar))
                   || ')' as why
            from incoming group by k having count(distinct v) > 1
        ),
        earlier as (
            select i.k, 'already loaded from ' || min(r._source_file) || ' with amount '
                   || cast(min(r.{value}) as varchar) || ', this row says '
                   || cast(min(i.v) as varchar) as why
            from incoming i
            join {RAW_SCHEMA}.{spec.table} r
              on r.{key} = i.k and r.{value} <> i.v and r.{when} is not null
             and r._file_sha256 <> '{_sql_text(quarantine.sha)}'
             and r._source_file <> '{_sql_text(quarantine.name)}'
            group by i.k
        )
        select * from in_file
        union all
        select * from earlier where k not in (select k from in_file)
    """)
    quarantine.move_from_incoming(
        spec.table,
        f"{key} in (select k from _conflicts)",
        f"'{key} ' || {key} || ' ' || (select why from _conflicts c where c.k = _incoming.{key})",
    )
    con.execute("drop table _conflicts")


def _reject_whole_file(con, path, name, sha, spec, reason, quarantine, loaded_at, exported_at):
    """A file that cannot be read as a whole still leaves every record in quarantine."""
    rows = 0
    header_seen = False
    if is_document(path):
        encoding = "utf-8"
        rows = _quarantine_document(path, name, sha, spec, reason, quarantine, loaded_at)
    elif path.suffix.lower() in SUPPORTED_SUFFIXES:
        encoding = detect_encoding(path)
        for item in read_records(path, encoding):
            if isinstance(item, Record) and not header_seen:
                header_seen = True
                continue
            rows += 1
            text = item.text
            line = item.line
            why = reason if isinstance(item, Record) else f"{reason}; {item.reason}"
            quarantine.add(line, spec.table if spec else None, why, text)
    else:
        encoding = None
        rows = 1
        quarantine.add(0, None, reason, None)
    quarantine.flush()
    log.warning("%s: %s", name, reason)
    result = FileResult(
        source_file=name,
        status="rejected",
        target_table=spec.table if spec else None,
        rows_in_file=rows,
        rows_loaded=0,
        rows_quarantined=quarantine.count,
        message=reason,
        file_sha256=sha,
        header_generation=None,
        encoding=encoding,
        unknown_columns="",
        exported_at=exported_at,
    )
    _write_ledger(con, result, loaded_at)
    return result


def _quarantine_document(path, name, sha, spec, reason, quarantine, loaded_at) -> int:
    """Every row of every readable part of a rejected workbook or dump; one row (line 0) for a
    document, or the rest of one, that cannot be read at all."""
    rows = 0
    try:
        for part in read_document(path):
            source = f"{name}#{part.label}"
            writer = _QuarantineWriter(quarantine.con, source, sha, loaded_at)
            table = part.spec.table if part.spec else None
            records = iter(part.records)
            # The first record of a recognised part is its header; an unrecognised sheet has
            # none that Fugou knows, so all of it is kept.
            if part.spec is not None:
                next(records, None)
            for record in records:
                writer.add(record.line, table, reason, record.text)
                rows += 1
            writer.flush()
            quarantine.count += writer.count
    except FileRejected:  # the document, or a sheet of it past those kept above, is unreadable
        quarantine.add(0, spec.table if spec else None, reason, None)
        return rows + 1
    return rows


def _write_ledger(con: duckdb.DuckDBPyConnection, r: FileResult, loaded_at: dt.datetime) -> None:
    row = {
        "file_sha256": r.file_sha256,
        "source_file": r.source_file,
        "target_table": r.target_table,
        "header_generation": r.header_generation,
        "encoding": r.encoding,
        "rows_in_file": r.rows_in_file,
        "rows_loaded": r.rows_loaded,
        "rows_quarantined": r.rows_quarantined,
        "fields_nulled": r.fields_nulled,
        "fields_pseudonymised": r.fields_pseudonymised,
        "rows_erased": r.rows_erased,
        "status": r.status,
        "message": r.message,
        "unknown_columns": r.unknown_columns,
        "exported_at": r.exported_at,
        "loaded_at": loaded_at,
    }
    con.execute(
        f"insert into {RAW_SCHEMA}.file_ledger ({', '.join(row)}) "
        f"values ({', '.join('?' for _ in row)})",
        list(row.values()),
    )


class _QuarantineWriter:
    def __init__(self, con, name: str, sha: str, loaded_at: dt.datetime) -> None:
        self.con, self.name, self.sha, self.loaded_at = con, name, sha, loaded_at
        self.pending: list[tuple] = []
        self.count = 0
        self.moved = 0  # rows taken back out of the raw table

    def add(self, line: int, table: str | None, reason: str, raw_text: str | None) -> None:
        self.pending.append((self.name, line, self.sha, table, reason, raw_text, self.loaded_at))
        self.count += 1
        if len(self.pending) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        frame = pd.DataFrame(
            self.pending,
            columns=[
                "source_file",
                "source_line",
                "file_sha256",
                "target_table",
                "reason",
                "raw_text",
                "quarantined_at",
            ],
        )
        self.con.register("_qbatch", frame)
        try:
            self.con.execute(f"insert into {QUARANTINE_CLEAR} by name select * from _qbatch")
        finally:
            self.con.unregister("_qbatch")
        self.pending = []

    def add_from_csv(self, rejects: Path, table: str | None) -> None:
        """Rejected rows spooled by prepare_file (line, reason, raw text)."""
        self.flush()
        added = self.con.execute(
            f"""
            insert into {QUARANTINE_CLEAR}
            select $file, line, $sha, $table, reason, raw_text, cast($at as timestamp)
            from read_csv($rejects, header = false, auto_detect = false, quote = '"',
                          escape = '"', delim = ',', new_line = '\\r\\n',
                          max_line_size = {REJECTS_MAX_LINE_BYTES},
                          buffer_size = {REJECTS_MAX_LINE_BYTES},
                          columns = {{'line': 'INTEGER', 'reason': 'VARCHAR', 'raw_text': 'VARCHAR'}})
            """,
            {
                "file": self.name,
                "sha": self.sha,
                "table": table,
                "rejects": str(rejects),
                "at": self.loaded_at.isoformat(sep=" "),
            },
        ).fetchone()[0]
        self.count += added

    def move_from_incoming(self, table: str, where: str, reason_sql: str) -> None:
        """Rows caught by a whole-file rule leave the raw table for quarantine with their raw line."""
        self.flush()
        moved = self.con.execute(
            f"""
            insert into {QUARANTINE_CLEAR}
            select ?, _source_line, ?, ?, {reason_sql}, _raw_text, ?
            from _incoming where {where}
        """,
            [self.name, self.sha, table, self.loaded_at],
        ).fetchone()[0]
        self.con.execute(
            f"delete from {RAW_SCHEMA}.{table} where _file_sha256 = ? and _source_file = ? "
            f"and ({where})",
            [self.sha, self.name],
        )
        self.count += moved
        self.moved += moved


@contextlib.contextmanager
def _progress_printer():
    """A bar by bytes on a terminal (tqdm, which Dagster already brings); a line per file when
    the output goes to a file or a pipe, where a bar's redraws would be noise."""
    import sys

    from tqdm import tqdm

    if not sys.stderr.isatty():
        yield lambda done: print(done.line(), flush=True)
        return
    bar: tqdm | None = None

    def show(done: LoadProgress) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=done.bytes_total, unit="B", unit_scale=True, desc="loading")
        bar.update(done.bytes_done - bar.n)
        bar.set_postfix_str(
            f"{done.files_done}/{done.files_total} files, {done.rows_loaded:,} rows"
        )

    try:
        yield show
    finally:
        if bar is not None:
            bar.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m ingestion.loader`: load the landing folder into the warehouse without Dagster
    (the nightly job's `raw_tables` step does the same), one line per file."""
    import argparse
    import sys

    from ingestion.key_fingerprint import KeyMismatchError
    from ingestion.settings import SettingsError, load_settings

    parser = argparse.ArgumentParser(
        prog="python -m ingestion.loader",
        description="Load every new export in FUGOU_LANDING_DIR into the raw schema of "
        "FUGOU_WAREHOUSE (files already loaded are skipped by content), then print what became "
        "of each file. The models are built by the nightly job, not here.",
    )
    parser.parse_args(argv)
    try:
        settings = load_settings()
        if not settings.landing_dir.is_dir():
            raise SettingsError(f"the landing folder {settings.landing_dir} does not exist")
        with duckdb.connect(str(settings.warehouse)) as con, _progress_printer() as progress:
            report = load_landing(
                con,
                settings.landing_dir,
                settings.pii_key,
                settle_seconds=settings.settle_seconds,
                progress=progress,
                vault_key=settings.vault_key,
            )
    except (SettingsError, KeyMismatchError) as exc:
        print(f"loader: {exc}", file=sys.stderr)
        return 2
    for result in report.files:
        if result.status in ("skipped", "loaded") and not result.message:
            continue  # the progress said it
        print(
            f"{result.source_file}: {result.status}, {result.rows_loaded:,} rows loaded, "
            f"{result.rows_quarantined:,} quarantined"
            + (f" ({result.message})" if result.message else "")
        )
    print(
        f"{report.count('loaded')} files loaded, {report.count('skipped')} skipped, "
        f"{report.count('rejected')} rejected, {report.count('failed')} failed, "
        f"{report.count('waiting')} still being copied; {report.rows_loaded:,} rows loaded, "
        f"{report.rows_quarantined:,} quarantined"
    )
    return 1 if report.count("failed") else 0


if __name__ == "__main__":
    raise SystemExit(main())
