"""customer_tags and the segment snapshot across nights: a tag that keeps its value keeps its
since date, one whose value changes starts again; the snapshot records the change once (the hard
cases of tests/fixtures/identity_cases.py as the shop)."""

import duckdb
import pytest

from ingestion.loader import load_landing
from tests.conftest import NIGHTLY_BUILD, PII_KEY, query, run_dbt
from tests.fixtures.identity_cases import write_identity_cases

pytestmark = pytest.mark.slow


def _tags(warehouse, order_id: str) -> dict[str, tuple[str, str]]:
    rows = query(
        warehouse,
        "select t.tag, t.tag_value, cast(t.since_date as varchar) from marts.customer_tags t"
        " join marts.fct_orders o on o.customer_id = t.customer_id where o.order_id = ?",
        [order_id],
    )
    return {tag: (value, since) for tag, value, since in rows}


def test_since_dates_last_while_the_value_does(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, write_identity_cases(tmp_path / "landing"), PII_KEY)
    # vb_two bought on 2024-07-02: new a week later, churned by the end of the year
    run_dbt(NIGHTLY_BUILD, warehouse, "2024-07-10", tmp_path / "n1")
    first = _tags(warehouse, "3800000000000015")
    run_dbt(NIGHTLY_BUILD, warehouse, "2024-12-31", tmp_path / "n2")
    second = _tags(warehouse, "3800000000000015")

    assert first["lifecycle_stage"] == ("new", "2024-07-10")
    assert second["lifecycle_stage"] == ("churned", "2024-12-31")
    assert first["province"] == ("上海市", "2024-07-10")
    assert second["province"] == ("上海市", "2024-07-10")  # unchanged: still since the first night
    assert "gender" not in second  # an order says nothing about gender
    # the snapshot saw vb_two's stage change on the second night, and a rerun adds nothing
    assert query(
        warehouse,
        "select from_segment, to_segment, cast(changed_on_date as varchar)"
        " from marts.customer_segment_changes c join marts.fct_orders o"
        " on o.customer_id = c.customer_id"
        " where o.order_id = '3800000000000015' and segment_type = 'lifecycle_stage'",
    ) == [("new", "churned", "2024-12-31")]
    history = query(warehouse, "select count(*) from snapshots.customer_segment_history")
    run_dbt(NIGHTLY_BUILD, warehouse, "2024-12-31", tmp_path / "n3")
    assert query(warehouse, "select count(*) from snapshots.customer_segment_history") == history
    summary = dict(
        query(
            warehouse,
            "select tag_value, tagged_customer_count from marts.tag_summary"
            " where tag = 'lifecycle_stage'",
        )
    )
    customers = query(warehouse, "select count(*) from marts.dim_customers")[0][0]
    assert sum(summary.values()) == customers  # every customer has exactly one stage


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"tag": "vip", "group": "gold", "when": "true"}, "tag vip: group must be one of"),
        (
            {"tag": "vip", "group": "custom", "when": "true", "value": "'yes'"},
            "tag vip: give exactly one of",
        ),
        ({"group": "custom", "when": "true"}, "every rule needs a tag name"),
    ],
)
def test_a_malformed_tag_rule_stops_the_build_with_the_rule_named(tmp_path, rule, message):
    with pytest.raises(AssertionError, match=message):
        run_dbt(
            ["compile", "--select", "customer_tags"],
            tmp_path / "w.duckdb",
            "2026-10-31",
            tmp_path,
            variables={"customer_tag_rules": [rule]},
        )
