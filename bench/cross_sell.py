"""Benchmark the night's cross-sell step at a given shop size.

    python bench/cross_sell.py --customers 1000000 --lines 10000000

Writes bench/results/cross_sell_<customers>.json: wall time and peak memory of the whole step
(both evaluation windows with every method, the choice, and every customer's list), of reading
the purchase lines from the warehouse, and of writing the three tables back. The lines are
synthetic but shaped like a shop's: products of power-law popularity in categories, customers
with a taste (a preferred category) and a power-law number of orders over two years, so that
item-kNN and ALS have the work a real catalogue gives them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dagster_project.defs.predictions.assets import PURCHASE_LINES_SQL
from dagster_project.defs.shared.warehouse import Warehouse
from ingestion.settings import PROJECT_ROOT
from recommendations import nightly
from recommendations.history import purchases_from_chunks

RESULTS = PROJECT_ROOT / "bench" / "results"
AS_OF = dt.date(2026, 10, 31)


def synthetic_lines(customers: int, lines: int, products: int, categories: int, seed: int):
    """(customer_id, order_id, merchant_code, category_name, created_date) as a DuckDB table
    would hold them, built column by column in numpy."""
    rng = np.random.default_rng(seed)
    product_category = rng.integers(0, categories, size=products)
    popularity = 1.0 / np.arange(1, products + 1) ** 0.9
    # each customer's order count: power law with mean lines / customers / ~1.3 lines per order
    orders_per_customer = np.maximum(1, rng.zipf(1.9, size=customers)).clip(max=200)
    scale = (lines / 1.3) / orders_per_customer.sum()
    orders_per_customer = np.maximum(1, np.round(orders_per_customer * scale)).astype(np.int64)
    order_customer = np.repeat(np.arange(customers), orders_per_customer)
    n_orders = len(order_customer)
    lines_per_order = 1 + rng.poisson(lines / n_orders - 1, size=n_orders)
    line_order = np.repeat(np.arange(n_orders), lines_per_order)
    line_customer = order_customer[line_order]
    # half the lines from the customer's taste category, half from the whole shop
    taste = rng.integers(0, categories, size=customers)
    by_category = [np.flatnonzero(product_category == c) for c in range(categories)]
    weights = [popularity[m] / popularity[m].sum() for m in by_category]
    product = rng.choice(products, size=len(line_order), p=popularity / popularity.sum())
    from_taste = rng.random(len(line_order)) < 0.5
    for c in range(categories):
        pick = from_taste & (taste[line_customer] == c)
        if pick.any() and len(by_category[c]):
            product[pick] = rng.choice(by_category[c], size=int(pick.sum()), p=weights[c])
    start = np.datetime64(AS_OF - dt.timedelta(days=729))
    order_day = start + rng.integers(0, 730, size=n_orders).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "customer_id": pd.array(np.char.add("c", line_customer.astype(str)), dtype="str"),
            "order_id": pd.array(np.char.add("o", line_order.astype(str)), dtype="str"),
            "merchant_code": pd.array(np.char.add("P", product.astype(str)), dtype="str"),
            "category_name": pd.array(
                np.char.add("cat", product_category[product].astype(str)), dtype="str"
            ),
            "created_date": order_day[line_order],
        }
    )


class PeakRss:
    """Peak resident memory of this process while the block runs, sampled every 0.2 s."""

    def __enter__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            with open("/proc/self/statm") as f:
                self.peak = max(self.peak, int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
            self._stop.wait(0.2)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def mb(self) -> float:
        return round(self.peak / 2**20, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--categories", type=int, default=50)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    frame = synthetic_lines(args.customers, args.lines, args.products, args.categories, seed=7)
    products = (
        frame[["merchant_code", "category_name"]]
        .drop_duplicates("merchant_code")
        .assign(product_name=lambda d: d["merchant_code"])
    )
    generate_seconds = time.perf_counter() - started
    seconds, peaks = {}, {}
    with tempfile.TemporaryDirectory(prefix="fugou-cross-sell-") as scratch:
        warehouse = Path(scratch) / "warehouse.duckdb"
        with duckdb.connect(str(warehouse)) as con:
            con.execute("create schema marts")
            con.register("frame", frame)
            con.execute(
                "create table marts.fct_order_lines as select *, true as is_purchase from frame"
            )
        del frame
        os.environ.update(
            FUGOU_WAREHOUSE=str(warehouse),
            FUGOU_PII_KEY="bench-key-0123456789abcdef-not-secret",
            FUGOU_AS_OF=AS_OF.isoformat(),
            FUGOU_DBT_TARGET="duckdb",
        )
        with PeakRss() as peak:
            t = time.perf_counter()
            # as the asset reads them: a million lines at a time, coded as they come
            lines = purchases_from_chunks(Warehouse().read_chunks(PURCHASE_LINES_SQL))
            seconds["read_lines"] = time.perf_counter() - t
            t = time.perf_counter()
            result = nightly.run(lines, products, AS_OF, nightly.CrossSellSettings())
            seconds["evaluate_choose_and_list"] = time.perf_counter() - t
            t = time.perf_counter()
            with duckdb.connect(str(warehouse)) as con:
                for name, table in (
                    ("customer_next_products", result.next_products),
                    ("cross_sell_evaluation", result.evaluation),
                    ("cross_sell_model_selection", result.selection),
                ):
                    con.register("t", table)
                    con.execute(f"create table marts.{name} as select * from t")
                    con.unregister("t")
            seconds["write_tables"] = time.perf_counter() - t
        peaks["cross_sell_step"] = peak.mb
    overall = result.evaluation[result.evaluation["segment"] == "all"]
    out = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        },
        "customers": args.customers,
        "order_lines": int(len(lines.customer) + len(lines.anonymous_order)),
        "products": args.products,
        "categories": args.categories,
        "generate_seconds": round(generate_seconds, 1),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "step_seconds": round(sum(seconds.values()), 1),
        "peak_rss_mb": peaks,
        "max_rss_mb_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "list_rows": int(len(result.next_products)),
        "selection": json.loads(result.selection.to_json(orient="records", date_format="iso")),
        "evaluation_all_segments": json.loads(
            overall.round(4).to_json(orient="records", date_format="iso")
        ),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"cross_sell_{args.customers}.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: out[k] for k in ("seconds", "step_seconds", "peak_rss_mb")}))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
