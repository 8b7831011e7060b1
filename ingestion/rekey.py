"""Change the PII key: `python -m ingestion.rekey --new-key-file /secure/new.key`.

Every pseudonym is an HMAC of a clear value the warehouse does not keep, so they cannot be
converted from one key to the other in place. They are rebuilt from the landing files, which
hold the clear values: every loaded file is loaded again, with the new key, into a scratch
warehouse beside the real one. Each raw row there is paired with its row in the warehouse by
lineage (file SHA-256, file or sheet, line), which pairs each old pseudonym with its new one.
One transaction then applies that map to:

- every `*_hmac` column of raw;
- the identity state. The node keys of `int_customer_id_assignments` and the causes in
  `identity_changes` are mapped, so every customer keeps its id;
- the quarantine and the tombstone secret, which are sealed again under the new key;
- the key fingerprint.

After the transaction, dbt builds the models again from the re-keyed raw, the file is
rewritten so no byte of an old pseudonym stays, and the BI copy is published again.

The command refuses, and changes nothing, when:
- a loaded file is gone from the landing folder (raw lacks the clear values);
- a pairing is not one to one;
- a pseudonym in use has no new value.

Run it while no nightly run is writing. Then give the nightly job the new key.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.erasure import RAW, SINCE_SUFFIX, compact_duckdb
from ingestion.identity_rules import RULES_FILE, read_rules, write_rules
from ingestion.key_fingerprint import (
    KeyMismatchError,
    check_key_read_only,
    fingerprint,
    record_fingerprint,
)
from ingestion.loader import file_sha256, landed_files, load_landing
from ingestion.publish import publish_marts
from ingestion.sealing import Sealer
from ingestion.settings import PROJECT_ROOT, SettingsError, _read_pii_key, load_settings
from ingestion.vault import CONTACT_POINTS, VAULT_SCHEMA, drop_orphaned_contact_points

LINEAGE = ("_file_sha256", "_source_file", "_source_line")
# raw tables whose rows pair a phone pseudonym with a receiver-name pseudonym: the identity
# graph's phone_name_hmac nodes are md5(phone || ':' || name) of them (phone_name_pseudonym)
PHONE_NAME_COLUMNS = {
    "taobao_orders": ("receiver_mobile_hmac", "receiver_name_hmac"),
    "taobao_shipments": ("receiver_mobile_hmac", "receiver_name_hmac"),
    "top_trades": ("receiver_mobile_hmac", "receiver_name_hmac"),
    "erp_order_lines": ("receiver_mobile_hmac", "receiver_name_hmac"),
}
NODE_TABLES = (
    ("intermediate", "int_customer_id_assignments", ("node_key", "component_key")),
    ("marts", "identity_changes", ("caused_by_identifier",)),
)


class RekeyError(RuntimeError):
    """The re-key cannot be done safely; nothing was changed."""


def _hmac_columns(con, catalog: str, table: str) -> list[str]:
    return [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where table_catalog = ? "
            "and table_schema = 'raw' and table_name = ? and column_name like '%\\_hmac' escape '\\' "
            "order by 1",
            [catalog, table],
        ).fetchall()
    ]


def _raw_tables(con, catalog: str) -> set[str]:
    return {
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = 'raw'",
            [catalog],
        ).fetchall()
    }


def missing_landing_files(con, landing: Path) -> list[str]:
    """Loaded files (by content) that are no longer in the landing folder."""
    present = {file_sha256(path) for path in landed_files(landing)}
    rows = con.execute(
        f"select file_sha256, source_file from {RAW}.file_ledger where status = 'loaded'"
    ).fetchall()
    return sorted(name for sha, name in rows if sha not in present)


def build_map(con, scratch: str) -> dict[str, str]:
    """old pseudonym -> new, from every raw row paired by lineage with its scratch twin."""
    catalog = con.execute("select current_database()").fetchone()[0]
    pairs: dict[str, str] = {}
    scratch_tables = _raw_tables(con, scratch)
    for table in sorted(_raw_tables(con, catalog)):
        columns = _hmac_columns(con, catalog, table)
        if not columns:
            continue
        if table not in scratch_tables:
            raise RekeyError(f"raw.{table} was not rebuilt from the landing files")
        (old_rows, paired, distinct_pairs) = con.execute(
            f"""
            select
                (select count(*) from {RAW}.{table}),
                count(*),
                count(distinct ({", ".join("o." + c for c in LINEAGE)}))
            from {RAW}.{table} o
            join "{scratch}".raw.{table} n using ({", ".join(LINEAGE)})
            """
        ).fetchone()
        if paired != old_rows or distinct_pairs != old_rows:
            raise RekeyError(
                f"raw.{table}: {old_rows} rows, {paired} paired with the files loaded again "
                f"({distinct_pairs} one to one); a row whose file changed cannot be re-keyed"
            )
        selects = [
            f"select o.{c} as old_value, n.{c} as new_value from {RAW}.{table} o "
            f'join "{scratch}".raw.{table} n using ({", ".join(LINEAGE)}) where o.{c} is not null'
            for c in columns
        ]
        if table in PHONE_NAME_COLUMNS:
            phone, name = PHONE_NAME_COLUMNS[table]
            selects.append(
                f"select md5(o.{phone} || ':' || o.{name}), md5(n.{phone} || ':' || n.{name}) "
                f"from {RAW}.{table} o "
                f'join "{scratch}".raw.{table} n using ({", ".join(LINEAGE)}) '
                f"where o.{phone} is not null and o.{name} is not null"
            )
        for old, new in con.execute(" union ".join(selects)).fetchall():
            if new is None or pairs.get(old, new) != new:
                raise RekeyError(
                    f"raw.{table}: a pseudonym has {'no' if new is None else 'two'} new values; "
                    "the files loaded again do not give the same clear values"
                )
            pairs[old] = new
    return pairs


def _map_node(node: str | None, pairs: dict[str, str]) -> str | None:
    """`type:value` with a pseudonymised value mapped; None when it cannot be."""
    if node is None:
        return None
    kind, sep, value = node.partition(":")
    if not sep or not kind.endswith("_hmac"):
        return node
    suffix = SINCE_SUFFIX.search(value)
    bare = SINCE_SUFFIX.sub("", value)
    if bare not in pairs:
        return None
    return f"{kind}:{pairs[bare]}{suffix.group(1) if suffix else ''}"


def _temp_map(con, name: str, pairs: list[tuple[str, str]]) -> None:
    frame = pd.DataFrame(pairs, columns=["old_value", "new_value"], dtype=object)
    con.register("_pairs", frame)
    try:
        con.execute(
            f"create or replace temp table {name} as "
            "select cast(old_value as varchar) as old_value, "
            "cast(new_value as varchar) as new_value from _pairs"
        )
    finally:
        con.unregister("_pairs")


def _apply(con, pairs: dict[str, str], old_key: bytes, new_key: bytes) -> dict:
    catalog = con.execute("select current_database()").fetchone()[0]
    con.execute(
        "create or replace temp table fugou_rekey_map (old_value varchar, new_value varchar)"
    )
    con.executemany("insert into fugou_rekey_map values (?, ?)", list(pairs.items()))
    counts: dict[str, int] = {}
    for table in sorted(_raw_tables(con, catalog)):
        for column in _hmac_columns(con, catalog, table):
            (n,) = con.execute(
                f"update {RAW}.{table} t set {column} = m.new_value from fugou_rekey_map m "
                f"where t.{column} = m.old_value"
            ).fetchone()
            counts[f"raw.{table}.{column}"] = n
    if con.execute(
        "select count(*) from information_schema.tables where table_catalog = ? "
        "and table_schema = ? and table_name = 'contact_points'",
        [catalog, VAULT_SCHEMA],
    ).fetchone()[0]:
        # the contact vault's rows are named by pseudonym; their tokens do not depend on it
        (n,) = con.execute(
            f"update {CONTACT_POINTS} t set mobile_hmac = m.new_value from fugou_rekey_map m "
            "where t.mobile_hmac = m.old_value"
        ).fetchone()
        counts[CONTACT_POINTS] = n
        drop_orphaned_contact_points(con)
    for schema, table, columns in NODE_TABLES:
        present = con.execute(
            "select count(*) from information_schema.tables where table_catalog = ? "
            "and table_schema = ? and table_name = ?",
            [catalog, schema, table],
        ).fetchone()[0]
        if not present:
            continue
        for column in columns:
            nodes = [
                n
                for (n,) in con.execute(
                    f"select distinct {column} from {schema}.{table}"
                ).fetchall()
            ]
            mapped = {n: _map_node(n, pairs) for n in nodes if n is not None}
            lost = [n for n, m in mapped.items() if m is None]
            if table == "int_customer_id_assignments" and lost:
                # a node of a current customer must map; a node kept only as history (no
                # customer tonight) whose rows are gone cannot, and is dropped
                (held,) = con.execute(
                    f"select count(*) from {schema}.{table} where customer_id is not null "
                    f"and {column} in (select unnest(?))",
                    [lost],
                ).fetchone()
                if held:
                    raise RekeyError(
                        f"{held} identity nodes of current customers have no new pseudonym"
                    )
                con.execute(
                    f"delete from {schema}.{table} where {column} in (select unnest(?))", [lost]
                )
            _temp_map(
                con,
                "fugou_rekey_nodes",
                [(o, m) for o, m in mapped.items() if m is not None and m != o],
            )
            (n,) = con.execute(
                f"update {schema}.{table} t set {column} = m.new_value from fugou_rekey_nodes m "
                f"where t.{column} = m.old_value"
            ).fetchone()
            counts[f"{schema}.{table}.{column}"] = n
    old, new = Sealer(old_key), Sealer(new_key)
    sealed = con.execute(
        f"select rowid, raw_text_sealed from {RAW}.quarantine where raw_text_sealed is not null"
    ).fetchall()
    for rowid, token in sealed:
        con.execute(
            f"update {RAW}.quarantine set raw_text_sealed = ? where rowid = ?",
            [new.seal(old.open(token)), rowid],
        )
    counts["raw.quarantine.raw_text_sealed"] = len(sealed)
    if "privacy_secrets" in _raw_tables(con, catalog):
        for name, token in con.execute(
            f"select name, sealed_value from {RAW}.privacy_secrets"
        ).fetchall():
            con.execute(
                f"update {RAW}.privacy_secrets set sealed_value = ? where name = ?",
                [new.seal(old.open(token)), name],
            )
    record_fingerprint(con, new_key)
    con.execute("drop table if exists fugou_rekey_map")
    con.execute("drop table if exists fugou_rekey_nodes")
    return counts


def rekey(
    warehouse: Path,
    landing: Path,
    old_key: bytes,
    new_key: bytes,
    as_of: dt.date,
    published: Path | None = None,
    publish_nicks: bool = False,
    rules_file: Path = RULES_FILE,
    build_models: bool = True,
) -> dict:
    """Re-key the warehouse (see the module's docstring); `build_models=False` leaves the
    models to the next nightly run (a warehouse no night has built yet)."""
    if new_key == old_key:
        raise RekeyError("the new key is the key in use")
    with duckdb.connect(str(warehouse)) as con:
        check_key_read_only(con, old_key)
        missing = missing_landing_files(con, landing)
        if missing:
            raise RekeyError(
                f"{len(missing)} loaded files are no longer in {landing}, and raw keeps no clear "
                f"values to rebuild their pseudonyms from: {', '.join(missing[:10])}. Put them "
                "back (any name) and run again."
            )
        with tempfile.TemporaryDirectory(prefix=".fugou-rekey-", dir=warehouse.parent) as tmp:
            scratch_path = Path(tmp) / "rekey_scratch.duckdb"
            with duckdb.connect(str(scratch_path)) as scratch:
                load_landing(scratch, landing, new_key, rules_file=rules_file)
            con.execute(f"attach '{scratch_path}' as rekey_scratch (read_only)")
            try:
                pairs = build_map(con, "rekey_scratch")
                con.begin()
                try:
                    counts = _apply(con, pairs, old_key, new_key)
                    con.commit()
                except Exception:
                    con.rollback()
                    raise
            finally:
                con.execute("detach rekey_scratch")
        write_rules(con, read_rules(rules_file), new_key)
    if build_models:
        _build_models(warehouse, as_of)
    compact_duckdb(warehouse)
    if published is not None and published.exists():
        with duckdb.connect(str(warehouse)) as con:
            publish_marts(con, published, new_key, publish_nicks=publish_nicks)
    return {"pseudonyms": len(pairs), "updated": counts, "fingerprint": fingerprint(new_key)}


def _build_models(warehouse: Path, as_of: dt.date) -> None:
    """dbt builds the models again from the re-keyed raw (in its own process, as the nightly
    job runs it): the marts then hold the new pseudonyms only."""
    env = dict(os.environ, FUGOU_WAREHOUSE=str(warehouse), FUGOU_DBT_TARGET="duckdb")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    with tempfile.TemporaryDirectory(prefix="fugou-rekey-dbt-") as tmp:
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("dbt")),
                "build",
                # the incremental models hold old pseudonyms in rows no new file touches
                "--full-refresh",
                "--project-dir",
                str(PROJECT_ROOT / "dbt_project"),
                "--profiles-dir",
                str(PROJECT_ROOT),
                "--target-path",
                str(Path(tmp) / "target"),
                "--log-path",
                str(Path(tmp) / "logs"),
                "--vars",
                json.dumps({"as_of": as_of.isoformat()}),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        raise RekeyError(
            "the warehouse is re-keyed, but dbt could not build the models again (the next "
            f"nightly run will): {done.stdout[-2000:]}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.rekey", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--new-key-file", required=True, type=Path, help="file holding the new key")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        new_key = _read_pii_key({"FUGOU_PII_KEY_FILE": str(args.new_key_file)})
        result = rekey(
            settings.warehouse,
            settings.landing_dir,
            settings.pii_key,
            new_key,
            settings.as_of,
            published=settings.published_warehouse,
            publish_nicks=settings.publish_nicks,
        )
    except (RekeyError, SettingsError, KeyMismatchError) as exc:
        print(f"rekey: {exc}", file=sys.stderr)
        return 2
    print(
        f"re-keyed {result['pseudonyms']} pseudonyms; the warehouse's key is now fingerprint "
        f"{result['fingerprint']}. Point FUGOU_PII_KEY_FILE at {args.new_key_file} for the next "
        "run, and keep the old key only as long as your backups need it."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
