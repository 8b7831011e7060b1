"""The GX suites catch what they are meant to catch, and pass clean data."""

import datetime as dt
from decimal import Decimal

import pandas as pd

from expectations import dim_customers, raw_taobao_orders
from expectations.runner import validate

AS_OF = dt.date(2026, 10, 31)


def _orders(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "order_id": ["3500000000000001", "3500000000000002"],
            "buyer_paid_amount": [Decimal("10.00"), Decimal("20.00")],
            "goods_payable_amount": [Decimal("10.00"), Decimal("20.00")],
            "refund_amount": [Decimal("0.00"), Decimal("0.00")],
            "order_status": ["交易成功", "买家已付款，等待卖家发货"],
            "created_at": pd.to_datetime(["2026-01-01 10:00:00", "2026-10-30 23:00:00"]),
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def _failed(frame: pd.DataFrame) -> set[tuple[str, str]]:
    outcome = validate(frame, raw_taobao_orders.SUITE_NAME, raw_taobao_orders.expectations(AS_OF))
    return {(o.expectation, o.column) for o in outcome.failed}


def test_clean_raw_orders_pass():
    assert _failed(_orders()) == set()


def test_raw_order_problems_are_named():
    assert _failed(_orders(order_id=["3500000000000001", None])) == {
        ("expect_column_values_to_not_be_null", "order_id")
    }
    assert ("expect_column_values_to_be_between", "buyer_paid_amount") in _failed(
        _orders(buyer_paid_amount=[Decimal("-1.00"), Decimal("2.00")])
    )
    assert _failed(_orders(order_status=["交易成功", "外星状态"])) == {
        ("expect_column_values_to_be_in_set", "order_status")
    }
    assert ("expect_column_values_to_be_between", "created_at") in _failed(
        _orders(created_at=pd.to_datetime(["1999-01-01", "2026-01-01"]))
    )


def test_dim_customers_suite():
    good = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "purchase_count": [2, 0],
            "order_count": [2, 1],
            "net_revenue_amount": [10.0, 0.0],
            "refund_amount": [0.0, 5.0],
            "paid_revenue_amount": [10.0, 5.0],
            "r_score": [5, None],
            "f_score": [3, None],
            "m_score": [1, None],
            "rfm_group_cn": ["重要价值客户", None],
        }
    )
    assert validate(good, dim_customers.SUITE_NAME, dim_customers.expectations()).success
    bad = good.assign(customer_id=["C1", "C1"], r_score=[6, None])
    failed = {
        (o.expectation, o.column)
        for o in validate(bad, dim_customers.SUITE_NAME, dim_customers.expectations()).failed
    }
    assert failed == {
        ("expect_column_values_to_be_unique", "customer_id"),
        ("expect_column_values_to_be_between", "r_score"),
    }


def test_a_failing_check_names_expectation_count_and_example_keys():
    import dagster as dg

    from dagster_project.defs.shared.suite_results import suite_check_result

    frame = _orders(order_status=["交易成功", "外星状态"])
    outcome = validate(
        frame, raw_taobao_orders.SUITE_NAME, raw_taobao_orders.expectations(AS_OF), key="order_id"
    )
    (failed,) = outcome.failed
    assert failed.examples == ("3500000000000002",)
    logged = []

    class Log:
        def error(self, message):
            logged.append(message)

    result = suite_check_result(outcome, len(frame), Log(), "Blocking: fix the export")
    assert not result.passed and isinstance(result, dg.AssetCheckResult)
    said = (
        "GX suite raw_taobao_orders: 1 of 8 expectations failed on 2 rows: "
        "expect_column_values_to_be_in_set on order_status: 1 unexpected "
        "(e.g. 3500000000000002). Blocking: fix the export"
    )
    assert result.description == said and logged == [said]


def test_orders_later_than_the_as_of_day_but_not_than_their_load_pass():
    """A night rebuilt for an earlier day sees orders of the days after it: real, not wrong."""
    later = _orders(created_at=pd.to_datetime(["2026-11-20 10:00:00", "2026-10-30 23:00:00"]))
    assert ("expect_column_values_to_be_between", "created_at") in _failed(later)
    outcome = validate(
        later,
        raw_taobao_orders.SUITE_NAME,
        raw_taobao_orders.expectations(AS_OF, loaded_until=dt.datetime(2026, 11, 21, 2, 0)),
    )
    assert outcome.success
