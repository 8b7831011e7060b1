"""The demo shop's exports after 2023, in the forms shops have them now.

- 2023: the 千牛 workbook (`ExportOrderList<stamp>.xlsx`) with sheets 订单报表, 销售明细 and
  发货报表 (shared/formats 1.1 Gen E).
- 2024 on: the sub-order CSV under the old name (`ExportOrderList<stamp>.csv`, no buyer identity),
  with the 发货报表 sheet saved beside it as `发货报表<stamp>.csv` (the shop's only record of who
  each order went to: a choice of this demo, the formats note shows the sheet only in workbooks).
- The last months: TOP API dumps, as the pull client (ingestion/top_pull.py) writes them: trades
  with their orders (wrapped form, one page per line) and refunds (simplify form).

Column values come from the same per-column builders as the older exports (exports.py), so one
order reads the same in every format it appears in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from ingestion.demo import reference as ref

TOP_STATUS = {
    "pending_payment": "WAIT_BUYER_PAY",
    "paid": "WAIT_SELLER_SEND_GOODS",
    "shipped": "WAIT_BUYER_CONFIRM_GOODS",
    "completed": "TRADE_FINISHED",
}
PAGE_SIZE = 100
FIXED_TIME = dt.datetime(2026, 1, 1)
_W3C_TIME = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def _plain(column: pd.Series) -> list[str]:
    """Cells as a workbook holds them: text, without the CSV's `="…"` wrapping or `'` marks."""
    text = column.astype(str).reset_index(drop=True)
    return text.str.removeprefix('="').str.removesuffix('"').str.removeprefix("'").tolist()


def write_workbook(path: Path, sheets: dict[str, tuple[list[str], dict[str, pd.Series]]]) -> Path:
    """Cells written as text (as 千牛 writes ids and times), one sheet per export."""
    book = openpyxl.Workbook(write_only=True)
    for title, (header, columns) in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(header)
        n = len(next(iter(columns.values())))
        cells = [_plain(columns[h]) if h in columns else [""] * n for h in header]
        for row in zip(*cells, strict=True):
            sheet.append(list(row))
    book.save(path)
    _fix_zip_times(path)
    return path


def _fix_zip_times(path: Path) -> None:
    """openpyxl stamps every archive member with the wall clock; a seeded demo must not differ
    from run to run, so the members are rewritten with one fixed time."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    members = [
        (info, _W3C_TIME.sub(stamp, data) if info.filename == "docProps/core.xml" else data)
        for info, data in members
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)


def open_uid(person_id: pd.Series) -> pd.Series:
    """A stable per-app buyer id, shaped like TOP's (`AAH…`); derived, so the truth can list it."""
    return person_id.map(
        lambda p: "AAH" + hashlib.sha256(f"open-uid-{p}".encode()).hexdigest()[:21]
    )


def _oaid(order: pd.DataFrame) -> pd.Series:
    keys = order["person_id"].astype(str) + "|" + order["address_idx"].astype(str)
    return keys.map(lambda k: hashlib.sha256(f"oaid-{k}".encode()).hexdigest()[:27])


def _top_time(values: pd.Series) -> list[str | None]:
    text = pd.to_datetime(values).dt.strftime("%Y-%m-%d %H:%M:%S")
    return [None if pd.isna(v) else v for v in text]


def write_top_trades(path: Path, orders: pd.DataFrame, lines: pd.DataFrame) -> Path:
    """A trades increment dump: pages of 100 trades, newest modified first, one page per line."""
    orders = orders.sort_values("modified_at", ascending=False, kind="stable")
    by_order = {k: g for k, g in lines.groupby("order_id", sort=False)}
    state = orders["state"].to_numpy()
    abandoned = (orders["outcome"] == "abandoned").to_numpy()
    status = np.where(
        state == "closed",
        np.where(abandoned, "TRADE_CLOSED_BY_TAOBAO", "TRADE_CLOSED"),
        pd.Series(state).map(TOP_STATUS).to_numpy(),
    )
    paid = (state != "pending_payment") & ~abandoned
    place = [ref.ADDRESSES[i] for i in orders["address_idx"]]
    columns = {
        "created": _top_time(orders["created_at"]),
        "pay_time": _top_time(orders["paid_at"].where(paid)),
        "modified": _top_time(orders["modified_at"]),
        "oaid": _oaid(orders).tolist(),
        "open_uid": open_uid(orders["person_id"]).tolist(),
    }
    trades = []
    for i, row in enumerate(orders.itertuples(index=False)):
        tid = int(row.order_id)
        order_lines = by_order.get(row.order_id, lines.iloc[:0])
        trades.append(
            {
                "tid": tid,
                "tid_str": row.order_id,
                "status": str(status[i]),
                "type": "fixed",
                "created": columns["created"][i],
                "pay_time": columns["pay_time"][i],
                "modified": columns["modified"][i],
                "payment": f"{row.paid_cents / 100:.2f}" if paid[i] else "0.00",
                "discount_fee": f"{row.discount_cents / 100:.2f}",
                "total_fee": f"{row.goods_cents / 100:.2f}",  # goods at list price, no postage
                "post_fee": f"{row.postage_cents / 100:.2f}",
                "buyer_nick": row.buyer_nick,
                "buyer_open_uid": columns["open_uid"][i],
                "oaid": columns["oaid"][i],
                "receiver_state": place[i][0],
                "receiver_city": place[i][1],
                "receiver_district": place[i][2],
                "trade_from": "WAP,WAP" if row.is_mobile_order else "TAOBAO",
                "orders": {
                    "order": [
                        {
                            "oid": int(line.sub_order_id),
                            "num_iid": int(line.item_id),
                            "outer_iid": line.merchant_code,
                            "title": line.title,
                            "price": line.price,
                            "num": int(line.quantity),
                            "payment": f"{line.line_paid_cents / 100:.2f}",
                            "status": str(status[i]),
                            "seller_type": "C",
                        }
                        for line in order_lines.itertuples(index=False)
                    ]
                },
            }
        )
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, max(len(trades), 1), PAGE_SIZE):
            page = trades[start : start + PAGE_SIZE]
            body = {
                "total_results": len(trades),
                "trades": {"trade": page},
                "request_id": f"demo{start // PAGE_SIZE}",
            }
            out.write(json.dumps({"trades_sold_increment_get_response": body}, ensure_ascii=False))
            out.write("\n")
    return path


def write_top_refunds(path: Path, refunds: pd.DataFrame, export_at: pd.Timestamp) -> Path:
    """A refunds dump in the simplify form (plain arrays), as another tool might save it."""
    done = (refunds["refunded_at"] <= export_at).to_numpy()
    after_shipping = (refunds["shipped_at"] < refunds["applied_at"]).to_numpy()
    rows = []
    for i, r in enumerate(refunds.itertuples(index=False)):
        modified = r.refunded_at if done[i] else r.applied_at
        rows.append(
            {
                "refund_id": "1" + r.order_id[1:] + "0",
                "tid": r.order_id,
                "status": "SUCCESS" if done[i] else "WAIT_SELLER_AGREE",
                "good_status": "BUYER_RETURNED_GOODS"
                if after_shipping[i]
                else "BUYER_NOT_RECEIVED",
                "has_good_return": bool(after_shipping[i]),
                "refund_fee": f"{r.refund_cents / 100:.2f}",
                "payment": f"{r.paid_cents / 100:.2f}",
                "buyer_nick": r.buyer_nick,
                "created": pd.Timestamp(r.applied_at).strftime("%Y-%m-%d %H:%M:%S"),
                "modified": pd.Timestamp(modified).strftime("%Y-%m-%d %H:%M:%S"),
                "refund_phase": "aftersale" if after_shipping[i] else "onsale",
                "title": r.item_title,
            }
        )
    path.write_text(
        json.dumps({"refunds": rows, "total_results": len(rows)}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def modified_at(batch: pd.DataFrame, at: pd.Timestamp) -> pd.Series:
    """A trade's last change before `at`: its latest event that has happened by then."""
    events = batch[["created_at", "paid_at", "shipped_at", "confirmed_at", "refunded_at"]].copy()
    refunded = batch["outcome"].isin(["refunded", "partial_refund"])
    events["refunded_at"] = events["refunded_at"].where(refunded)
    happened = events.where(events.le(at))
    return happened.max(axis=1)


DOUYIN_STATUS = {
    "pending_payment": "待支付",
    "paid": "待发货",
    "shipped": "已发货",
    "completed": "已完成",
    "closed": "已关闭",
}
HOSTS = (("7100001", "厨房好物小王"), ("7100002", "家居达人丽丽"), ("7100003", "收纳博主阿杰"))


def douyin_columns(orders: pd.DataFrame, lines: pd.DataFrame, money, ts) -> dict[str, pd.Series]:
    """The 抖店 export (shared/formats 4.3): one row per sub-order; 订单应付金额 is the sub-order's
    share, 运费 the order's postage on every row; most sales come through a livestream host."""
    lines = lines.reset_index(drop=True)
    order = orders.loc[lines["order_idx"].to_numpy()].reset_index(drop=True)
    layout = _Layout()
    state = order["state"].to_numpy()
    paid = (state != "pending_payment") & (order["outcome"] != "abandoned").to_numpy()
    shipped = np.isin(state, ["shipped", "completed"])
    host = order["order_id"].str[-2:].astype(int).to_numpy()
    through_host = host % 10 < 6
    place = [ref.ADDRESSES[i] for i in order["address_idx"]]
    n = len(lines)

    def when(mask, values):
        return pd.Series(np.where(mask, values, ""))

    return {
        "主订单编号": order["order_id"],
        "子订单编号": lines["sub_order_id"],
        "支付方式": pd.Series(["抖音支付"] * n),
        "选购商品": lines["title"],
        "商品ID": lines["item_id"],
        "商家编码": lines["merchant_code"],
        "商品数量": lines["quantity"].astype(str),
        "商品金额": money(lines["line_goods_cents"]),
        "订单提交时间": ts(order["created_at"], layout),
        "支付完成时间": when(paid, ts(order["paid_at"], layout)),
        "订单完成时间": when(state == "completed", ts(order["confirmed_at"], layout)),
        "订单状态": pd.Series(state).map(DOUYIN_STATUS),
        "发货时间": when(shipped, ts(order["shipped_at"], layout)),
        "订单应付金额": money(lines["line_paid_cents"]),
        "运费": money(order["postage_cents"]),
        "收件人": order["receiver_name"],
        "收件人手机号": order["phone"],
        "省": pd.Series([p[0] for p in place]),
        "市": pd.Series([p[1] for p in place]),
        "区": pd.Series([p[2] for p in place]),
        "详细地址": order["street"],
        "售后状态": when(
            (state == "closed") & (order["outcome"] == "refunded").to_numpy(), "退款成功"
        ),
        "达人ID": when(through_host, pd.Series([HOSTS[h % 3][0] for h in host])),
        "达人昵称": when(through_host, pd.Series([HOSTS[h % 3][1] for h in host])),
    }


class _Layout:
    excel_resaved = False
