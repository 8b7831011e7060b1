"""The contact vault: the mobiles SMS needs, sealed, in a schema no BI copy ever holds.

Everywhere else a phone is its keyed pseudonym (FUGOU_PII_KEY). An SMS platform needs the
number itself, so the loader keeps one more copy of each real mobile it loads, sealed with
AES-256-GCM under a key of its own (FUGOU_VAULT_KEY or FUGOU_VAULT_KEY_FILE): whoever holds the
pseudonym key (the nightly job, a re-key) cannot read the vault, and a leaked vault without its
key is noise. Rows are keyed by the pseudonym; a token does not depend on it, so a re-key
only renames the rows.

- **Where.** `vault.contact_points` in the DuckDB warehouse. Publishing copies `marts` only,
  the PostgreSQL copy takes `raw` only, and nothing in dbt reads this schema.
- **Who opens it.** The outbox step alone, for tonight's queued SMS rows (`open_mobiles`).
- **What goes in.** Mobiles (`<column>_kind = 'mobile'`) of rows that loaded: a quarantined row
  or an erased person's row adds nothing. Without a vault key nothing is kept and the SMS file
  carries pseudonyms, and the run says so.
- **Erasure** deletes the person's rows (`erase_contact_points`); a re-key maps the pseudonyms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import duckdb
import pandas as pd
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ingestion.sources import SPECS

VAULT_SCHEMA = "vault"
CONTACT_POINTS = f"{VAULT_SCHEMA}.contact_points"
TOKEN_PREFIX = "v1:"
_KEY_LABEL = b"fugou contact vault key v1"
_NONCE_LABEL = b"fugou contact vault nonce v1"
_CHECK_LABEL = b"fugou contact vault key check v1"

VAULT_DDL = f"""
create schema if not exists {VAULT_SCHEMA};
create table if not exists {CONTACT_POINTS} (
    mobile_hmac varchar not null,  -- one row each (the loader adds only new ones)
    mobile_sealed varchar not null,
    added_at timestamp not null
);
create table if not exists {VAULT_SCHEMA}.vault_key (
    key_check varchar not null
);
"""


class VaultKeyMismatchError(RuntimeError):
    """The vault was sealed under another key: a run with this one could read none of it."""


class ContactVault:
    """Seals and opens mobiles under one vault key (derived keys worked out once)."""

    def __init__(self, vault_key: bytes) -> None:
        self._aead = AESGCM(hmac.new(vault_key, _KEY_LABEL, hashlib.sha256).digest())
        self._nonce_key = hmac.new(vault_key, _NONCE_LABEL, hashlib.sha256).digest()
        self.key_check = hmac.new(vault_key, _CHECK_LABEL, hashlib.sha256).hexdigest()[:16]

    def seal(self, mobile: str) -> str:
        """Deterministic (the nonce is derived from the number, the SIV idea): a rerun writes
        the same token, and a nonce repeats only with the same number."""
        data = mobile.encode("utf-8")
        nonce = hmac.new(self._nonce_key, data, hashlib.sha256).digest()[:12]
        return TOKEN_PREFIX + base64.b64encode(
            nonce + self._aead.encrypt(nonce, data, None)
        ).decode("ascii")

    def open(self, token: str) -> str | None:
        """The number, or None for a token this key did not seal (another key, or damaged)."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        try:
            raw = base64.b64decode(token[len(TOKEN_PREFIX) :], validate=True)
            return self._aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")
        except Exception:  # noqa: BLE001 - InvalidTag or damage: the message must not echo it
            return None


def ensure_vault(con: duckdb.DuckDBPyConnection, vault: ContactVault) -> None:
    """The schema, and the key check: a vault sealed under another key is refused before a
    single row is added under this one (half a vault no key opens whole)."""
    con.execute(VAULT_DDL)
    found = con.execute(f"select key_check from {VAULT_SCHEMA}.vault_key").fetchall()
    if not found:
        con.execute(f"insert into {VAULT_SCHEMA}.vault_key values (?)", [vault.key_check])
    elif found[0][0] != vault.key_check:
        raise VaultKeyMismatchError(
            "the contact vault was sealed under another FUGOU_VAULT_KEY: give the run the "
            "vault's key, or drop the vault schema to start one under this key (its numbers are "
            "then kept again as their exports load)"
        )


def write_sealed_contacts(
    vault: ContactVault, mobiles: dict[str, dict[str, str]], target: Path
) -> Path:
    """One loaded part's mobiles ({column: {pseudonym: number}}), sealed, as Parquet for the
    loader's transaction: no clear number is ever written to the spool."""
    rows = [
        (column, pseudonym, vault.seal(number))
        for column, found in mobiles.items()
        for pseudonym, number in found.items()
    ]
    frame = pd.DataFrame(rows, columns=["column_name", "mobile_hmac", "mobile_sealed"])
    with duckdb.connect() as con:
        con.register("sealed", frame)
        con.execute(f"copy sealed to '{target}' (format parquet)")
    return target


def store_contacts(
    con: duckdb.DuckDBPyConnection,
    contacts: Path,
    table: str,
    source: str,
    sha: str,
    added_at,
) -> int:
    """Add a part's sealed mobiles whose rows loaded (still in raw after quarantine and the
    erasure tombstones); a pseudonym the vault holds already keeps its token."""
    columns = [
        c
        for (c,) in con.execute(
            f"select distinct column_name from read_parquet('{contacts}')"
        ).fetchall()
    ]
    added = 0
    for column in columns:
        (n,) = con.execute(
            f"""
            insert into {CONTACT_POINTS}
            select distinct c.mobile_hmac, c.mobile_sealed, ?::timestamp
            from read_parquet('{contacts}') c
            where c.column_name = ?
              and c.mobile_hmac in (
                  select {column}_hmac from raw.{table}
                  where _file_sha256 = ? and _source_file = ?
              )
              and c.mobile_hmac not in (select mobile_hmac from {CONTACT_POINTS})
            """,
            [added_at, column, sha, source],
        ).fetchone()
        added += n
    return added


def open_mobiles(
    con: duckdb.DuckDBPyConnection, vault: ContactVault, pseudonyms: list[str]
) -> tuple[dict[str, str], int]:
    """(pseudonym -> number for those the vault holds and this key opens, how many it holds
    that this key did not open)."""
    if not pseudonyms or not _has_vault(con):
        return {}, 0
    wanted = pd.DataFrame({"mobile_hmac": sorted(set(pseudonyms))})
    con.register("_fugou_wanted_mobiles", wanted)
    try:
        rows = con.execute(
            f"select mobile_hmac, mobile_sealed from {CONTACT_POINTS} "
            "where mobile_hmac in (select mobile_hmac from _fugou_wanted_mobiles)"
        ).fetchall()
    finally:
        con.unregister("_fugou_wanted_mobiles")
    opened: dict[str, str] = {}
    unopened = 0
    for pseudonym, token in rows:
        number = vault.open(token)
        if number is None:
            unopened += 1
        else:
            opened[pseudonym] = number
    return opened, unopened


def contact_sources() -> list[tuple[str, str]]:
    """(raw table, pseudonym column) of every family whose mobiles the vault keeps."""
    return sorted({(s.table, f"{c}_hmac") for s in SPECS for c in s.contact_columns})


def drop_orphaned_contact_points(con, sources: list[tuple[str, str]] | None = None) -> int:
    """Delete the mobiles no raw row carries any more (after an erasure: the person's, however
    they were named; a number another customer's rows still carry stays). `sources` are the
    (raw table, pseudonym column) pairs the vault is filled from; how many went."""
    if not _has_vault(con):
        return 0
    sources = contact_sources() if sources is None else sources
    present = {
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    carried = [
        f"select {column} from raw.{table} where {column} is not null"
        for table, column in sorted(set(sources))
        if table in present
    ]
    if not carried:
        (n,) = con.execute(f"delete from {CONTACT_POINTS}").fetchone()
        return n
    (n,) = con.execute(
        f"delete from {CONTACT_POINTS} where mobile_hmac not in ({' union '.join(carried)})"
    ).fetchone()
    return n


def _has_vault(con) -> bool:
    return bool(
        con.execute(
            "select 1 from information_schema.tables where table_schema = ? "
            "and table_name = 'contact_points'",
            [VAULT_SCHEMA],
        ).fetchone()
    )
