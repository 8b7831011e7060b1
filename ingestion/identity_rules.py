"""The identity rules file (dbt_project/identity_rules.yml) into the warehouse.

The rules live in one YAML file a data engineer edits, but the values they block are personal
(placeholder phones): only the loader holds the PII key that turns them into the pseudonyms the
data carries. So the loader writes the rules to raw tables on every run, and the dbt identity
models read them there, on DuckDB and on PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from ingestion.prepare import pseudonymise
from ingestion.settings import PROJECT_ROOT
from ingestion.sources.values import parse_account, parse_phone

RULES_FILE = PROJECT_ROOT / "dbt_project" / "identity_rules.yml"
PSEUDONYMISED_TYPES = frozenset(
    {"phone_hmac", "virtual_phone_hmac", "landline_hmac", "alipay_hmac"}
)
# The raw tables write_rules replaces, as the asset graph and the dbt sources describe them.
RULE_TABLES = {
    "identity_rules": "identity_rules.yml as the loader last wrote it, one row per identifier type",
    "identity_group_limits": "Per identifier type, how many identifiers of another type it may "
    "be seen with and still link (identity_rules.yml `limits`)",
    "identity_handover_evidence": "Per identifier type, the identifier types whose values all "
    "change when it changes hands (identity_rules.yml `handover_evidence`)",
    "identity_blocked_values": "Blocked identifier values (personal ones pseudonymised) and LIKE "
    "patterns from identity_rules.yml",
}
_RULE_KEYS = {"links", "limits", "handover_evidence"}
_LIMIT_KEYS = {"group_of", "max_group_size", "max_concurrent"}


class RulesError(ValueError):
    """The rules file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class GroupLimit:
    identifier_type: str
    group_of: str
    max_group_size: int | None = None
    max_concurrent: int | None = None


@dataclass(frozen=True)
class TypeRule:
    identifier_type: str
    links: bool
    limits: tuple[GroupLimit, ...] = ()
    # identifier types whose values change all at once when this identifier changes hands
    handover_evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    types: tuple[TypeRule, ...]
    blocked_values: tuple[tuple[str, str], ...]  # (identifier type, value as written)
    blocked_patterns: tuple[tuple[str, str], ...]  # (identifier type, SQL LIKE pattern)


def read_rules(path: Path = RULES_FILE) -> Rules:
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot read the identity rules ({exc})") from None
    types_config = config.get("identifier_types")
    if not isinstance(types_config, dict) or not types_config:
        raise RulesError(f"{path}: 'identifier_types' must map each identifier type to its rule")
    types = []
    for name, rule in types_config.items():
        rule = rule or {}
        unknown = set(rule) - _RULE_KEYS
        if unknown or not isinstance(rule.get("links"), bool):
            raise RulesError(
                f"{path}: identifier type {name!r} needs 'links: true|false' and only "
                f"{sorted(_RULE_KEYS)} (found {sorted(rule)})"
            )
        limits = []
        for limit in rule.get("limits") or []:
            if not isinstance(limit, dict) or set(limit) - _LIMIT_KEYS:
                raise RulesError(f"{path}: {name!r}: a limit takes only {sorted(_LIMIT_KEYS)}")
            if limit.get("group_of") not in types_config:
                raise RulesError(f"{path}: {name!r}: a limit's group_of names no identifier type")
            caps = [limit.get("max_group_size"), limit.get("max_concurrent")]
            if all(c is None for c in caps) or any(
                c is not None and (not isinstance(c, int) or isinstance(c, bool) or c < 1)
                for c in caps
            ):
                raise RulesError(
                    f"{path}: {name!r}: a limit needs max_group_size and/or max_concurrent, "
                    "whole numbers ≥ 1"
                )
            limits.append(GroupLimit(str(name), limit["group_of"], *caps))
        evidence = rule.get("handover_evidence") or []
        if not isinstance(evidence, list) or any(e not in types_config for e in evidence):
            raise RulesError(
                f"{path}: {name!r}: handover_evidence must list identifier types "
                f"(found {evidence!r})"
            )
        types.append(TypeRule(str(name), rule["links"], tuple(limits), tuple(evidence)))

    def pairs(key: str) -> tuple[tuple[str, str], ...]:
        entries = config.get(key) or {}
        if not isinstance(entries, dict):
            raise RulesError(f"{path}: '{key}' must map identifier types to lists")
        found = []
        for name, values in entries.items():
            if name not in types_config:
                raise RulesError(f"{path}: '{key}' names {name!r}, not an identifier type")
            found += [(str(name), str(v)) for v in values or []]
        return tuple(found)

    return Rules(tuple(types), pairs("blocked_values"), pairs("blocked_patterns"))


def write_rules(con: duckdb.DuckDBPyConnection, rules: Rules, pii_key: bytes) -> None:
    """Replace raw.identity_rules, raw.identity_group_limits, raw.identity_handover_evidence and
    raw.identity_blocked_values in one transaction."""
    blocked = []
    for identifier_type, value in rules.blocked_values:
        if identifier_type in PSEUDONYMISED_TYPES:
            normalise = parse_account if identifier_type == "alipay_hmac" else parse_phone
            try:
                normalised = normalise(value)
            except ValueError as exc:
                raise RulesError(f"blocked {identifier_type} {value!r}: {exc}") from None
            value = pseudonymise(pii_key, normalised)
        blocked.append((identifier_type, value, "value"))
    blocked += [(t, pattern, "pattern") for t, pattern in rules.blocked_patterns]
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists raw")
        con.execute(
            """
            create or replace table raw.identity_rules (
                identifier_type varchar primary key,
                links boolean not null
            )
            """
        )
        con.executemany(
            "insert into raw.identity_rules values (?, ?)",
            [(r.identifier_type, r.links) for r in rules.types],
        )
        con.execute(
            """
            create or replace table raw.identity_group_limits (
                identifier_type varchar not null,
                group_of varchar not null,
                max_group_size integer,
                max_concurrent integer
            )
            """
        )
        limits = [
            (g.identifier_type, g.group_of, g.max_group_size, g.max_concurrent)
            for r in rules.types
            for g in r.limits
        ]
        if limits:
            con.executemany("insert into raw.identity_group_limits values (?, ?, ?, ?)", limits)
        con.execute(
            """
            create or replace table raw.identity_handover_evidence (
                identifier_type varchar not null,
                evidence_type varchar not null
            )
            """
        )
        evidence = [(r.identifier_type, e) for r in rules.types for e in r.handover_evidence]
        if evidence:
            con.executemany("insert into raw.identity_handover_evidence values (?, ?)", evidence)
        con.execute(
            """
            create or replace table raw.identity_blocked_values (
                identifier_type varchar not null,
                blocked_value varchar not null,
                match_kind varchar not null  -- 'value' (exact) or 'pattern' (SQL LIKE)
            )
            """
        )
        if blocked:
            con.executemany("insert into raw.identity_blocked_values values (?, ?, ?)", blocked)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
