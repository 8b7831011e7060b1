"""Erase a person (PIPL's right to deletion): every row about them, the bytes, and a tombstone.

A person is found by any identifier a shop has for them (Taobao nick, phone, Fugou customer id,
member number) and grows to everything identity resolution joined to it: the customer ids, the
identity-graph nodes, the records (orders, member rows, WeCom contacts, WeChat followers,
survey answers) and the identifying values that are theirs alone. Then, in one transaction:

- raw rows are deleted where a record or one of their own identifiers names them
  (`ERASURE_KEYS`: column -> kind, per raw table), and quarantined lines that hold them;
- every derived table (staging is views; intermediate, marts, predictions, the snapshot, the
  incremental id assignments and identity history) loses the rows keyed on them (`SWEEP_COLUMNS`);
- a **tombstone** per record id and identifying value is written: an HMAC under a secret that is
  itself sealed under the PII key, so the warehouse alone cannot be searched for a phone. The
  loader drops any row a tombstone matches, so re-loading an old export cannot bring them back;
- the same keys join the **suppression list** that the outbox reads before anything is sent;
- one line goes to the **erasure log**: who asked, when, which kinds of identifier, how many rows
  per table; never the identifiers.

Afterwards the DuckDB file is rewritten (`compact_duckdb`), because a deleted row's bytes stay in
the file's free blocks until then, and the BI copy is published afresh. The person's values are
then searched for in the new file's bytes: the command says whether any was found.

Values shared with someone else (a renamed-away nick now held by another buyer, a household
phone identity resolution does not link on) are never matched by value: their rows go only
through the person's own records, and they get no tombstone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.prepare import hmac_pads, hmac_sql, pseudonymise
from ingestion.sealing import Sealer
from ingestion.sources.values import parse_phone
from ingestion.vault import CONTACT_POINTS, drop_orphaned_contact_points
from ingestion.warehouse import Db

RAW = "raw"
# Per raw table: (SQL over the raw row, kind). A row goes when any of its keys is the person's.
ERASURE_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "taobao_orders": (
        ("order_id", "order"),
        ("buyer_nick", "taobao_nick"),
        ("receiver_mobile_hmac", "phone"),
    ),
    "taobao_order_lines": (("order_id", "order"),),
    "taobao_refunds": (("order_id", "order"),),
    "taobao_shipments": (("order_id", "order"), ("receiver_mobile_hmac", "phone")),
    "top_trades": (
        ("tid", "order"),
        ("buyer_nick", "taobao_nick"),
        ("buyer_open_uid", "buyer_open_uid"),
        ("receiver_mobile_hmac", "phone"),
    ),
    "top_trade_orders": (("tid", "order"),),
    "top_refunds": (
        ("tid", "order"),
        ("buyer_nick", "taobao_nick"),
        ("buyer_open_uid", "buyer_open_uid"),
    ),
    "erp_order_lines": (
        ("platform_order_id", "order"),
        ("'ERP-' || erp_system || '-' || erp_order_no", "order"),
        ("erp_order_no", "erp_order_no"),
        ("buyer_nick", "taobao_nick"),
        ("customer_no", "erp_customer_no"),
        ("receiver_mobile_hmac", "phone"),
    ),
    "erp_after_sales": (
        ("platform_order_id", "order"),
        ("erp_order_no", "erp_order_no"),
        ("buyer_nick", "taobao_nick"),
    ),
    "douyin_order_lines": (("order_id", "order"), ("receiver_mobile_hmac", "phone")),
    "loyalty_members": (
        ("member_id", "member"),
        ("mobile_hmac", "phone"),
        ("taobao_nick", "taobao_nick"),
        ("wechat_unionid", "wechat_unionid"),
        ("wechat_openid", "wechat_openid"),
    ),
    "loyalty_points_events": (("member_id", "member"), ("order_id", "order")),
    "survey_responses": (
        ("response_id", "survey"),
        ("member_id", "member"),
        ("mobile_hmac", "phone"),
        ("taobao_nick", "taobao_nick"),
        ("wechat_unionid", "wechat_unionid"),
        ("wechat_openid", "wechat_openid"),
    ),
    "wecom_contacts": (("external_userid", "wecom"), ("unionid", "wechat_unionid")),
    "wecom_follows": (("external_userid", "wecom"), ("remark_mobile_hmac", "phone")),
    "wechat_followers": (("openid", "wechat_openid"), ("unionid", "wechat_unionid")),
    "delivery_receipts": (("customer_id", "customer"),),
    "sms_replies": (("mobile_hmac", "phone"),),
}
# The record a record key names (int_identity_records: `order:<id>`, …) as a kind of value.
RECORD_KINDS = {
    "order": "order",
    "member": "member",
    "wecom": "wecom",
    "wechat": "wechat_openid",
    "survey": "survey",
}
# Identifier types identity resolution links on, as a kind of raw value. Types that never link
# (receiver names, display nicknames, virtual numbers the platform reuses, Alipay accounts) can
# be shared by strangers: they are erased only through the person's records.
IDENTIFIER_KINDS = {
    "taobao_nick": "taobao_nick",
    "phone_hmac": "phone",
    "member_id": "member",
    "wecom_external_userid": "wecom",
    "wechat_openid": "wechat_openid",
    "wechat_unionid": "wechat_unionid",
    "buyer_open_uid": "buyer_open_uid",
    "erp_customer_no": "erp_customer_no",
}
# Derived tables: a row goes when one of these columns holds one of the person's values.
SWEEP_COLUMNS = {
    "customer_id": "customer",
    "new_customer_id": "customer",
    "previous_customer_id": "customer",
    "label": "customer",  # identity_audit's largest components are labelled by customer id
    "node_key": "node",
    "component_key": "node",
    "from_node_key": "node",
    "to_node_key": "node",
    "caused_by_identifier": "node",
    "record_key": "record",
    "order_id": "order",
    "member_id": "member",
    "response_key": "survey",
    "erp_order_no": "erp_order_no",
    "external_userid": "wecom",
    "wechat_openid": "wechat_openid",
    "wechat_unionid": "wechat_unionid",
    "identifier_value": "identifier",
    "id_value": "identifier",
    "buyer_nick": "taobao_nick",
    "old_nick": "taobao_nick",
    "new_nick": "taobao_nick",
    "phone_name_hmac": "identifier",
}
# Lists of ids kept as text (identity_changes.old_customer_ids).
SWEEP_LIST_COLUMNS = {"old_customer_ids": "customer"}
NOT_SWEPT_SCHEMAS = {RAW, "reference", "information_schema", "pg_catalog", "pg_toast"}
# An identifier handed over to another person is kept as "<value> (since <day>)" (dbt's
# int_identifier_observations): its bare value is what the person's records carry.
SINCE_SUFFIX = re.compile(r"( \(since \d{4}-\d{2}-\d{2}\))$")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1\d{2}[- ]?\d{4}[- ]?\d{4})(?!\d)")

TOMBSTONES_DDL = f"""
create table if not exists {RAW}.erasure_tombstones (
    tombstone_key varchar not null,
    kind varchar not null,
    erasure_id varchar not null,
    created_at timestamp not null
)"""
SUPPRESSION_DDL = f"""
create table if not exists {RAW}.suppression_list (
    suppression_key varchar not null,
    kind varchar not null,
    reason varchar not null,
    source_id varchar,
    suppressed_since timestamp not null
)"""
ERASURE_LOG_DDL = f"""
create table if not exists {RAW}.erasure_log (
    erasure_id varchar primary key,
    erased_at timestamp not null,
    requested_by varchar not null,
    request_reason varchar,
    identifier_kinds varchar not null,
    customers_erased integer not null,
    rows_erased integer not null,
    rows_erased_by_table varchar not null,
    landing_files integer not null,
    tombstones_added integer not null,
    bytes_verified boolean
)"""
SECRETS_DDL = f"""
create table if not exists {RAW}.privacy_secrets (
    name varchar primary key,
    sealed_value varchar not null,
    created_at timestamp not null
)"""


class ErasureError(ValueError):
    """The request cannot be carried out as asked (nothing was changed)."""


# -- the tombstone secret and keys ---------------------------------------------------------------


def ensure_privacy_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW}")
    for ddl in (TOMBSTONES_DDL, SUPPRESSION_DDL, ERASURE_LOG_DDL, SECRETS_DDL):
        con.execute(ddl)


def tombstone_secret(con: duckdb.DuckDBPyConnection, pii_key: bytes, create: bool) -> bytes | None:
    """The secret tombstones are keyed with: random, made once, sealed under the PII key (so a
    re-key re-seals it and the tombstones stay valid)."""
    present = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name = 'privacy_secrets'",
        [RAW],
    ).fetchone()[0]
    row = (
        con.execute(
            f"select sealed_value from {RAW}.privacy_secrets where name = 'tombstone'"
        ).fetchone()
        if present
        else None
    )
    sealer = Sealer(pii_key)
    if row is not None:
        return bytes.fromhex(sealer.open(row[0]))
    if not create:
        return None
    ensure_privacy_tables(con)
    secret = secrets.token_bytes(32)
    con.execute(
        f"insert into {RAW}.privacy_secrets values ('tombstone', ?, ?)",
        [sealer.seal(secret.hex()), _now()],
    )
    return secret


def tombstone_key(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def drop_tombstoned_rows(
    con: duckdb.DuckDBPyConnection, table: str, source: str, sha: str, secret: bytes | None
) -> int:
    """Delete one loaded file part's rows that a tombstone matches; how many went. Called by the
    loader inside the file's transaction, before any other rule sees the rows."""
    keys = ERASURE_KEYS.get(table)
    if secret is None or not keys:
        return 0
    ipad, opad = hmac_pads(secret)
    matches = " or ".join(
        hmac_sql(f"'{kind}:' || cast({expr} as varchar)") + " in "
        f"(select tombstone_key from {RAW}.erasure_tombstones where kind = '{kind}')"
        for expr, kind in keys
    )
    (dropped,) = con.execute(
        f"delete from {RAW}.{table} "
        f"where _file_sha256 = $sha and _source_file = $source and ({matches})",
        {"sha": sha, "source": source, "ipad": ipad, "opad": opad},
    ).fetchone()
    return dropped


class TombstoneMatcher:
    """Whether a quarantined line (clear text, no columns) names an erased person: each of its
    cells is tried as every kind of value a tombstone holds, phones as their pseudonym."""

    def __init__(self, secret: bytes, pii_key: bytes, keys: set[tuple[str, str]]) -> None:
        self.secret, self.pii_key, self.keys = secret, pii_key, keys
        self.kinds = {kind for kind, _ in keys}

    @classmethod
    def for_warehouse(cls, con: duckdb.DuckDBPyConnection, pii_key: bytes):
        """None when nobody was ever erased (the loader then does no extra work)."""
        secret = tombstone_secret(con, pii_key, create=False)
        if secret is None:
            return None
        keys = set(
            con.execute(f"select kind, tombstone_key from {RAW}.erasure_tombstones").fetchall()
        )
        return cls(secret, pii_key, keys) if keys else None

    def names(self, text: str) -> bool:
        for cell in re.split(r"[,\t\r\n]", text):
            cell = cell.strip().strip('"').lstrip("=").strip('"').strip()
            if not cell:
                continue
            if "phone" in self.kinds:
                try:
                    phone = parse_phone(cell)
                except ValueError:
                    phone = None
                if phone is not None and self._has("phone", pseudonymise(self.pii_key, phone)):
                    return True
            if any(self._has(kind, cell) for kind in self.kinds if kind != "phone"):
                return True
        return False

    def _has(self, kind: str, value: str) -> bool:
        return (kind, tombstone_key(self.secret, kind, value)) in self.keys


def suppression_keys(con: duckdb.DuckDBPyConnection, pii_key: bytes) -> tuple[bytes | None, set]:
    """(secret, {(kind, key)}) of the suppression list, for a step about to contact people:
    `is_suppressed` tells whether a value is on it."""
    secret = tombstone_secret(con, pii_key, create=False)
    if secret is None:
        return None, set()
    rows = con.execute(f"select kind, suppression_key from {RAW}.suppression_list").fetchall()
    return secret, set(rows)


def is_suppressed(secret: bytes | None, keys: set, kind: str, value: str | None) -> bool:
    if secret is None or value is None:
        return False
    return (kind, tombstone_key(secret, kind, value)) in keys


# -- who the person is ---------------------------------------------------------------------------


@dataclass
class ErasureRequest:
    nicks: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    customer_ids: list[str] = field(default_factory=list)
    member_ids: list[str] = field(default_factory=list)
    requested_by: str = ""
    reason: str | None = None

    def kinds(self) -> list[str]:
        named = (
            ("taobao_nick", self.nicks),
            ("phone", self.phones),
            ("customer_id", self.customer_ids),
            ("member_id", self.member_ids),
        )
        return [kind for kind, values in named if values]


@dataclass
class Person:
    """Everything that names one person, by kind: `customer`, `node`, `record`, `identifier`
    (their identifier values as resolution saw them) and the raw kinds of `ERASURE_KEYS`."""

    values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # values that are the person's alone, in raw form: matched in raw and tombstoned
    exclusive: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    clear_phones: set[str] = field(default_factory=set)

    @property
    def customer_ids(self) -> set[str]:
        return self.values["customer"]

    def is_empty(self) -> bool:
        return not any(self.values.values()) and not any(self.exclusive.values())

    def raw_values(self) -> dict[str, set[str]]:
        """Per raw kind: the person's record ids and their exclusive identifying values."""
        found: dict[str, set[str]] = defaultdict(set)
        for kind in {kind for keys in ERASURE_KEYS.values() for _, kind in keys}:
            found[kind] = set(self.values.get(kind, ())) | set(self.exclusive.get(kind, ()))
        return found

    def searchable(self) -> set[str]:
        """Values whose bytes must be gone from the rewritten file (long enough to mean them)."""
        kinds = (
            "taobao_nick",
            "phone",
            "member",
            "wecom",
            "wechat_openid",
            "wechat_unionid",
            "buyer_open_uid",
            "erp_customer_no",
            "order",
        )
        found = {v for kind in kinds for v in self.raw_values()[kind]}
        return {v for v in found | self.clear_phones if len(v) >= 4}


class _Db(Db):
    """The warehouse as erasure sees it: every table it may sweep, and the person's values."""

    def base_tables(self) -> list[tuple[str, str]]:
        catalog = "current_database()" if self.is_duckdb else "current_catalog"
        rows = self.rows(
            "select table_schema, table_name from information_schema.tables "
            f"where table_type = 'BASE TABLE' and table_catalog = {catalog} order by 1, 2"
        )
        return [(s, t) for s, t in rows if s not in NOT_SWEPT_SCHEMAS and not s.startswith("pg_")]

    def load_values(self, values: dict[str, set[str]]) -> None:
        """The person's values into a temporary table the deletes read (no long IN lists)."""
        self.execute("drop table if exists fugou_erasure_values")
        self.execute("create temporary table fugou_erasure_values (kind varchar(40), value text)")
        self.insert_many(
            "fugou_erasure_values",
            [(kind, value) for kind, found in values.items() for value in sorted(found)],
        )


def resolve(db: _Db, pii_key: bytes, request: ErasureRequest, nodes: Iterable[str] = ()) -> Person:
    """The person behind the request's identifiers (and `nodes`, identity-graph node keys found
    in another copy of the warehouse), grown over identity resolution's tables."""
    person = Person()
    given: dict[str, set[str]] = defaultdict(set)
    given["taobao_nick"] |= {n.strip() for n in request.nicks if n.strip()}
    given["member"] |= {m.strip() for m in request.member_ids if m.strip()}
    for phone in request.phones:
        normal = parse_phone(phone)
        if normal is None:
            raise ErasureError(f"{phone!r} is not a phone number Fugou can read")
        person.clear_phones |= {normal, phone.strip()}
        given["phone"].add(pseudonymise(pii_key, normal))
    customer_ids = {c.strip() for c in request.customer_ids if c.strip()}
    node_keys = set(nodes)
    node_keys |= {f"taobao_nick:{v}" for v in given["taobao_nick"]}
    node_keys |= {f"member_id:{v}" for v in given["member"]}
    node_keys |= {f"phone_hmac:{v}" for v in given["phone"]}
    for kind, found in given.items():  # asked for by name: theirs, whatever resolution says
        person.exclusive[kind] |= found
    assignments = "intermediate.int_customer_id_assignments"
    if not db.has_table("intermediate", "int_customer_id_assignments"):
        return person  # no night has built identity yet: only what was asked for, in raw
    db.load_values({"node": node_keys, "customer": customer_ids})
    customer_ids |= {
        c
        for (c,) in db.rows(
            f"select distinct customer_id from {assignments} "
            "where customer_id is not null and node_key in "
            "(select value from fugou_erasure_values where kind = 'node')"
        )
    }
    person.values["customer"] = customer_ids
    db.load_values({"customer": customer_ids, "node": node_keys})
    person.values["node"] = node_keys | {
        n
        for (n,) in db.rows(
            f"select node_key from {assignments} where customer_id in "
            "(select value from fugou_erasure_values where kind = 'customer') "
            "or previous_customer_id in "
            "(select value from fugou_erasure_values where kind = 'customer')"
        )
    }
    if db.has_table("intermediate", "int_identity_records"):
        person.values["record"] = {
            r
            for (r,) in db.rows(
                "select record_key from intermediate.int_identity_records where customer_id in "
                "(select value from fugou_erasure_values where kind = 'customer')"
            )
        }
    for record in person.values["record"]:
        prefix, _, value = record.partition(":")
        if prefix in RECORD_KINDS:
            person.values[RECORD_KINDS[prefix]].add(value)
    if db.has_table("intermediate", "int_erp_orders"):
        db.load_values({"order": person.values["order"]})
        person.values["erp_order_no"] = {
            n
            for (n,) in db.rows(
                "select erp_order_no from intermediate.int_erp_orders where order_id in "
                "(select value from fugou_erasure_values where kind = 'order')"
            )
            if n
        }
    _add_identifiers(db, person)
    return person


def _add_identifiers(db: _Db, person: Person) -> None:
    """The person's identifier values; the linking ones no other customer holds are exclusive."""
    grouped = "intermediate.int_identifiers_grouped_into_customers"
    if not db.has_table("intermediate", "int_identifiers_grouped_into_customers"):
        return
    db.load_values({"customer": person.customer_ids})
    rows = db.rows(
        f"select identifier_type, identifier_value from {grouped} where customer_id in "
        "(select value from fugou_erasure_values where kind = 'customer')"
    )
    theirs = defaultdict(set)
    for kind, value in rows:
        theirs[kind].add(value)
        person.values["identifier"].add(value)
    # the same values (or a later holder's `<value> (since …)`) with anyone else
    db.load_values({"identifier": {SINCE_SUFFIX.sub("", v) for _, v in rows}})
    held_by_others = defaultdict(set)
    for kind, value, customer in db.rows(
        f"select identifier_type, identifier_value, customer_id from {grouped} "
        "where identifier_value like '% (since %' or identifier_value in "
        "(select value from fugou_erasure_values)"
    ):
        if customer is None or customer not in person.customer_ids:
            held_by_others[kind].add(SINCE_SUFFIX.sub("", value))
    for kind, values in theirs.items():
        raw_kind = IDENTIFIER_KINDS.get(kind)
        if raw_kind is None:
            continue
        for value in values:
            if SINCE_SUFFIX.search(value) or value in held_by_others[kind]:
                continue
            person.exclusive[raw_kind].add(value)


# -- erasing -------------------------------------------------------------------------------------


def _columns_of(expr: str) -> set[str]:
    return set(re.findall(r"[a-z_]+", re.sub(r"'[^']*'", "", expr)))


def _where_any(keys: tuple[tuple[str, str], ...], present: set[str]) -> str | None:
    """A row of the person's: any key (whose columns the table has) holds one of their values."""
    terms = [
        f"cast({expr} as varchar) in (select value from fugou_erasure_values where kind = '{kind}')"
        for expr, kind in keys
        if _columns_of(expr) <= present
    ]
    return " or ".join(terms) if terms else None


def erase_raw_rows(db: _Db, person: Person) -> tuple[dict[str, int], set[str]]:
    """Delete the person's raw rows; (rows per table, the landing files they came from)."""
    db.load_values(person.raw_values())
    counts: dict[str, int] = {}
    files: set[str] = set()
    for table, keys in ERASURE_KEYS.items():
        if not db.has_table(RAW, table):
            continue
        where = _where_any(keys, set(db.columns(RAW, table)))
        if where is None:
            continue
        files |= {  # a workbook's sheets are `book.xlsx#sheet`: the file is the book
            f.split("#")[0]
            for (f,) in db.rows(f"select distinct _source_file from {RAW}.{table} where {where}")
        }
        removed = db.execute(f"delete from {RAW}.{table} where {where}")
        if removed:
            counts[f"{RAW}.{table}"] = removed
    return counts, files


def erase_quarantined_lines(db: _Db, person: Person, pii_key: bytes) -> int:
    """Quarantined lines are sealed: each is opened and dropped when it names the person."""
    if not db.has_table(RAW, "quarantine"):
        return 0
    sealer = Sealer(pii_key)
    texts = {v for v in person.searchable() if len(v) >= 4}
    phones = person.raw_values()["phone"]
    doomed = []
    for file_sha, source, line, sealed in db.rows(
        f"select file_sha256, source_file, source_line, raw_text_sealed from {RAW}.quarantine"
    ):
        text = sealer.open(sealed) if sealed else None
        if text and _names_person(text, texts, phones, pii_key):
            doomed.append((file_sha, source, line))
    for file_sha, source, line in doomed:
        db.execute(
            f"delete from {RAW}.quarantine "
            "where file_sha256 = ? and source_file = ? and source_line = ?",
            [file_sha, source, line],
        )
    return len(doomed)


def _names_person(text: str, values: set[str], phone_hmacs: set[str], pii_key: bytes) -> bool:
    if any(value in text for value in values):
        return True
    for match in _PHONE_IN_TEXT.finditer(text):
        normal = parse_phone(match.group(1))
        if normal is not None and pseudonymise(pii_key, normal) in phone_hmacs:
            return True
    return False


def sweep_derived_tables(db: _Db, person: Person) -> dict[str, int]:
    """Delete the person's rows from every table built from raw (all schemas but raw and the
    seeds): the models, the predictions, the snapshot and the incremental identity state."""
    values = dict(person.values)
    for kind, found in person.exclusive.items():
        values[kind] = set(values.get(kind, ())) | found
    db.load_values(values)
    counts: dict[str, int] = {}
    for schema, table in db.base_tables():
        columns = set(db.columns(schema, table))
        terms = [
            f"cast({col} as varchar(4000)) in "
            f"(select value from fugou_erasure_values where kind = '{kind}')"
            for col, kind in SWEEP_COLUMNS.items()
            if col in columns
        ]
        terms += [
            f"exists (select 1 from fugou_erasure_values v where v.kind = '{kind}' "
            f"and {col} like '%' || v.value || '%')"
            for col, kind in SWEEP_LIST_COLUMNS.items()
            if col in columns
        ]
        if not terms:
            continue
        removed = db.execute(f'delete from "{schema}"."{table}" where ' + " or ".join(terms))
        if removed:
            counts[f"{schema}.{table}"] = removed
    return counts


def write_tombstones(
    db: _Db, person: Person, secret: bytes, erasure_id: str, at: dt.datetime
) -> int:
    """A tombstone and a suppression entry per record id and exclusive identifying value."""
    keys = sorted(
        {
            (kind, tombstone_key(secret, kind, value))
            for kind, found in person.raw_values().items()
            for value in found
        }
    )
    known = set(db.rows(f"select kind, tombstone_key from {RAW}.erasure_tombstones"))
    new = [k for k in keys if k not in known]
    db.insert_many(f"{RAW}.erasure_tombstones", [(key, kind, erasure_id, at) for kind, key in new])
    db.insert_many(
        f"{RAW}.suppression_list", [(key, kind, "erased", erasure_id, at) for kind, key in new]
    )
    return len(new)


@dataclass
class ErasureReport:
    erasure_id: str
    customers_erased: int
    rows_by_table: dict[str, int]
    landing_files: list[str]
    tombstones_added: int
    values_searched: int = 0
    values_found_in_bytes: list[str] = field(default_factory=list)
    postgres_rows_by_table: dict[str, int] = field(default_factory=dict)

    @property
    def rows_erased(self) -> int:
        return sum(self.rows_by_table.values())


def erase_in_duckdb(
    con: duckdb.DuckDBPyConnection,
    pii_key: bytes,
    request: ErasureRequest,
    at: dt.datetime | None = None,
    dry_run: bool = False,
) -> tuple[ErasureReport, Person]:
    """Resolve and erase in one transaction (rolled back for a dry run); the caller rewrites
    the file afterwards."""
    if not request.kinds():
        raise ErasureError("name the person: give a nick, phone, customer id or member number")
    if not request.requested_by.strip():
        raise ErasureError("say who asked for the erasure (--requested-by): it is logged")
    at = at or _now()
    db = _Db(con)
    person = resolve(db, pii_key, request)
    ensure_privacy_tables(con)
    erasure_id = uuid.uuid4().hex[:16]
    con.begin()
    try:
        secret = tombstone_secret(con, pii_key, create=True)
        raw_counts, files = erase_raw_rows(db, person)
        quarantined = erase_quarantined_lines(db, person, pii_key)
        if quarantined:
            raw_counts[f"{RAW}.quarantine"] = quarantined
        vaulted = drop_orphaned_contact_points(con)  # their numbers: no raw row carries them
        if vaulted:
            raw_counts[CONTACT_POINTS] = vaulted
        counts = raw_counts | sweep_derived_tables(db, person)
        added = write_tombstones(db, person, secret, erasure_id, at)
        report = ErasureReport(
            erasure_id=erasure_id,
            customers_erased=len(person.customer_ids),
            rows_by_table=counts,
            landing_files=sorted(files),
            tombstones_added=added,
        )
        con.execute(
            f"insert into {RAW}.erasure_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null)",
            [
                erasure_id,
                at,
                request.requested_by.strip(),
                request.reason,
                ",".join(request.kinds()),
                report.customers_erased,
                report.rows_erased,
                json.dumps(counts, sort_keys=True),
                len(files),
                added,
            ],
        )
        con.execute("drop table if exists fugou_erasure_values")
        if dry_run:
            con.rollback()
        else:
            con.commit()
    except Exception:
        con.rollback()
        raise
    return report, person


def compact_duckdb(path: Path) -> None:
    """Rewrite a DuckDB file from its live rows only: deleted rows' bytes stay in the file's free
    blocks until it is rewritten. The new file replaces the old one atomically."""
    fresh = path.with_name(f".{path.name}.compact")
    for leftover in (fresh, fresh.with_name(f"{fresh.name}.wal")):
        leftover.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("checkpoint")
        catalog = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{fresh}' as fugou_compacted")
        con.execute(f'copy from database "{catalog}" to fugou_compacted')
        con.execute("detach fugou_compacted")
    os.replace(fresh, path)
    path.with_name(f"{path.name}.wal").unlink(missing_ok=True)


def values_in_file(path: Path, values: Iterable[str]) -> list[str]:
    """Which of the values occur anywhere in a file's bytes (UTF-8)."""
    data = path.read_bytes()
    return sorted(v for v in set(values) if v.encode() in data)


def record_verification(path: Path, erasure_id: str, verified: bool) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(
            f"update {RAW}.erasure_log set bytes_verified = ? where erasure_id = ?",
            [verified, erasure_id],
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
