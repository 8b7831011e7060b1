"""What a night's build reads, as one fingerprint: when it equals the last published build's,
the night has nothing new to say and skips the models, the predictions and the publishing.

An unchanged re-run (the landing sensor after a file that was already loaded, a second demo
run, a retry from the UI) used to rebuild everything: 1 min 20 s on the demo for a run that
loaded no file. The fingerprint covers every input of the marts:

- the raw data: the file ledger (which files loaded, and when), the erasure log and the key's
  fingerprint, so the loader command, an erasure or a re-key between runs counts as new;
- the day the marts describe (as-of) and where they are built (target, warehouse, BI copy);
- the project's code and rules: dbt models, macros, seeds, vars, identity rules, and the
  Python that loads, predicts and publishes.

The load step computes the fingerprint after loading and records it on `raw/file_ledger`; the
publishing step copies it to `published/bi_marts` when the same run built the marts and the
predictions. Both live in the Dagster instance, the warehouse's own Dagster home. What
the fingerprint cannot see is a model rebuilt by hand (`dbt build` with another as-of) between
runs: launch with `rebuild: true` (run config of `raw_tables`) after one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb
from psycopg2.extensions import parse_dsn

from ingestion.settings import PROJECT_ROOT, Settings

PUBLISHED_KEY = dg.AssetKey(["published", "bi_marts"])
LEDGER_KEY = dg.AssetKey(["raw", "file_ledger"])
# a publication records its inputs only when the same run loaded, built and predicted
BUILT_TOGETHER = (
    LEDGER_KEY,
    dg.AssetKey(["marts", "dim_customers"]),
    dg.AssetKey(["marts", "customer_predictions"]),
)
FINGERPRINT_METADATA = "build_fingerprint"

# The project's own files a build runs; generated folders (target/, logs/, caches) are not.
CODE_FOLDERS = (
    "dbt_project",
    "ingestion",
    "predictions",
    "expectations",
    "activation",
    "dagster_project",
)
CODE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md", ".py"}
GENERATED_FOLDERS = {"target", "logs", "dbt_packages", "__pycache__"}

# Raw tables that record what the warehouse holds, beyond the rows themselves: present in any
# warehouse the loader made, except the erasure log (made by the first erasure).
LEDGER_QUERIES = {
    "file_ledger": "select file_sha256, source_file, status, rows_loaded, "
    "cast(loaded_at as varchar) from raw.file_ledger order by 1, 2, 3, 4, 5",
    "erasure_log": "select count(*) from raw.erasure_log",
    "pii_key_fingerprint": "select * from raw.pii_key_fingerprint",
}


def code_digest(root: Path = PROJECT_ROOT, folders: tuple[str, ...] = CODE_FOLDERS) -> str:
    """SHA-256 over the project's source files in `folders`, path and content (about 300 files,
    a few ms)."""
    digest = hashlib.sha256()
    files = [
        path
        for folder in folders
        for path in (root / folder).rglob("*")
        if path.is_file()
        and path.suffix in CODE_SUFFIXES
        and not GENERATED_FOLDERS.intersection(path.relative_to(root).parts)
    ]
    files.append(root / "profiles.yml")
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def raw_state(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """The ledgers' rows (as text), the tables a warehouse lacks as None."""
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_catalog = current_database()"
        ).fetchall()
    }
    return {
        table: [list(map(str, row)) for row in con.execute(sql).fetchall()]
        if table in present
        else None
        for table, sql in LEDGER_QUERIES.items()
    }


def build_fingerprint(
    con: duckdb.DuckDBPyConnection, settings: Settings, as_of: dt.date, code: str | None = None
) -> str:
    """One SHA-256 over every input of the night's build (the module docstring lists them)."""
    place = {
        "as_of": as_of.isoformat(),
        "target": settings.dbt_target,
        "warehouse": str(settings.warehouse),
        "published": str(settings.published_warehouse),
        # the server and database, never its password
        "postgres": {k: v for k, v in parse_dsn(settings.postgres_dsn).items() if k != "password"},
        "publish_nicks": settings.publish_nicks,
        "ground_truth": str(settings.ground_truth or ""),
        # what the outbox writes and where: a vault key or webhook set since changes tonight's
        "outbox": str(settings.outbox_dir),
        "vault": bool(settings.vault_key),
        "webhook": settings.webhook_url,
    }
    payload = {"place": place, "raw": raw_state(con), "code": code or code_digest()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _metadata_value(event, name: str):
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get(name)
    return None if value is None else getattr(value, "value", value)


def built_in_run(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """The fingerprint the load step of this run computed, if this run also built the models
    and the predictions from it; None for a partial run (publishing alone, say), whose copy was
    not built from what the load step saw."""
    events = {key: instance.get_latest_materialization_event(key) for key in BUILT_TOGETHER}
    if any(event is None or event.run_id != run_id for event in events.values()):
        return None
    return _metadata_value(events[LEDGER_KEY], FINGERPRINT_METADATA)


def unchanged_since(
    instance: dg.DagsterInstance, fingerprint: str, settings: Settings
) -> tuple[str, float] | None:
    """(run id, time) of the latest publication if it was built from exactly these inputs and
    its copy is still there; None when the night must build."""
    event = instance.get_latest_materialization_event(PUBLISHED_KEY)
    if _metadata_value(event, FINGERPRINT_METADATA) != fingerprint:
        return None
    if settings.dbt_target == "duckdb" and not settings.published_warehouse.is_file():
        return None
    return event.run_id, event.timestamp
