"""A failing dbt test says which test, how many rows and a few of them, in the check's
metadata and the run log."""

import dagster as dg
import duckdb

from dagster_project.defs.transform.assets import _explained


class _Context:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self.log = self

    def error(self, message: str) -> None:
        self.lines.append(("error", message))

    def warning(self, message: str) -> None:
        self.lines.append(("warning", message))


def test_a_failing_dbt_test_names_itself_its_count_and_examples():
    con = duckdb.connect()
    con.execute(
        "create table orders as select * from (values ('o1', 1), ('o1', 1), ('o2', 1)) t(id, n)"
    )
    unique_id = "test.fugou.unique_fct_orders_order_id.abc"
    sql = "select id, count(*) as n_records from orders group by id having count(*) > 1"
    check = dg.AssetCheckResult(
        passed=False,
        asset_key=["marts", "fct_orders"],
        check_name="unique_fct_orders_order_id",
        metadata={"unique_id": unique_id, "dagster_dbt/failed_row_count": 1},
    )
    context = _Context()
    explained = _explained(context, check, con, {unique_id: sql})
    assert not explained.passed and explained.check_name == "unique_fct_orders_order_id"
    assert explained.metadata["examples"].value == [{"id": "o1", "n_records": "2"}]
    said = "dbt test unique_fct_orders_order_id on marts/fct_orders: 1 failing rows, e.g. "
    assert explained.description.startswith(said)
    assert context.lines == [("error", explained.description)]
    # Without the failing rows (a test whose query no longer runs) the count is still said.
    bare = _explained(context, check, con, {unique_id: "select * from gone"})
    assert bare.description == said.removesuffix(", e.g. ")
