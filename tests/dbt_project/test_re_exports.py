"""A corrected export landed again under the same file name (new bytes, one line gone, an
amount fixed) replaces the earlier copy: newest export wins per order and line, by export
time, then landing time. Before, both copies ranked first and the night failed
unique_stg_taobao__order_lines_order_line_id every night after."""

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from ingestion.loader import load_landing
from ingestion.sources.taobao_headers import LINES_2017, LINES_2020, ORDERS_2018
from tests.conftest import PII_KEY, query, run_dbt, write_export
from tests.ingestion.test_taobao_exports import LINE_ROW, ORDER_ROW

AS_OF = "2026-10-31"
ORDERS_NAME = "ExportOrderList201903051200.csv"
LINES_NAME = "ExportOrderDetailList201903051200.csv"
SELECT = ["--select", "stg_taobao__orders", "stg_taobao__order_lines"]


def _order(n: int, paid: str) -> dict:
    order_id = f"350000000000000{n}"
    return dict(ORDER_ROW, 订单编号=f'="{order_id}"', 买家实际支付金额=paid, 总金额=paid)


def _line(n: int, sub: int, paid: str) -> dict:
    order_id = f"350000000000000{n}"
    return dict(
        LINE_ROW,
        订单编号=f'="{order_id}"',
        主订单编号=order_id,
        子订单编号=f"36000000000000{n}{sub}",
        买家实际支付金额=paid,
    )


def _load(warehouse, landing, loaded_at):
    with duckdb.connect(str(warehouse)) as con:
        return load_landing(con, landing, PII_KEY, loaded_at)


@pytest.mark.parametrize("header", [LINES_2020, LINES_2017], ids=["with_sub_order_ids", "2017"])
def test_a_corrected_copy_under_the_same_name_replaces_the_first(tmp_path, header):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    orders = [_order(1, "107.00"), _order(2, "50.00")]
    lines = [_line(1, 1, "57.00"), _line(1, 2, "50.00"), _line(2, 1, "50.00")]
    write_export(landing / ORDERS_NAME, ORDERS_2018, orders)
    write_export(landing / LINES_NAME, header, lines, trailing_comma=header is LINES_2017)
    first = _load(warehouse, landing, dt.datetime(2026, 10, 1, 2, 0))
    assert first.count("loaded") == 2
    run_dbt(["build", *SELECT], warehouse, AS_OF, tmp_path)

    # The shop fixes the export and drops it in again under the same names.
    write_export(landing / ORDERS_NAME, ORDERS_2018, [_order(1, "107.00"), _order(2, "45.00")])
    corrected = [_line(1, 1, "57.00"), _line(2, 1, "45.00")]  # line 1-2 was a mistake
    write_export(landing / LINES_NAME, header, corrected, trailing_comma=header is LINES_2017)
    second = _load(warehouse, landing, dt.datetime(2026, 10, 2, 2, 0))
    assert [r.status for r in second.files] == ["loaded", "loaded"]
    assert second.rows_quarantined == 0  # a correction is not an amount conflict
    run_dbt(["build", *SELECT], warehouse, AS_OF, tmp_path)

    assert query(
        warehouse, "select order_id, buyer_paid_amount from staging.stg_taobao__orders order by 1"
    ) == [("3500000000000001", Decimal("107.00")), ("3500000000000002", Decimal("45.00"))]
    kept = query(
        warehouse,
        "select order_id, count(*), count(distinct order_line_id) "
        "from staging.stg_taobao__order_lines group by 1 order by 1",
    )
    assert kept == [("3500000000000001", 1, 1), ("3500000000000002", 1, 1)]
