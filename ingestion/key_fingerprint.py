"""The PII key's fingerprint, kept in the warehouse so the key cannot change unnoticed.

Every pseudonym is an HMAC under the key: a run with another key gives every phone, Alipay
account and name a new pseudonym, and identity resolution, finding no old identifier again,
splits every customer while the run stays green. So the first load records a fingerprint of the
key (an HMAC of a fixed label under it: it names the key without revealing it) and every later
load compares before it writes anything. Changing the key on purpose is `python -m ingestion.rekey`.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

FINGERPRINT_LABEL = b"fugou pii key fingerprint v1"
FINGERPRINT_TABLE = "raw.pii_key_fingerprint"


class KeyMismatchError(RuntimeError):
    """The key in use is not the one the warehouse's pseudonyms were made with."""


def fingerprint(key: bytes) -> str:
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def recorded_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'pii_key_fingerprint' "
        "and table_catalog = current_database()"
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute(f"select fingerprint from {FINGERPRINT_TABLE}").fetchone()
    return row[0] if row else None


def record_fingerprint(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Make `key` the warehouse's key (first load, or the end of a re-key)."""
    con.execute("create schema if not exists raw")
    con.execute(
        f"create or replace table {FINGERPRINT_TABLE} "
        "(fingerprint varchar not null, recorded_at timestamp not null)"
    )
    con.execute(
        f"insert into {FINGERPRINT_TABLE} values (?, current_timestamp::timestamp)",
        [fingerprint(key)],
    )


def check_key_read_only(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """The same comparison for a reader, which records nothing."""
    recorded = recorded_fingerprint(con)
    if recorded is not None and not hmac.compare_digest(recorded, fingerprint(key)):
        raise KeyMismatchError(_mismatch(key, recorded, "nothing was read"))


def _mismatch(key: bytes, recorded: str, consequence: str) -> str:
    return (
        f"the PII key in use (fingerprint {fingerprint(key)}) is not the key this warehouse "
        f"was built with (fingerprint {recorded}); {consequence}. Use the warehouse's key, or "
        "change it on purpose with `python -m ingestion.rekey --new-key-file FILE`."
    )


def check_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Stop before anything is written when `key` is not the warehouse's key; record it when the
    warehouse has none yet."""
    recorded = recorded_fingerprint(con)
    if recorded is None:
        record_fingerprint(con, key)
        return
    if not hmac.compare_digest(recorded, fingerprint(key)):
        raise KeyMismatchError(_mismatch(key, recorded, "nothing was loaded"))
