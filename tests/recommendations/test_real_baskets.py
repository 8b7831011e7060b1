"""A real small shop: Online Retail's 95 German customers, converted into Taobao exports by
bench/real_baskets.py, loaded as a seller's exports, and recommended to."""

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from bench.real_baskets import online_retail_lines, write_taobao_exports
from ingestion.loader import load_landing
from recommendations import nightly, rankers
from tests.conftest import PII_KEY

FIXTURE = Path(__file__).parents[1] / "fixtures" / "online_retail" / "germany.csv"
QUICK = nightly.CrossSellSettings(ranker=rankers.RankerSettings(als_iterations=5))


def test_the_converted_exports_load_whole_and_leave_out_only_the_cancellations(tmp_path):
    raw = pd.read_csv(FIXTURE, dtype={"InvoiceNo": str, "StockCode": str})
    lines = online_retail_lines(FIXTURE)
    cancelled = raw["InvoiceNo"].str.startswith("C")
    assert cancelled.sum() > 400  # the file's own returns
    assert len(lines) == int((~cancelled & (raw["Quantity"] > 0) & (raw["UnitPrice"] > 0)).sum())

    write_taobao_exports(lines, tmp_path / "landing")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        report = load_landing(con, tmp_path / "landing", PII_KEY)
        loaded = {}
        for result in report.files:
            assert result.status == "loaded", result
            loaded[result.target_table] = loaded.get(result.target_table, 0) + result.rows_loaded
        assert con.execute("select count(*) from raw.quarantine").fetchone() == (0,)
    assert loaded == {
        "taobao_order_lines": len(lines),
        "taobao_orders": lines["order"].nunique(),
        "erp_products": lines["code"].nunique(),
    }


def _purchase_frame():
    lines = online_retail_lines(FIXTURE)
    frame = pd.DataFrame(
        {
            "customer_id": lines["customer"],
            "order_id": lines["order"],
            "merchant_code": lines["code"],
            "category_name": lines["category"],
            "created_date": lines["created_at"].dt.normalize(),
        }
    )
    products = lines.rename(columns={"code": "merchant_code", "name": "product_name"})
    products = products.assign(category_name=products["category"])
    return frame, products[["merchant_code", "product_name", "category_name"]]


def test_a_shop_of_95_real_customers_gets_the_cold_start_rule_and_full_lists():
    frame, products = _purchase_frame()
    as_of = dt.date(2011, 12, 9)
    result = nightly.run(frame, products, as_of, QUICK)
    # a year of history: two windows, but too few customers in each to tell methods apart
    assert set(result.evaluation["evaluation_window"]) == {"selection", "confirmation"}
    for row in result.selection.itertuples():
        assert row.chosen_method == "category_popularity"
        assert "fewer than the 30 needed" in row.reason
    lists = result.next_products
    assert lists["customer_id"].nunique() == frame["customer_id"].nunique()
    assert lists.groupby("customer_id").size().eq(10).all()
    bought = set(zip(frame["customer_id"], frame["merchant_code"], strict=True))
    assert not any(
        pair in bought for pair in zip(lists["customer_id"], lists["merchant_code"], strict=True)
    )
    # one category in this shop: the cold-start rule is the shop's popularity
    popular = rankers.rank(
        nightly.build_history(nightly.purchase_lines(frame), as_of, 180.0, 90),
        np.arange(3),
        "popularity",
        QUICK.ranker,
    )
    cold = rankers.rank(
        nightly.build_history(nightly.purchase_lines(frame), as_of, 180.0, 90),
        np.arange(3),
        "category_popularity",
        QUICK.ranker,
    )
    assert (popular.products == cold.products).all()
