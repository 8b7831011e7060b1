"""The identity graph on its hard cases (tests/fixtures/identity_cases.py), worked out by hand."""

import duckdb
import pytest

from ingestion.loader import load_landing
from ingestion.prepare import pseudonymise
from tests.conftest import NIGHTLY_BUILD, PII_KEY, query, run_dbt
from tests.fixtures.identity_cases import write_identity_cases

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("identity")
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, write_identity_cases(root / "landing"), PII_KEY)
    run_dbt(NIGHTLY_BUILD, warehouse, "2026-10-31", root)
    return warehouse


def _customer_of_order(built) -> dict[str, str]:
    return dict(query(built, "select order_id, customer_id from marts.fct_orders"))


def _status(built, identifier_type: str, value: str) -> str:
    rows = query(
        built,
        "select link_status from intermediate.int_identifiers_assessed"
        " where identifier_type = ? and identifier_value = ?",
        [identifier_type, value],
    )
    assert len(rows) == 1, (identifier_type, value)
    return rows[0][0]


def _phone(number: str) -> str:
    return pseudonymise(PII_KEY, number)


def test_a_household_phone_links_nobody_but_each_name_on_it_links_its_owner(built):
    c = _customer_of_order(built)
    mum, son = c["3800000000000001"], c["3800000000000002"]
    assert mum == c["3800000000000003"] and son != mum and None not in (mum, son)
    assert _status(built, "phone_hmac", _phone("13911110001")) == "skipped_group_size"


def test_a_rename_is_one_customer_and_the_freed_nick_a_new_one(built):
    c = _customer_of_order(built)
    zhang = {c[f"380000000000000{n}"] for n in (4, 5, 6, 7)}
    assert len(zhang) == 1 and None not in zhang
    li = c["3800000000000008"]
    assert li is not None and li not in zhang
    assert query(
        built,
        "select old_nick, new_nick, cast(renamed_by as date)::varchar"
        " from intermediate.int_taobao_nick_renames",
    ) == [("zhang_old", "zhang_new", "2021-03-01")]
    assert query(
        built,
        "select customer_id from marts.customer_identifiers"
        " where identifier_type = 'taobao_nick' and identifier_value = ?",
        ["zhang_old (since 2021-03-01)"],
    ) == [(li,)]


def test_a_nick_taken_over_by_another_buyer_is_two_customers_but_a_new_mobile_is_not(built):
    c = _customer_of_order(built)
    chen = {c["3800000000000016"], c["3800000000000017"]}
    lin = {c["3800000000000018"], c["3800000000000019"]}
    assert len(chen) == 1 and len(lin) == 1 and chen != lin and None not in chen | lin
    # no rename shows (the first holder gave only privacy numbers); the records' clean break does
    assert query(
        built,
        "select identifier_value, cast(handed_over_at as date)::varchar"
        " from intermediate.int_identifier_handovers order by identifier_value",
    ) == [("cat_lover", "2024-03-01"), ("zhang_old", "2023-04-01")]
    assert c["3800000000000020"] == c["3800000000000021"] is not None


def test_a_placeholder_phone_is_blocked_and_its_buyers_stay_apart(built):
    c = _customer_of_order(built)
    assert len({c["3800000000000009"], c["3800000000000010"], c["3800000000000011"]}) == 3
    assert _status(built, "phone_hmac", _phone("13800000000")) == "blocked"


def test_a_masked_nick_links_nobody_but_its_order_still_finds_its_buyer_by_phone(built):
    c = _customer_of_order(built)
    assert c["3800000000000012"] == c["3800000000000013"] is not None
    assert _status(built, "taobao_nick", "t**1") == "blocked"


def test_a_virtual_number_never_links(built):
    c = _customer_of_order(built)
    assert c["3800000000000014"] != c["3800000000000015"]
    assert _status(built, "virtual_phone_hmac", _phone("18400000001-1234")) == "never_links"


def test_the_audit_counts_what_was_blocked_and_skipped(built):
    audit = {
        (label, identifier_type): count
        for label, identifier_type, count in query(
            built,
            "select label, identifier_type, item_count from marts.identity_audit"
            " where section = 'link_status'",
        )
    }
    assert audit[("blocked", "phone_hmac")] == 1
    assert audit[("blocked", "taobao_nick")] == 1
    assert audit[("skipped_group_size", "phone_hmac")] == 2  # the household's and zhang's
    assert audit[("never_links", "virtual_phone_hmac")] == 3  # vb_one and vb_two, cat_lover 2
    # customers: mum, son, zhang, li, three placeholder buyers, real_buyer, vb_one, vb_two,
    # chen and lin (cat_lover's two holders), mover
    assert query(built, "select count(*) from marts.dim_customers") == [(13,)]
    (rounds,) = query(
        built, "select item_count from marts.identity_audit where section = 'rounds'"
    )[0]
    assert rounds >= 1
