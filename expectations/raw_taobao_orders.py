"""What every loaded Taobao order row must satisfy, whatever export generation it came from."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # GX takes 3 s to import: only a check that runs pays it
    import great_expectations as gx


# Every 订单状态 text the staging state map understands (shared/formats 1.6); a new one means
# the map needs an entry before the order can be counted.
KNOWN_ORDER_STATUSES = [
    "交易成功",
    "交易关闭",
    "等待买家付款",
    "买家已付款，等待卖家发货",
    "买家已付款,等待卖家发货",
    "卖家已发货，等待买家确认",
    "卖家已发货,等待买家确认",
    "卖家部分发货",
    "已收货",
    "买家已收货",
    "已签收",
    "交易完成",
    "已完成",
    "待评价",
    "已结算",
    "退款成功",
]
TAOBAO_FOUNDED = dt.datetime(2003, 5, 10)
COLUMNS = (
    "order_id, buyer_paid_amount, goods_payable_amount, refund_amount, order_status, created_at"
)

SUITE_NAME = "raw_taobao_orders"


def expectations(
    as_of: dt.date, loaded_until: dt.datetime | None = None
) -> list[gx.expectations.Expectation]:
    import great_expectations as gx

    """`loaded_until`: the last load's time. An order may be later than the as-of day (a night
    rebuilt for an earlier day) but never later than its file's load (the loader quarantines
    such rows; this guards warehouses loaded before it did)."""
    latest = dt.datetime.combine(as_of + dt.timedelta(days=2), dt.time())
    if loaded_until is not None:
        latest = max(latest, loaded_until + dt.timedelta(days=2))
    found: list[gx.expectations.Expectation] = []
    found.append(gx.expectations.ExpectColumnValuesToNotBeNull(column="order_id"))
    found.append(gx.expectations.ExpectColumnValuesToMatchRegex(column="order_id", regex=r"^\d+$"))
    for column in ("buyer_paid_amount", "goods_payable_amount", "refund_amount"):
        found.append(gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=0))
    found.append(gx.expectations.ExpectColumnValuesToNotBeNull(column="created_at"))
    found.append(
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="created_at", min_value=TAOBAO_FOUNDED, max_value=latest
        )
    )
    found.append(
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="order_status", value_set=KNOWN_ORDER_STATUSES
        )
    )
    return found
