"""Publish the marts to a separate DuckDB file for BI tools.

DuckDB has one writer, and a BI tool holding the warehouse file (even read-only) would make the
nightly run fail. So BI tools read a copy: the marts are written to a temporary file next to the
published one and moved over it atomically, so a reader sees either last night's file or
tonight's, never a half-written one. Readers that keep the old file open keep reading it.

The copy is also where the marts leave the warehouse's protection: every analyst with a BI login
reads it. So Taobao nicks, the one clear personal identifier the marts keep (the outbox needs
them for 旺旺 follow-ups), are published as keyed handles unless the shop chooses otherwise
(`publish_nicks`): a handle is stable from night to night and the same in every table, but
without the key a nick cannot be guessed back from it (a plain hash of a nick could be).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.prepare import hmac_pads, hmac_sql, pseudonymise
from ingestion.warehouse import tables_in_schema

NICK_TYPES = ("taobao_nick", "taobao_member_nickname")
HANDLE_PREFIX = "nick:"  # keeps handles apart from the phone pseudonyms made with the same key


@dataclass(frozen=True)
class NickColumn:
    table: str
    column: str
    # SQL true on the rows whose `column` is a nick (None: every row)
    where: str | None = None
    # the column the handle goes to; None: in place of the nick
    handle_column: str | None = None


NICK_COLUMNS = (
    NickColumn("dim_customers", "preferred_nick", handle_column="customer_handle"),
    NickColumn(
        "customer_identifiers",
        "identifier_value",
        where="identifier_type in (" + ", ".join(f"'{t}'" for t in NICK_TYPES) + ")",
    ),
)


def nick_handle_sql(value: str, dialect: str = "duckdb") -> str:
    """SQL for a nick's handle: 'N' and 15 hex of an HMAC under the PII key, whose pads are the
    parameters $ipad/$opad (DuckDB) or %(ipad)s/%(opad)s (PostgreSQL, bytea)."""
    if dialect == "postgres":
        message = f"convert_to('{HANDLE_PREFIX}' || {value}, 'UTF8')"
        digest = f"encode(sha256(%(opad)s || sha256(%(ipad)s || {message})), 'hex')"
    else:
        digest = hmac_sql(f"'{HANDLE_PREFIX}' || {value}")
    return f"case when {value} is null then null else 'N' || left({digest}, 15) end"


def nick_handle(pii_key: bytes, nick: str) -> str:
    """The handle the BI copy shows for a nick (what `nick_handle_sql` computes), for an operator
    with the key who must find a customer BI pointed at."""
    return "N" + pseudonymise(pii_key, HANDLE_PREFIX + nick)[:15]


def _select_list(con, schema: str, table: str, publish_nicks: bool) -> str:
    columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = ? and table_catalog = current_database() order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]
    return select_list(columns, table, publish_nicks)


def select_list(
    columns: list[str], table: str, publish_nicks: bool, dialect: str = "duckdb"
) -> str:
    """The columns of a published table: nick columns as handles unless nicks are published."""
    rules = {rule.column: rule for rule in NICK_COLUMNS if rule.table == table}
    items = []
    for name in columns:
        rule = rules.get(name)
        quoted = f'"{name}"'
        if rule is None:
            items.append(quoted)
            continue
        handle = nick_handle_sql(quoted, dialect)
        if rule.where is not None:
            handle = f"case when {rule.where} then {handle} else {quoted} end"
        if rule.handle_column is None:
            items.append(quoted if publish_nicks else f"{handle} as {quoted}")
        else:
            items.extend([quoted] if publish_nicks else [])
            items.append(f'{handle} as "{rule.handle_column}"')
    return ", ".join(items)


def publish_marts(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    pii_key: bytes,
    schema: str = "marts",
    publish_nicks: bool = False,
) -> dict:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp")
    # A publish killed midway leaves its temporary file (and DuckDB's log of it) behind.
    for leftover in (staging, staging.with_name(f"{staging.name}.wal")):
        leftover.unlink(missing_ok=True)
    tables = tables_in_schema(con, schema)
    ipad, opad = hmac_pads(pii_key)
    con.execute(f"attach '{staging}' as bi_publish")
    try:
        con.execute(f"create schema bi_publish.{schema}")
        for table in tables:
            select = _select_list(con, schema, table, publish_nicks)
            sql = (
                f"create table bi_publish.{schema}.{table} as select {select} from {schema}.{table}"
            )
            con.execute(sql, {"ipad": ipad, "opad": opad} if "$ipad" in sql else None)
    finally:
        con.execute("detach bi_publish")
    os.replace(staging, target)
    return {
        table: con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
        for table in tables
    }


PUBLISHED_SCHEMA = "published"


def publish_marts_postgres(
    dsn: str,
    pii_key: bytes,
    publish_nicks: bool = False,
    schema: str = "marts",
    target: str = PUBLISHED_SCHEMA,
) -> dict:
    """On the PostgreSQL target BI reads the server, not a file: the marts are copied to the
    `published` schema (nicks as handles), in one transaction, so a reader sees last night's
    tables or tonight's. Grant BI logins that schema only; `marts` keeps the nicks the outbox
    needs."""
    import psycopg2

    ipad, opad = hmac_pads(pii_key)
    counts = {}
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
        cur.execute(
            "select table_name from information_schema.tables where table_schema = %s "
            "and table_type = 'BASE TABLE' order by 1",
            [schema],
        )
        tables = [t for (t,) in cur.fetchall()]
        cur.execute(f'create schema if not exists "{target}"')
        for table in tables:
            cur.execute(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                [schema, table],
            )
            columns = [c for (c,) in cur.fetchall()]
            select = select_list(columns, table, publish_nicks, dialect="postgres")
            cur.execute(f'drop table if exists "{target}"."{table}"')
            sql = f'create table "{target}"."{table}" as select {select} from "{schema}"."{table}"'
            pads = {"ipad": psycopg2.Binary(ipad), "opad": psycopg2.Binary(opad)}
            cur.execute(sql, pads if "%(ipad)s" in sql else None)
            cur.execute(f'select count(*) from "{target}"."{table}"')
            counts[table] = cur.fetchone()[0]
    return counts
