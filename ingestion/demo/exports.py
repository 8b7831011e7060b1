"""Write the demo shop as the seller back office would have exported it, generation by generation.

Headers are copied from shared/formats (1.1, 1.2). The quirks are the real ones: `="…"` ids,
`'` before phones, `元` on money, `No:` on tracking numbers, trailing spaces in old headers, the
extra trailing comma on 宝贝报表 rows, GB18030 files beside UTF-8-with-BOM ones, and Excel
re-saved files whose timestamps read `2019/3/5 8:07`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.demo import erp_exports as erp
from ingestion.demo import loyalty_social
from ingestion.demo import modern_exports as modern
from ingestion.demo import reference as ref
from ingestion.demo.shop import Shop
from ingestion.sources.douyin import DOUYIN_HEADER
from ingestion.sources.erp_headers import WDT_OUTBOUND_HEADER
from ingestion.sources.taobao_headers import (  # noqa: F401  (re-exported for tests)
    LINES_2017,
    LINES_2020,
    LINES_2022,
    ORDERS_2018,
    ORDERS_2019,
    ORDERS_2021,
    QIANNIU_ORDERS_SHEET,
    QIANNIU_SHIPMENTS_SHEET,
    REFUNDS_2017,
    REFUNDS_2024,
    SUBORDERS_2023,
)

PRODUCTS_HEADER = ["商家编码", "货品编号", "货品名称", "分类", "品牌", "标价", "成本价"]
REFUND_REASONS = (
    "不想要了",
    "拍错/多拍",
    "商品质量问题",
    "与商品描述不符",
    "七天无理由退换货",
    "物流太慢",
)

STATUS_TEXT = {
    "pending_payment": "等待买家付款",
    "paid": "买家已付款，等待卖家发货",
    "shipped": "卖家已发货，等待买家确认",
    "completed": "交易成功",
    "closed": "交易关闭",
}
SHOP_NAME = "复购家居生活馆"
SHOP_ID = "106688123"


@dataclass(frozen=True)
class ExportLayout:
    orders_header: list[str]
    lines_header: list[str]
    encoding: str  # "gb18030" or "utf-8-sig"
    excel_resaved: bool  # timestamps as 2019/3/5 8:07


def layout_for(export_at: dt.datetime, index: int) -> ExportLayout:
    if export_at < dt.datetime(2020, 1, 1):
        return ExportLayout(ORDERS_2018, LINES_2017, "gb18030", index % 3 == 1)
    if export_at < dt.datetime(2021, 9, 1):
        return ExportLayout(
            ORDERS_2019, LINES_2020, "gb18030" if index % 2 else "utf-8-sig", index % 3 == 1
        )
    return ExportLayout(ORDERS_2021, LINES_2022, "utf-8-sig", index % 4 == 2)


def export_schedule(start: dt.date, end: dt.date) -> list[dt.datetime]:
    """One export every half year (end of June and December, 18:00), plus one on the last day."""
    stamps = []
    for year in range(start.year, end.year + 1):
        for month, day in ((6, 30), (12, 31)):
            stamp = dt.datetime(year, month, day, 18, 0)
            if start < stamp.date() < end:
                stamps.append(stamp)
    stamps.append(dt.datetime.combine(end, dt.time(23, 30)))
    return stamps


OVERLAP = pd.Timedelta(days=15)
WORKBOOK_FROM = dt.datetime(2023, 1, 1)  # the 千牛 workbook
SUBORDER_CSV_FROM = dt.datetime(2024, 1, 1)  # the sub-order CSV and a saved 发货报表
TOP_PULL_DAYS = pd.Timedelta(days=90)
ERP_FROM = dt.datetime(2023, 1, 1)  # the shop's ERP (旺店通) goes live


def write_exports(shop: Shop, landing: Path) -> list[Path]:
    """Every export file, built column by column (a million-customer shop writes in minutes)."""
    landing.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    orders, lines = shop.orders.copy(), shop.lines.copy()
    per_order = lines.groupby("order_idx").agg(
        quantity=("quantity", "sum"),
        kinds=("line_no", "max"),
        first_product=("product_idx", "first"),
    )
    orders["item_quantity"] = per_order["quantity"].reindex(orders.index).to_numpy()
    orders["item_kinds"] = per_order["kinds"].reindex(orders.index).to_numpy()
    titles = shop.products["title"].to_numpy()
    first = per_order["first_product"].reindex(orders.index).to_numpy()
    orders["item_title"] = titles[first]
    orders["item_id"] = shop.products["item_id"].to_numpy()[first]
    orders["merchant_code"] = shop.products["merchant_code"].to_numpy()[first]
    orders["address"] = _addresses(orders)
    products = shop.products
    lines["title"] = products["title"].to_numpy()[lines["product_idx"]]
    lines["price"] = products["price"].map("{:.2f}".format).to_numpy()[lines["product_idx"]]
    lines["merchant_code"] = products["merchant_code"].to_numpy()[lines["product_idx"]]
    lines["item_id"] = products["item_id"].to_numpy()[lines["product_idx"]]
    # 抖店 orders are exported by 抖店 alone (the Taobao back office, TOP and this ERP never see
    # them), showroom sales by its till alone.
    douyin = orders[orders["channel"] == "douyin"]
    store = orders[orders["channel"] == "store"]
    erp_handled = orders[orders["channel"] != "douyin"]
    orders = orders[orders["channel"] == "taobao"]
    previous = pd.Timestamp(shop.params.start)
    schedule = export_schedule(shop.params.start, shop.params.end)
    for index, stamp in enumerate(schedule):
        export_at = pd.Timestamp(stamp)
        window = (orders["created_at"] >= previous - OVERLAP) & (orders["created_at"] < export_at)
        batch = orders[window].copy()
        layout = layout_for(stamp, index)
        batch["state"] = _state_at(batch, export_at)
        name = stamp.strftime("%Y%m%d%H%M")
        line_batch = lines[lines["order_idx"].isin(batch.index)]
        order_columns = _order_columns(batch, layout)
        line_columns = _line_columns(line_batch, batch, layout)
        if stamp >= SUBORDER_CSV_FROM:
            written += _write_suborder_exports(landing, name, batch, order_columns, line_columns)
        elif stamp >= WORKBOOK_FROM:
            path = landing / f"ExportOrderList{name}.xlsx"
            written.append(
                modern.write_workbook(
                    path,
                    {
                        "订单报表": (QIANNIU_ORDERS_SHEET, order_columns),
                        "销售明细": (SUBORDERS_2023, line_columns),
                        "发货报表": (QIANNIU_SHIPMENTS_SHEET, _shipped_only(batch, order_columns)),
                    },
                )
            )
        else:
            path = landing / f"ExportOrderList{name}.csv"
            _write(path, layout.orders_header, order_columns, layout, False)
            written.append(path)
            path = landing / f"ExportOrderDetailList{name}.csv"
            _write(
                path,
                layout.lines_header,
                line_columns,
                layout,
                trailing_comma=layout.lines_header is LINES_2017,
            )
            written.append(path)
        if stamp >= erp.JST_FROM:
            written.append(
                erp.write_jst_orders(landing / f"jst_orders{name}.json", line_batch, batch)
            )
        elif stamp >= ERP_FROM:
            written.append(_write_erp_outbound(landing, name, line_batch, batch))
        written += _write_store_sales(landing, name, store, lines, previous, export_at)
        if stamp >= ERP_FROM:
            written += _write_after_sales(landing, name, erp_handled, previous, export_at)
        in_window = (douyin["created_at"] >= previous - OVERLAP) & (
            douyin["created_at"] < export_at
        )
        if in_window.any():
            douyin_batch = douyin[in_window].copy()
            douyin_batch["state"] = _state_at(douyin_batch, export_at)
            path = landing / f"抖店订单{name}.csv"
            douyin_lines = lines[lines["order_idx"].isin(douyin_batch.index)]
            _write(
                path,
                DOUYIN_HEADER,
                modern.douyin_columns(douyin_batch, douyin_lines, _money, _ts),
                ExportLayout([], [], "utf-8-sig", False),
                False,
            )
            written.append(path)
        if index == len(schedule) - 1:
            written += _write_top_dumps(landing, orders, lines, export_at)
        refunds = pd.concat(
            [
                _refunds_applied(orders, previous - OVERLAP, export_at),
                _refunds_rejected(orders, previous - OVERLAP, export_at),
            ]
        )
        if len(refunds):
            path = landing / f"ExportRefundList{name}.csv"
            header = REFUNDS_2024 if stamp >= dt.datetime(2024, 1, 1) else REFUNDS_2017
            _write(path, header, _refund_columns(refunds, export_at, layout), layout, False)
            written.append(path)
        previous = export_at
    written.append(_write_products(shop, landing))
    written += loyalty_social.write_loyalty_and_social(shop, landing)
    return written


def _shipped_only(batch: pd.DataFrame, columns: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """发货报表 lists the orders that have left the warehouse, nothing else."""
    shipped = (columns["物流单号"] != "").to_numpy()
    return {k: v[shipped].reset_index(drop=True) for k, v in columns.items()}


def _write_suborder_exports(landing, name, batch, order_columns, line_columns) -> list[Path]:
    modern_layout = ExportLayout([], [], "utf-8-sig", False)
    suborders = landing / f"ExportOrderList{name}.csv"
    _write(suborders, SUBORDERS_2023, line_columns, modern_layout, False)
    shipments = landing / f"发货报表{name}.csv"
    shipped = _shipped_only(batch, order_columns)
    shipped["订单编号"] = shipped["主订单编号"]  # a saved sheet: plain ids, no formula wrapping
    _write(shipments, QIANNIU_SHIPMENTS_SHEET, shipped, modern_layout, False)
    return [suborders, shipments]


def _write_erp_outbound(landing: Path, name: str, lines: pd.DataFrame, batch) -> Path:
    """The ERP's 销售出库明细 (旺店通, shared/formats 3.1): every shipped line with the platform
    order, the buyer's nick (客户网名), the ERP's customer number and the receiver's phone."""
    lines = lines.reset_index(drop=True)
    order = batch.loc[lines["order_idx"].to_numpy()].reset_index(drop=True)
    state = order["state"].to_numpy()
    shipped = np.isin(state, ["shipped", "completed"])
    lines, order = lines[shipped].reset_index(drop=True), order[shipped].reset_index(drop=True)
    layout = ExportLayout([], [], "gb18030", False)
    place = np.array([f"{p} {c} {d}" for p, c, d, _ in ref.ADDRESSES], dtype=object)
    columns = {
        "订单编号": erp.wdt_order_no(order["order_id"]),
        "店铺名称": pd.Series([SHOP_NAME] * len(lines)),
        "订单来源": pd.Series(["淘宝"] * len(lines)),
        "原始单号": order["order_id"],
        "原始子单号": lines["sub_order_id"],
        "订单状态": pd.Series(np.where(order["state"] == "completed", "已完成", "已发货")),
        "交易时间": _ts(order["created_at"], layout),
        "付款时间": _ts(order["paid_at"], layout),
        "发货时间": _ts(order["shipped_at"], layout),
        "客户网名": order["buyer_nick"],
        "收件人": order["receiver_name"],
        "省市县": pd.Series(place[order["address_idx"].to_numpy()]),
        "地址": order["street"],
        "手机": order["phone"],
        "商家编码": lines["merchant_code"],
        "货品名称": lines["title"],
        "数量": lines["quantity"].astype(str),
        "成交价": lines["price"],
        "分摊后总价": _money(lines["line_paid_cents"]),
        "已付": _money(order["paid_cents"]),
        "客户编号": "KH" + order["person_id"].astype(str).str.zfill(7),
    }
    path = landing / f"销售出库明细{name}.csv"
    _write(path, WDT_OUTBOUND_HEADER, columns, layout, False)
    return path


def _write_store_sales(landing, name, store, lines, previous, export_at) -> list[Path]:
    sold = store[(store["created_at"] >= previous) & (store["created_at"] < export_at)]
    if sold.empty:
        return []
    layout = ExportLayout([], [], "gb18030", False)
    columns = erp.store_sales_columns(
        sold, lines[lines["order_idx"].isin(sold.index)], _money, lambda v: _ts(v, layout)
    )
    path = landing / f"管家婆订单{name}.csv"
    _write(path, erp.STORE_SALES_HEADER, columns, layout, False)
    return [path]


def _write_after_sales(landing, name, orders, previous, export_at) -> list[Path]:
    """The ERP's 售后单 export: refunds asked for in the window, of every order the ERP handled."""
    refunds = _refunds_applied(orders, previous - OVERLAP, export_at)
    if refunds.empty:
        return []
    layout = ExportLayout([], [], "utf-8-sig", False)
    columns = erp.after_sales_columns(refunds, export_at, _money, lambda v: _ts(v, layout))
    path = landing / f"售后单{name}.csv"
    _write(path, erp.AFTER_SALES_HEADER, columns, layout, False)
    return [path]


def _write_top_dumps(landing: Path, orders, lines, export_at: pd.Timestamp) -> list[Path]:
    """What the TOP pull fetched since the shop turned it on, 90 days before the last export."""
    since = export_at - TOP_PULL_DAYS
    orders = orders.copy()
    orders["modified_at"] = modern.modified_at(orders, export_at)
    changed = orders[(orders["modified_at"] >= since) & (orders["created_at"] < export_at)].copy()
    changed["state"] = _state_at(changed, export_at)
    products = lines[lines["order_idx"].isin(changed.index)]
    stamp = f"{since:%Y%m%d%H%M}_{export_at:%Y%m%d%H%M}"
    trades = modern.write_top_trades(
        landing / f"TopTradesIncrement{stamp}.jsonl", changed, products
    )
    refunds = _refunds_applied(orders, since, export_at)
    written = [trades]
    if len(refunds):
        written.append(
            modern.write_top_refunds(landing / f"TopRefunds{stamp}.json", refunds, export_at)
        )
    return written


def _state_at(batch: pd.DataFrame, at: pd.Timestamp) -> np.ndarray:
    """What the back office showed at export time: recent orders are still on their way."""
    outcome = batch["outcome"].to_numpy()
    abandoned = outcome == "abandoned"
    return np.select(
        [
            abandoned & (at - batch["created_at"] > pd.Timedelta(days=1)).to_numpy(),
            abandoned,
            (at < batch["paid_at"]).to_numpy(),
            (outcome == "refunded") & (at >= batch["refunded_at"]).to_numpy(),
            (at < batch["shipped_at"]).to_numpy(),
            (at < batch["confirmed_at"]).to_numpy(),
        ],
        ["closed", "pending_payment", "pending_payment", "closed", "paid", "shipped"],
        default="completed",
    )


def _money(cents, suffix: str = "") -> pd.Series:
    cents = pd.Series(np.asarray(cents, dtype=np.int64))
    whole = (cents // 100).astype(str)
    return whole + "." + (cents % 100).astype(str).str.zfill(2) + suffix


def _ts(values: pd.Series, layout: ExportLayout) -> pd.Series:
    values = pd.Series(pd.to_datetime(values.to_numpy()))
    if layout.excel_resaved:
        dt_ = values.dt
        text = (
            dt_.year.astype("Int64").astype(str)
            + "/"
            + dt_.month.astype("Int64").astype(str)
            + "/"
            + dt_.day.astype("Int64").astype(str)
            + " "
            + dt_.hour.astype("Int64").astype(str)
            + ":"
            + dt_.minute.astype("Int64").astype(str).str.zfill(2)
        )
    else:
        text = values.dt.strftime("%Y-%m-%d %H:%M:%S")
    return text.where(values.notna(), "")


def _when(condition, value, otherwise="") -> pd.Series:
    value = value if isinstance(value, pd.Series) else pd.Series([value] * len(condition))
    return value.where(np.asarray(condition), otherwise)


def _addresses(orders: pd.DataFrame) -> np.ndarray:
    table = np.array([f"{p} {c} {d} " for p, c, d, _ in ref.ADDRESSES], dtype=object)
    zips = np.array([f"{z}{i % 10}00" for i, (*_, z) in enumerate(ref.ADDRESSES)], dtype=object)
    idx = orders["address_idx"].to_numpy()
    return table[idx] + orders["street"].to_numpy() + "(" + zips[idx] + ")"


def _order_columns(b: pd.DataFrame, layout: ExportLayout) -> dict[str, pd.Series]:
    b = b.reset_index(drop=True)
    n = len(b)
    state = b["state"].to_numpy()
    outcome = b["outcome"].to_numpy()
    paid = (state != "pending_payment") & (outcome != "abandoned")
    refund = np.where(
        ((state == "closed") | (outcome == "partial_refund")) & paid, b["refund_cents"], 0
    )
    shipped = np.isin(state, ["shipped", "completed"]) | (
        (state == "closed")
        & (outcome == "refunded")
        & (b["shipped_at"] < b["refunded_at"]).to_numpy()
    )
    completed = state == "completed"
    close_reason = np.where(
        state == "closed", np.where(outcome == "abandoned", "买家未付款", "退款"), "订单未关闭"
    )
    order_id = b["order_id"]
    constant = lambda v: pd.Series([v] * n, dtype=object)  # noqa: E731
    return {
        "订单编号": '="' + order_id + '"',
        "买家会员名": b["buyer_nick"],
        "买家会员昵称": b["member_nickname"],
        "买家支付宝账号": b["alipay"],
        "支付单号": _when(paid, "2" + order_id.str[1:]),
        "买家应付货款": _money(b["goods_cents"]),
        "买家应付邮费": _money(b["postage_cents"]),
        "买家支付积分": constant("0"),
        "总金额": _money(b["goods_cents"] + b["postage_cents"]),
        "返点积分": constant("0"),
        "买家实际支付金额": _when(paid, _money(b["paid_cents"]), "0.00"),
        "买家实际支付积分": constant("0"),
        "订单状态": pd.Series(state).map(STATUS_TEXT),
        "收货人姓名": b["receiver_name"],
        "收货地址": b["address"],
        "运送方式": constant("快递"),
        "联系手机": "'" + b["phone"],
        "虚拟号过期时间": _when(
            b["is_virtual_phone"], _ts(b["created_at"] + pd.Timedelta(days=30), layout)
        ),
        "订单创建时间": _ts(b["created_at"], layout),
        "订单付款时间": _when(paid, _ts(b["paid_at"], layout)),
        "宝贝标题": b["item_title"],
        "宝贝种类": b["item_kinds"].astype(str),
        "宝贝总数量": b["item_quantity"].astype(str),
        "店铺Id": constant(SHOP_ID),
        "店铺名称": constant(SHOP_NAME),
        "订单关闭原因": pd.Series(close_reason),
        "卖家服务费": constant("0"),
        "买家服务费": constant("0元"),
        "是否手机订单": _when(b["is_mobile_order"], "手机订单"),
        "特权订金订单id": constant('=""'),
        "是否上传合同照片": constant("否"),
        "是否上传小票": constant("否"),
        "是否代付": constant("否"),
        "天猫卡券抵扣": _money(b["discount_cents"]),
        "集分宝抵扣": constant("0.00"),
        "退款金额": _money(refund),
        "确认收货时间": _when(completed, _ts(b["confirmed_at"], layout)),
        "打款商家金额": _when(completed, _money(b["paid_cents"] - refund, "元"), "0.00元"),
        "发货时间": _when(shipped, _ts(b["shipped_at"], layout)),
        "物流单号": _when(shipped, "No:" + (order_id.astype(np.int64) % 10**13).astype(str)),
        "物流公司": _when(shipped, "顺丰速运"),
        "主订单编号": order_id,
        "预售订单": _when(_is_presale(b), "是", "否"),
    }


def _is_presale(orders: pd.DataFrame) -> pd.Series:
    """双11 presales: about a third of the paid orders placed from 10/20 to 11/11 (deposit in the
    pre-sale weeks, balance on the day). Chosen by order id, not drawn, so the demo's other
    draws stay as they were."""
    created = orders["created_at"]
    mmdd = created.dt.month * 100 + created.dt.day
    in_window = ((mmdd >= 1020) & (mmdd <= 1111)).to_numpy()
    paid = orders["paid_at"].notna().to_numpy()
    picked = (orders["order_id"].str[-2:].astype(int) % 3 == 0).to_numpy()
    return pd.Series(in_window & paid & picked, index=orders.index)


def _refunds_applied(orders: pd.DataFrame, since: pd.Timestamp, until: pd.Timestamp):
    """Refund requests (full and partial) made in an export's window: the buyer asks between two
    hours and ten days before the refund completes (returns wait for the parcel)."""
    asked = orders["outcome"].isin(["refunded", "partial_refund"]) & orders["paid_at"].notna()
    refunds = orders[asked].copy()
    wait = pd.to_timedelta(refunds["order_id"].str[-3:].astype(int) % 240 + 2, unit="h")
    refunds["applied_at"] = np.maximum(refunds["refunded_at"] - wait, refunds["paid_at"])
    window = (refunds["applied_at"] >= since) & (refunds["applied_at"] < until)
    return refunds[window]


def _refunds_rejected(orders: pd.DataFrame, since: pd.Timestamp, until: pd.Timestamp):
    """Refund requests the shop refused (the planted service failures, shop.py): asked two days
    after the buyer confirmed receipt, refused three days later."""
    refused = orders[orders["refund_rejected"] & orders["confirmed_at"].notna()].copy()
    refused["applied_at"] = refused["confirmed_at"] + pd.Timedelta(days=2)
    refused["refunded_at"] = refused["applied_at"] + pd.Timedelta(days=3)
    window = (refused["applied_at"] >= since) & (refused["applied_at"] < until)
    return refused[window]


def _refund_columns(r: pd.DataFrame, export_at: pd.Timestamp, layout: ExportLayout) -> dict:
    r = r.reset_index(drop=True)
    done = (r["refunded_at"] <= export_at).to_numpy()
    rejected = r["refund_rejected"].to_numpy(dtype=bool)
    full = (r["outcome"] == "refunded").to_numpy() | rejected
    after_shipping = (r["shipped_at"] < r["applied_at"]).to_numpy()
    reasons = np.array(REFUND_REASONS, dtype=object)
    reason = reasons[r["order_id"].str[-3:].astype(int).to_numpy() % len(reasons)]
    reason = np.where(rejected, "商品质量问题", reason)
    asked_cents = pd.Series(np.where(rejected, r["paid_cents"], r["refund_cents"]))
    status = np.where(
        rejected,
        np.where(done, "卖家拒绝退款", "买家已经申请退款，等待卖家同意"),
        np.where(done, "退款成功", "买家已经申请退款，等待卖家同意"),
    )
    phase = pd.Series(np.where(after_shipping, "售后", "售中"))
    return {
        "订单编号": '="' + r["order_id"] + '"',
        "退款编号": "1" + r["order_id"].str[1:] + "0",
        "支付宝交易号": "2" + r["order_id"].str[1:],
        "支付单号": "2" + r["order_id"].str[1:],
        "订单付款时间": _ts(r["paid_at"], layout),
        "退款完结时间": _when(done, _ts(r["refunded_at"], layout)),
        "完结时间": _when(done, _ts(r["refunded_at"], layout)),
        "买家实际支付金额": _money(r["paid_cents"]),
        "买家实付金额": _money(r["paid_cents"]),
        "宝贝标题": r["item_title"].reset_index(drop=True),
        "买家退款金额": _money(asked_cents),
        "退款金额": _money(asked_cents),
        "手工退款/系统退款": pd.Series(["系统退款"] * len(r)),
        "是否需要退货": pd.Series(np.where(after_shipping, "是", "否")),
        "退款的申请时间": _ts(r["applied_at"], layout),
        "退款状态": pd.Series(status),
        "货物状态": pd.Series(np.where(after_shipping, "买家已收到货", "买家未收到货")),
        "买家退款原因": pd.Series(reason),
        "责任方": pd.Series(["买家"] * len(r)),
        "售中或售后": phase,
        "售后类型": pd.Series(np.where(after_shipping, "退货退款", "仅退款")),
        "部分退款/全部退款": pd.Series(np.where(full, "全部退款", "部分退款")),
        "商品 id": r["item_id"].reset_index(drop=True),
        "商品编码": r["merchant_code"].reset_index(drop=True),
    }


def _line_columns(lines: pd.DataFrame, orders: pd.DataFrame, layout: ExportLayout) -> dict:
    lines = lines.reset_index(drop=True)
    order = orders.loc[lines["order_idx"].to_numpy()].reset_index(drop=True)
    n = len(lines)
    state = order["state"].to_numpy()
    outcome = order["outcome"].to_numpy()
    paid = (state != "pending_payment") & (outcome != "abandoned")
    refunded = (
        paid
        & (order["refund_cents"].to_numpy() != 0)
        & ((state == "closed") | (outcome == "partial_refund"))
    )
    first_line = lines["line_no"].to_numpy() == 1
    refund = np.where(
        refunded & first_line,
        np.minimum(order["refund_cents"].to_numpy(), lines["line_paid_cents"].to_numpy()),
        0,
    )
    old_layout = layout.lines_header is LINES_2017
    constant = lambda v: pd.Series([v] * n, dtype=object)  # noqa: E731
    return {
        "订单编号": '="' + lines["order_id"] + '"',
        "子订单编号": lines["sub_order_id"],
        "主订单编号": lines["order_id"],
        "标题": lines["title"],
        "价格": lines["price"],
        "购买数量": lines["quantity"].astype(str),
        "外部系统编号": lines["merchant_code"] if old_layout else constant(""),
        "商品属性": pd.Series(np.where(lines["product_idx"] % 2, "颜色分类：默认", "null")),
        "套餐信息": constant(""),
        "备注": constant(""),
        "订单状态": pd.Series(state).map(STATUS_TEXT),
        "商家编码": lines["merchant_code"],
        "支付单号": constant(""),
        "买家应付货款": _money(lines["line_goods_cents"]),
        "买家实际支付金额": _when(paid, _money(lines["line_paid_cents"]), "0.00"),
        "退款状态": pd.Series(np.where(refunded, "退款成功", "没有申请退款")),
        "退款金额": _when(refund != 0, _money(refund), "无退款申请"),
        "订单创建时间": _ts(order["created_at"], layout),
        "订单付款时间": _when(paid, _ts(order["paid_at"], layout)),
        "商品id": lines["item_id"],
        "物流单号": constant(""),
        # the 2023+ sub-order export's names for the same values
        "商品标题": lines["title"],
        "商品价格": lines["price"],
        "买家实付金额": _when(paid, _money(lines["line_paid_cents"]), "0.00"),
        "商品ID": lines["item_id"],
    }


# Cells the back office leaves bare: Excel formula wrapping of ids. Every other cell is quoted;
# no demo value contains a double quote, so quoting needs no escaping.
FORMULA_CELLS = frozenset({"订单编号", "特权订金订单id"})


def _quoted(name: str, column: pd.Series) -> pd.Series:
    column = column.astype(str).reset_index(drop=True)
    return column if name in FORMULA_CELLS else '"' + column + '"'


def _write(
    path: Path,
    header: list[str],
    columns: dict[str, pd.Series],
    layout: ExportLayout,
    trailing_comma: bool,
) -> None:
    tail = "," if trailing_comma else ""
    n = len(next(iter(columns.values())))
    empty = pd.Series(['""'] * n, dtype=object)
    cells = [
        _quoted(h.strip(), columns[h.strip()]) if h.strip() in columns else empty for h in header
    ]
    body = cells[0].str.cat(cells[1:], sep=",") if n else pd.Series([], dtype=object)
    with path.open("w", encoding=layout.encoding, newline="") as out:
        out.write(",".join('"' + h + '"' for h in header) + "\r\n")
        for line in body:
            out.write(line + tail + "\r\n")


def _write_products(shop: Shop, landing: Path) -> Path:
    path = landing / f"货品档案_{shop.params.end:%Y%m%d}.csv"
    p = shop.products
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(",".join(PRODUCTS_HEADER) + "\r\n")
        for row in p.itertuples():
            cat = ref.CATEGORIES[row.category_idx][0]
            out.write(
                ",".join(
                    [
                        row.merchant_code,
                        f"G{row.product_idx + 1:05d}",
                        row.title,
                        cat,
                        row.brand,
                        f"{row.price:.2f}",
                        f"{row.cost:.2f}",
                    ]
                )
                + "\r\n"
            )
    return path


def write_ground_truth(shop: Shop, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    identities = pd.concat([shop.identities, loyalty_social.truth(shop)], ignore_index=True)
    identities.to_csv(folder / "identities.csv", index=False)
    people = shop.people[["person_id", "first_day", "lam", "dropout_p", "spend_level"]].copy()
    people["first_day"] = pd.to_datetime(people["first_day"], unit="D").dt.date
    people.to_csv(folder / "people.csv", index=False)
    planted = shop.people[shop.people["planted_churn_reason"].notna()]
    planted[["person_id", "planted_churn_reason", "planted_survey"]].to_csv(
        folder / "churn_reasons.csv", index=False
    )
    return folder
