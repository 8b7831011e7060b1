"""The demo shop's ERP side: the ERPs it ran, its showroom till, and its after-sales desk.

- 2023 to mid-2026: 旺店通 销售出库明细 (CSV, written in exports.py).
- From JST_FROM the shop has moved to 聚水潭: its order query saved as JSON (shared/formats 3.2),
  the same shipped lines, with no ERP customer number (聚水潭's API has none).
- From STORE_OPENS (shop.py) the showroom's 管家婆 POS exports its sales (`管家婆订单<stamp>.csv`,
  GB18030, headers of the column map in ingestion/sources/erp_maps/guanjiapo.yml). A till sale has
  no platform order and no nick: only the member's mobile says who bought.
- 售后单 (after-sales cases) of every refund the ERP handled since the ERP went live, platform and
  showroom alike.

The writers return columns (header name → Series) where the export is CSV, so one cell builder
(`money`, `ts` from exports.py) formats every file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.demo import reference as ref

JST_FROM = dt.datetime(2026, 7, 1)  # the shop switches its ERP from 旺店通 to 聚水潭
SHOWROOM = "复购家居 杭州体验店"

# The 管家婆 export as the showroom's POS writes it (names from erp_maps/guanjiapo.yml).
STORE_SALES_HEADER = [
    "订单编号",
    "网店订单号",
    "店铺名称",
    "订单状态",
    "买家账号",
    "收货人",
    "收货人手机",
    "收货地区",
    "下单时间",
    "付款时间",
    "商品编号",
    "商品名称",
    "数量",
    "单价",
    "金额",
    "已付金额",
    "备注",
]

AFTER_SALES_HEADER = [
    "售后单号",
    "订单编号",
    "原始单号",
    "售后类型",
    "处理状态",
    "客户网名",
    "商家编码",
    "退货数量",
    "退款金额",
    "退换原因",
    "建单时间",
    "完成时间",
]


def wdt_order_no(order_id: pd.Series) -> pd.Series:
    return "JY" + order_id.str[-12:]


def jst_order_no(order_id: pd.Series) -> pd.Series:
    """聚水潭's 内部单号 (o_id) is an integer."""
    return (order_id.str[-9:].astype(np.int64) + 10_000_000).astype(str)


def store_order_no(order_id: pd.Series) -> pd.Series:
    """The till's 单据编号, from the shop's own order key (see the nightly test's join)."""
    return "XS" + order_id.str[-10:]


def erp_order_no(orders: pd.DataFrame) -> pd.Series:
    """The number each order has in the ERP that handled it."""
    at = orders["created_at"].reset_index(drop=True)
    ids = orders["order_id"].reset_index(drop=True)
    store = (orders["channel"] == "store").to_numpy()
    return pd.Series(
        np.where(
            store,
            store_order_no(ids),
            np.where(at >= pd.Timestamp(JST_FROM), jst_order_no(ids), wdt_order_no(ids)),
        )
    )


def store_sales_columns(store: pd.DataFrame, lines: pd.DataFrame, money, ts) -> dict:
    """One row per item sold at the till; a sale is paid and handed over at once."""
    lines = lines.reset_index(drop=True)
    sale = store.loc[lines["order_idx"].to_numpy()].reset_index(drop=True)
    n = len(lines)
    place = np.array([f"{p} {c} {d}" for p, c, d, _ in ref.ADDRESSES], dtype=object)
    blank = pd.Series([""] * n)
    return {
        "订单编号": store_order_no(sale["order_id"]),
        "网店订单号": blank,
        "店铺名称": pd.Series([SHOWROOM] * n),
        "订单状态": pd.Series(["已完成"] * n),
        "买家账号": blank,
        "收货人": sale["receiver_name"],
        "收货人手机": sale["phone"],
        "收货地区": pd.Series(place[sale["address_idx"].to_numpy()]),
        "下单时间": ts(sale["created_at"]),
        "付款时间": ts(sale["paid_at"]),
        "商品编号": lines["merchant_code"],
        "商品名称": lines["title"],
        "数量": lines["quantity"].astype(str),
        "单价": lines["price"],
        "金额": money(lines["line_paid_cents"]),
        "已付金额": money(sale["paid_cents"]),
        "备注": pd.Series(np.where(lines["line_no"] == 1, "会员到店", "")),
    }


def after_sales_columns(refunds: pd.DataFrame, export_at: pd.Timestamp, money, ts) -> dict:
    """A case per refund request; open until the refund completes."""
    r = refunds.reset_index(drop=True)
    done = (r["refunded_at"] <= export_at).to_numpy()
    returned = (r["shipped_at"] < r["applied_at"]).to_numpy() | (r["channel"] == "store").to_numpy()
    store = (r["channel"] == "store").to_numpy()
    reasons = np.array(
        ["七天无理由退换货", "商品质量问题", "尺码/规格不合适", "不想要了"], dtype=object
    )
    return {
        "售后单号": "SH" + r["order_id"].str[-12:],
        "订单编号": erp_order_no(r),
        "原始单号": pd.Series(np.where(store, "", r["order_id"])),
        "售后类型": pd.Series(np.where(returned, "退货退款", "仅退款")),
        "处理状态": pd.Series(np.where(done, "已完成", "处理中")),
        "客户网名": pd.Series(np.where(store, "", r["buyer_nick"])),
        "商家编码": r["merchant_code"],
        "退货数量": pd.Series(np.where(returned, r["item_quantity"].astype(str), "0")),
        "退款金额": money(r["refund_cents"]),
        "退换原因": pd.Series(reasons[r["order_id"].str[-2:].astype(int).to_numpy() % 4]),
        "建单时间": ts(r["applied_at"]),
        "完成时间": pd.Series(np.where(done, ts(r["refunded_at"]), "")),
    }


def write_jst_orders(path: Path, lines: pd.DataFrame, batch: pd.DataFrame) -> Path:
    """聚水潭's order query, one page: every shipped order with its items."""
    shipped = batch[np.isin(batch["state"].to_numpy(), ["shipped", "completed"])]
    items = lines[lines["order_idx"].isin(shipped.index)]
    by_order = {idx: group for idx, group in items.groupby("order_idx", sort=False)}
    stamp = "%Y-%m-%d %H:%M:%S"
    orders = []
    for idx, o in shipped.iterrows():
        province, city, district, _ = ref.ADDRESSES[o["address_idx"]]
        order_items = by_order.get(idx)
        if order_items is None:
            continue
        o_id = int(jst_order_no(pd.Series([o["order_id"]]))[0])
        orders.append(
            {
                "co_id": 10188,
                "shop_id": 10620001,
                "o_id": o_id,
                "so_id": o["order_id"],
                "shop_name": "复购家居生活馆-淘宝",
                "status": "Confirmed",
                "order_type": "普通订单",
                "shop_buyer_id": o["buyer_nick"],
                "receiver_name": o["receiver_name"],
                "receiver_mobile": o["phone"],
                "receiver_state": province,
                "receiver_city": city,
                "receiver_district": district,
                "receiver_address": o["street"],
                "order_date": o["created_at"].strftime(stamp),
                "pay_date": o["paid_at"].strftime(stamp),
                "io_date": o["shipped_at"].strftime(stamp),
                "modified": o["shipped_at"].strftime(stamp),
                "pay_amount": f"{(o['paid_cents'] + o['discount_cents']) / 100:.2f}",
                "paid_amount": f"{o['paid_cents'] / 100:.2f}",
                "free_amount": f"{o['discount_cents'] / 100:.2f}",
                "freight": f"{o['postage_cents'] / 100:.2f}",
                "items": [
                    {
                        "oi_id": o_id * 10 + n,
                        "outer_oi_id": line["sub_order_id"],
                        "sku_id": line["merchant_code"],
                        "name": line["title"],
                        "qty": int(line["quantity"]),
                        "price": line["price"],
                        "amount": f"{line['line_paid_cents'] / 100:.2f}",
                    }
                    for n, (_, line) in enumerate(order_items.iterrows(), start=1)
                ],
            }
        )
    page = {
        "code": 0,
        "msg": None,
        "data": {"page_index": 1, "page_size": len(orders), "data_count": len(orders)},
    }
    page["data"]["orders"] = orders
    path.write_text(json.dumps(page, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
