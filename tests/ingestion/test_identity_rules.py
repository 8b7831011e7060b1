"""The identity rules file into the warehouse: validated, personal values pseudonymised."""

from pathlib import Path

import duckdb
import pytest

from ingestion.identity_rules import RULES_FILE, RulesError, read_rules, write_rules
from ingestion.prepare import pseudonymise
from tests.conftest import PII_KEY


def _rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "identity_rules.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_rules_load_and_block_placeholders_as_the_data_holds_them(tmp_path):
    rules = read_rules(RULES_FILE)
    links = {r.identifier_type: r.links for r in rules.types}
    assert links["taobao_nick"] and links["phone_hmac"] and not links["virtual_phone_hmac"]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        write_rules(con, rules, PII_KEY)
        write_rules(con, rules, PII_KEY)  # replaced, not appended
        blocked = con.execute(
            "select blocked_value from raw.identity_blocked_values"
            " where identifier_type = 'phone_hmac'"
        ).fetchall()
        limits = con.execute(
            "select group_of, max_group_size from raw.identity_group_limits"
            " where identifier_type = 'phone_hmac' order by group_of"
        ).fetchall()
        patterns = con.execute(
            "select blocked_value from raw.identity_blocked_values where match_kind = 'pattern'"
        ).fetchall()
        evidence = con.execute(
            "select evidence_type from raw.identity_handover_evidence"
            " where identifier_type = 'taobao_nick' order by evidence_type"
        ).fetchall()
    # the placeholder as the loader pseudonymises a phone ('+86 138…' normalised first)
    assert (pseudonymise(PII_KEY, "13800000000"),) in blocked
    assert not any(value == "13800000000" for (value,) in blocked)
    assert len(blocked) == len(set(blocked))
    assert limits == [("erp_customer_no", 1), ("taobao_nick", 1)]
    assert ("%*%",) in patterns
    assert ("receiver_name_hmac",) in evidence and len(evidence) == len(set(evidence))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("identifier_types: {}\n", "identifier_types"),
        ("identifier_types:\n  taobao_nick: {links: yes please}\n", "links: true|false"),
        (
            "identifier_types:\n  phone_hmac:\n    links: true\n"
            "    limits: [{group_of: nobody, max_group_size: 1}]\n",
            "group_of names no identifier type",
        ),
        (
            "identifier_types:\n  phone_hmac:\n    links: true\n"
            "    limits: [{group_of: phone_hmac, max_group_size: 0}]\n",
            "whole numbers",
        ),
        (
            "identifier_types:\n  phone_hmac: {links: true}\nblocked_values:\n  oaid: [x]\n",
            "not an identifier type",
        ),
        (
            "identifier_types:\n  taobao_nick:\n    links: true\n"
            "    handover_evidence: [shoe_size]\n",
            "handover_evidence must list identifier types",
        ),
        ("identifier_types: [\n", "cannot read"),
    ],
)
def test_a_malformed_rules_file_is_refused_with_the_entry_named(tmp_path, text, message):
    with pytest.raises(RulesError, match=message):
        read_rules(_rules(tmp_path, text))


def test_a_blocked_phone_that_is_no_phone_is_refused(tmp_path):
    rules = read_rules(
        _rules(
            tmp_path,
            "identifier_types:\n  phone_hmac: {links: true}\n"
            "blocked_values:\n  phone_hmac: ['not a phone']\n",
        )
    )
    with duckdb.connect() as con, pytest.raises(RulesError, match="not a phone"):
        write_rules(con, rules, PII_KEY)
