"""Cross-sell on public real purchase data, run through the whole pipeline as Taobao exports.

    python bench/real_baskets.py online_retail  <Online Retail: .xlsx, .parquet or .csv>
    python bench/real_baskets.py completejourney <transactions .csv> <products .csv>

The demo shop plants its own co-purchase structure; these shops did not. Each data set is
converted into what a Taobao seller would export (订单报表 2019 layout, 宝贝报表 2020 layout with
子订单编号 and per-line amounts, an ERP 货品档案 with categories), quarter by quarter, then one
nightly job runs on it in a scratch home as of the data set's last day, and the cross-sell tables
it wrote are saved to bench/results/cross_sell_real_<name>.json with the job's wall time.

- online_retail: UCI Online Retail (Chen, Sain & Guo 2012; a UK gift retailer, 2010-12 to
  2011-12, 541,909 lines; the raw file, e.g. the parquet copy in github.com/BLMgithub/
  customer-action-prioritization, data/raw/customer_raw.parquet). Lines without a customer,
  cancellations (C…) and non-positive quantities or prices are left out, as every study of it
  does; StockCode is the 商家编码; the shop has no categories (one: 礼品家居).
- completejourney: dunnhumby's The Complete Journey as the completejourney R package ships its
  100,000-line random sample (github.com/bradleyboehmke/completejourney, data/
  transactions_sample.rda and products.rda, converted to CSV with pyreadr). A household is a
  customer, a basket an order; the product is the commodity (product_category, ~300), the ERP
  category its department: 92,000 UPCs in 100,000 sampled lines would leave no product bought
  twice, while a grocery Taobao shop lists hundreds of SKUs, not tens of thousands.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.settings import PROJECT_ROOT
from ingestion.sources.taobao_headers import LINES_2020, ORDERS_2019

RESULTS = PROJECT_ROOT / "bench" / "results"
LINE_COLUMNS = [
    "customer",
    "order",
    "code",
    "name",
    "category",
    "created_at",
    "unit_price",
    "quantity",
]


def online_retail_lines(path: Path) -> pd.DataFrame:
    reader = {
        ".parquet": f"read_parquet('{path}')",
        ".csv": f"read_csv_auto('{path}')",
    }.get(path.suffix)
    source = pd.read_excel(path) if reader is None else duckdb.sql(f"select * from {reader}").df()
    keep = (
        source["CustomerID"].notna()
        & ~source["InvoiceNo"].astype(str).str.startswith("C")
        & (source["Quantity"] > 0)
        & (source["UnitPrice"] > 0)
    )
    s = source[keep]
    return pd.DataFrame(
        {
            "customer": "uk" + s["CustomerID"].astype(int).astype(str),
            "order": s["InvoiceNo"].astype(str),
            "code": s["StockCode"].astype(str).str.upper(),
            "name": s["Description"].fillna("").astype(str).str.strip(),
            "category": "礼品家居",
            "created_at": pd.to_datetime(s["InvoiceDate"]),
            "unit_price": s["UnitPrice"].astype(float),
            "quantity": s["Quantity"].astype(int),
        }
    )


def completejourney_lines(transactions: Path, products: Path) -> pd.DataFrame:
    t = pd.read_csv(transactions, dtype=str)
    p = pd.read_csv(products, dtype=str)[["product_id", "department", "product_category"]]
    t = t.merge(p, on="product_id", how="inner").dropna(subset=["product_category"])
    t = t[pd.to_numeric(t["quantity"]) > 0]
    commodities = sorted(t["product_category"].unique())
    code = {name: f"CJ{i:04d}" for i, name in enumerate(commodities)}
    quantity = pd.to_numeric(t["quantity"]).astype(int)
    value = pd.to_numeric(t["sales_value"]).clip(lower=0.01)
    return pd.DataFrame(
        {
            "customer": "cj" + t["household_id"],
            "order": t["basket_id"],
            "code": t["product_category"].map(code),
            "name": t["product_category"].str.title(),
            "category": t["department"].str.title(),
            "created_at": pd.to_datetime(t["transaction_timestamp"]),
            "unit_price": (value / quantity).round(2),
            "quantity": quantity,
        }
    )


def write_taobao_exports(lines: pd.DataFrame, landing: Path) -> list[Path]:
    """Quarterly 订单报表 and 宝贝报表 files plus one 货品档案, as the loader reads them."""
    landing.mkdir(parents=True, exist_ok=True)
    lines = lines.sort_values(["created_at", "order", "code"]).reset_index(drop=True)
    # Taobao order ids are 16+ digits; one per source order
    orders_index = {o: i for i, o in enumerate(lines["order"].drop_duplicates())}
    lines["order_id"] = lines["order"].map(lambda o: f"{3700000000000000 + orders_index[o]}")
    lines["line_no"] = lines.groupby("order_id").cumcount() + 1
    lines["amount"] = (lines["unit_price"] * lines["quantity"]).round(2)
    written = []
    quarter = lines["created_at"].dt.to_period("Q")
    for period, batch in lines.groupby(quarter, sort=True):
        stamp = (period.end_time + pd.Timedelta(days=1)).strftime("%Y%m%d") + "0900"
        orders = batch.groupby("order_id", sort=False).agg(
            customer=("customer", "first"),
            created_at=("created_at", "min"),
            amount=("amount", "sum"),
            quantity=("quantity", "sum"),
        )
        created = orders["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
        money = orders["amount"].map("{:.2f}".format)
        order_rows = pd.DataFrame(
            {
                "订单编号": '="' + orders.index + '"',
                "买家会员名": orders["customer"],
                "买家应付货款": money,
                "买家应付邮费": "0.00",
                "总金额": money,
                "买家实际支付金额": money,
                "订单状态": "交易成功",
                "订单创建时间": created,
                "订单付款时间": created,
                "宝贝总数量": orders["quantity"].astype(str),
                "订单关闭原因": "订单未关闭",
                "退款金额": "0.00",
            }
        )
        line_money = batch["amount"].map("{:.2f}".format)
        line_created = batch["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
        line_rows = pd.DataFrame(
            {
                "子订单编号": '="'
                + batch["order_id"]
                + batch["line_no"].map("{:03d}".format)
                + '"',
                "主订单编号": '="' + batch["order_id"] + '"',
                "标题": batch["name"],
                "价格": batch["unit_price"].map("{:.2f}".format),
                "购买数量": batch["quantity"].astype(str),
                "订单状态": "交易成功",
                "商家编码": batch["code"],
                "买家应付货款": line_money,
                "买家实际支付金额": line_money,
                "退款金额": "0.00",
                "订单创建时间": line_created,
                "订单付款时间": line_created,
            }
        )
        written.append(_write(landing / f"ExportOrderList{stamp}.csv", ORDERS_2019, order_rows))
        written.append(_write(landing / f"ExportOrderDetailList{stamp}.csv", LINES_2020, line_rows))
    products = (
        lines.groupby("code", sort=True)
        .agg(name=("name", "first"), category=("category", "first"), price=("unit_price", "median"))
        .reset_index()
    )
    catalogue = pd.DataFrame(
        {
            "商家编码": products["code"],
            "货品名称": products["name"],
            "分类": products["category"],
            "成本价": (products["price"] * 0.5).map("{:.2f}".format),
        }
    )
    last = lines["created_at"].max().strftime("%Y%m%d")
    written.append(_write(landing / f"货品档案_{last}.csv", list(catalogue.columns), catalogue))
    return written


def _write(path: Path, header: list[str], rows: pd.DataFrame) -> Path:
    """Every cell quoted, ="…" ids bare, the back office's UTF-8 with BOM."""
    frame = pd.DataFrame({h: rows.get(h.strip(), "") for h in header})

    def cell(value) -> str:
        text = "" if pd.isna(value) else str(value)
        return text if text.startswith("=") else '"' + text.replace('"', '""') + '"'

    body = [",".join(cell(h) for h in header)]
    body += [",".join(cell(v) for v in row) for row in frame.itertuples(index=False)]
    path.write_text("\n".join(body) + "\n", encoding="utf-8-sig")
    return path


def run_night(landing: Path, home: Path, as_of: dt.date) -> float:
    env = {
        **os.environ,
        "FUGOU_HOME": str(home),
        "FUGOU_LANDING_DIR": str(landing),
        "FUGOU_WAREHOUSE": str(home / "warehouse.duckdb"),
        "FUGOU_PII_KEY_FILE": str(home / "pii.key"),
        "FUGOU_AS_OF": as_of.isoformat(),
        "FUGOU_SETTLE_SECONDS": "0",
    }
    (home / "pii.key").write_text("real-baskets-bench-key-0123456789abcdef\n")
    script = "source scripts/env.sh && fugou_dagster_home && python -m dagster_project.nightly"
    started = time.perf_counter()
    log = home / "nightly.log"
    with log.open("w") as out:
        done = subprocess.run(
            ["bash", "-c", script], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    if done.returncode != 0:
        raise SystemExit(f"the nightly job failed; its log: {log}")
    return time.perf_counter() - started


def cross_sell_tables(warehouse: Path) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:

        def rows(sql: str) -> list[dict]:
            frame = con.execute(sql).df()
            return json.loads(frame.to_json(orient="records", date_format="iso"))

        return {
            "evaluation": rows(
                "select * from marts.cross_sell_evaluation order by evaluation_window desc, "
                "segment, method"
            ),
            "selection": rows("select * from marts.cross_sell_model_selection order by segment"),
            "customers_listed": con.execute(
                "select count(distinct customer_id) from marts.customer_next_products"
            ).fetchone()[0],
            "fct_order_lines": con.execute("select count(*) from marts.fct_order_lines").fetchone()[
                0
            ],
            "dim_customers": con.execute("select count(*) from marts.dim_customers").fetchone()[0],
            "quarantined": con.execute("select count(*) from raw.quarantine").fetchone()[0],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=["online_retail", "completejourney"])
    parser.add_argument("sources", nargs="+", type=Path)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args(argv)
    if args.dataset == "online_retail":
        lines = online_retail_lines(args.sources[0])
    else:
        lines = completejourney_lines(args.sources[0], args.sources[1])
    as_of = lines["created_at"].max().date()
    with tempfile.TemporaryDirectory(prefix=f"fugou-{args.dataset}-") as scratch:
        home = args.keep or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        files = write_taobao_exports(lines, home / "landing")
        seconds = run_night(home / "landing", home, as_of)
        tables = cross_sell_tables(home / "warehouse.duckdb")
    result = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "dataset": args.dataset,
        "source_lines_kept": len(lines),
        "source_customers": int(lines["customer"].nunique()),
        "source_products": int(lines["code"].nunique()),
        "first_day": lines["created_at"].min().date().isoformat(),
        "as_of": as_of.isoformat(),
        "export_files": len(files),
        "nightly_seconds": round(seconds, 1),
        **tables,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"cross_sell_real_{args.dataset}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for row in result["selection"]:
        print(f"{row['segment']}: {row['chosen_method']} — {row['reason']}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
