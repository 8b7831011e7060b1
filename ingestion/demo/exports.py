"""Write the demo shop as the seller back office would have exported it, generation by generation.

Headers are copied from shared/formats (1.1, 1.2). The quirks are the real ones: `="…"` ids,
`'` before phones, `元` on money, `No:` on tracking numbers, trailing spaces in old headers, the
extra trailing comma on 宝贝报表 rows, GB18030 files beside UTF-8-with-BOM ones, and Excel
re-saved files whose timestamps read `2019/3/5 8:07`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ingestion.demo import reference as ref
from ingestion.demo.shop import Shop

ORDERS_2018 = (
    "订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,总金额,返点积分,"
    "买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址 ,运送方式,联系电话 ,"
    "联系手机,订单创建时间,订单付款时间 ,宝贝标题 ,宝贝种类 ,物流单号 ,物流公司,订单备注,宝贝总数量,"
    "店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费,发票抬头,是否手机订单,分阶段订单信息,"
    "特权订金订单id,是否上传合同照片,是否上传小票,是否代付,定金排名,修改后的sku,修改后的收货地址,"
    "异常信息,天猫卡券抵扣,集分宝抵扣,是否是O2O交易,新零售交易类型,新零售导购门店名称,新零售导购门店id,"
    "新零售发货门店名称,新零售发货门店id,退款金额,预约门店,确认收货时间,打款商家金额,含应开票给个人的个人红包"
).split(",")
ORDERS_2019 = (
    "订单编号,买家会员名,买家支付宝账号,支付单号,支付详情,买家应付货款,买家应付邮费,买家支付积分,总金额,"
    "返点积分,买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址 ,运送方式,联系电话 ,"
    "联系手机,订单创建时间,订单付款时间 ,宝贝标题 ,宝贝种类 ,物流单号 ,物流公司,订单备注,宝贝总数量,店铺Id,"
    "店铺名称,订单关闭原因,卖家服务费,买家服务费,发票抬头,是否手机订单,分阶段订单信息,特权订金订单id,"
    "是否上传合同照片,是否上传小票,是否代付,定金排名,修改后的sku,修改后的收货地址,异常信息,天猫卡券抵扣,"
    "集分宝抵扣,是否是O2O交易,新零售交易类型,新零售导购门店名称,新零售导购门店id,新零售发货门店名称,"
    "新零售发货门店id,退款金额,预约门店,确认收货时间,打款商家金额,含应开票给个人的个人红包,是否信用购,"
    "体验期结束时间,前N有礼,配送类型,主订单编号"
).split(",")
ORDERS_2021 = (
    "订单编号,买家会员名,买家会员昵称,支付单号,支付详情,买家应付货款,买家应付邮费,买家支付积分,总金额,"
    "返点积分,买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址,运送方式,联系电话,"
    "联系手机,虚拟号过期时间,订单创建时间,订单付款时间,宝贝标题,宝贝种类,物流单号,物流公司,订单备注,"
    "宝贝总数量,店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费,发票抬头,是否手机订单,分阶段订单信息,"
    "特权订金订单id,是否上传合同照片,是否上传小票,是否代付,定金排名,修改后的sku,修改后的收货地址,异常信息,"
    "天猫卡券抵扣,集分宝抵扣,是否是O2O交易,新零售交易类型,新零售导购门店名称,新零售导购门店id,"
    "新零售发货门店名称,新零售发货门店id,退款金额,预约门店,确认收货时间,打款商家金额,含应开票给个人的个人红包,"
    "是否信用购,体验期结束时间,前N有礼,配送类型,直播返现状态,返现金额,延迟发货自动赔付金额,新零售成交门店昵称,"
    "新零售成交门店id,新零售成交经销商id,预售订单,发货时间,商家备忘,主订单编号"
).split(",")
LINES_2017 = (
    "订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码".split(",")
)
LINES_2020 = (
    "子订单编号,主订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码,"
    "支付单号,买家应付货款,买家实际支付金额,退款状态,退款金额,订单创建时间,订单付款时间"
).split(",")
LINES_2022 = LINES_2020 + (
    "商品id,分阶段订单信息,主订单备注,主订单买家留言,发货时间,物流单号,物流公司,是否赔付,赔付金额,赔付出账时间"
).split(",")
PRODUCTS_HEADER = ["商家编码", "货品编号", "货品名称", "分类", "品牌", "标价", "成本价"]

STATUS_TEXT = {
    "pending_payment": "等待买家付款",
    "paid": "买家已付款，等待卖家发货",
    "shipped": "卖家已发货，等待买家确认",
    "completed": "交易成功",
    "closed": "交易关闭",
}
SHOP_NAME = "复购家居旗舰店"
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


def write_exports(shop: Shop, landing: Path) -> list[Path]:
    landing.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    orders, lines = shop.orders.copy(), shop.lines
    per_order = lines.groupby("order_idx").agg(
        quantity=("quantity", "sum"),
        kinds=("line_no", "max"),
        first_product=("product_idx", "first"),
    )
    orders["item_quantity"] = per_order["quantity"].reindex(orders.index).to_numpy()
    orders["item_kinds"] = per_order["kinds"].reindex(orders.index).to_numpy()
    titles = shop.products["title"].to_numpy()
    orders["item_title"] = titles[per_order["first_product"].reindex(orders.index).to_numpy()]
    products = shop.products.to_dict("records")
    previous = pd.Timestamp(shop.params.start)
    for index, stamp in enumerate(export_schedule(shop.params.start, shop.params.end)):
        export_at = pd.Timestamp(stamp)
        window = (orders["created_at"] >= previous - OVERLAP) & (orders["created_at"] < export_at)
        batch = orders[window]
        layout = layout_for(stamp, index)
        states = _state_at(batch, export_at)
        name = stamp.strftime("%Y%m%d%H%M")
        order_rows = (
            _order_row(o, s, layout) for o, s in zip(batch.itertuples(), states, strict=True)
        )
        path = landing / f"ExportOrderList{name}.csv"
        _write(path, layout.orders_header, order_rows, layout, trailing_comma=False)
        written.append(path)
        state_by_idx = dict(zip(batch.index, states, strict=True))
        order_by_idx = dict(zip(batch.index, batch.itertuples(), strict=True))
        line_batch = lines[lines["order_idx"].isin(batch.index)]
        line_rows = (
            _line_row(
                line,
                order_by_idx[line.order_idx],
                state_by_idx[line.order_idx],
                layout,
                products[line.product_idx],
            )
            for line in line_batch.itertuples()
        )
        path = landing / f"ExportOrderDetailList{name}.csv"
        _write(
            path,
            layout.lines_header,
            line_rows,
            layout,
            trailing_comma=layout.lines_header is LINES_2017,
        )
        written.append(path)
        previous = export_at
    written.append(_write_products(shop, landing))
    return written


def _state_at(batch: pd.DataFrame, at: pd.Timestamp) -> list[str]:
    """What the back office showed at export time: recent orders are still on their way."""
    states = []
    for o in batch.itertuples():
        if o.outcome == "abandoned":
            states.append(
                "closed" if at - o.created_at > pd.Timedelta(days=1) else "pending_payment"
            )
        elif at < o.paid_at:
            states.append("pending_payment")
        elif o.outcome == "refunded" and at >= o.refunded_at:
            states.append("closed")
        elif at < o.shipped_at:
            states.append("paid")
        elif at < o.confirmed_at:
            states.append("shipped")
        else:
            states.append("completed")
    return states


def _money(cents: int, suffix: str = "") -> str:
    return f"{cents // 100}.{cents % 100:02d}{suffix}"


def _ts(value, layout: ExportLayout) -> str:
    if value is None or pd.isna(value):
        return ""
    if layout.excel_resaved:
        return f"{value.year}/{value.month}/{value.day} {value.hour}:{value.minute:02d}"
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _address(o) -> str:
    province, city, district, zip3 = ref.ADDRESSES[o.address_idx]
    return f"{province} {city} {district} {o.street}({zip3}{o.address_idx % 10}00)"


def _order_row(o, state: str, layout: ExportLayout) -> dict[str, str]:
    paid = state != "pending_payment" and o.outcome != "abandoned"
    refund = o.refund_cents if (state == "closed" or o.outcome == "partial_refund") and paid else 0
    shipped = state in ("shipped", "completed") or (
        state == "closed" and o.outcome == "refunded" and o.shipped_at < o.refunded_at
    )
    close_reason = "订单未关闭"
    if state == "closed":
        close_reason = "买家未付款" if o.outcome == "abandoned" else "退款"
    phone = o.phone
    row = {
        "订单编号": f'="{o.order_id}"',
        "买家会员名": o.buyer_nick,
        "买家会员昵称": o.member_nickname,
        "买家支付宝账号": o.alipay,
        "支付单号": f"2{o.order_id[1:]}" if paid else "",
        "买家应付货款": _money(o.goods_cents),
        "买家应付邮费": _money(o.postage_cents),
        "买家支付积分": "0",
        "总金额": _money(o.goods_cents + o.postage_cents),
        "返点积分": "0",
        "买家实际支付金额": _money(o.paid_cents) if paid else "0.00",
        "买家实际支付积分": "0",
        "订单状态": STATUS_TEXT[state],
        "收货人姓名": o.receiver_name,
        "收货地址": _address(o),
        "运送方式": "快递",
        "联系手机": f"'{phone}",
        "虚拟号过期时间": _ts(o.created_at + pd.Timedelta(days=30), layout)
        if o.is_virtual_phone
        else "",
        "订单创建时间": _ts(o.created_at, layout),
        "订单付款时间": _ts(o.paid_at, layout) if paid else "",
        "宝贝标题": o.item_title,
        "宝贝种类": str(o.item_kinds),
        "宝贝总数量": str(o.item_quantity),
        "店铺Id": SHOP_ID,
        "店铺名称": SHOP_NAME,
        "订单关闭原因": close_reason,
        "卖家服务费": "0",
        "买家服务费": "0元",
        "是否手机订单": "手机订单" if o.is_mobile_order else "",
        "特权订金订单id": '=""',
        "是否上传合同照片": "否",
        "是否上传小票": "否",
        "是否代付": "否",
        "天猫卡券抵扣": _money(o.discount_cents),
        "集分宝抵扣": "0.00",
        "退款金额": _money(refund),
        "确认收货时间": _ts(o.confirmed_at, layout) if state == "completed" else "",
        "打款商家金额": _money(o.paid_cents - refund, "元") if state == "completed" else "0.00元",
        "发货时间": _ts(o.shipped_at, layout) if shipped else "",
        "物流单号": f"No:{int(o.order_id) % 10**13}" if shipped else "",
        "物流公司": "顺丰速运" if shipped else "",
        "主订单编号": o.order_id,
        "预售订单": "否",
    }
    return row


def _line_row(line, order, state: str, layout: ExportLayout, product: dict) -> dict:
    paid = state != "pending_payment" and order.outcome != "abandoned"
    refund_status = "没有申请退款"
    refund = 0
    if paid and order.refund_cents and (state == "closed" or order.outcome == "partial_refund"):
        refund_status = "退款成功"
        refund = order.refund_cents if line.line_no == 1 else 0
        refund = min(refund, line.line_paid_cents)
    old_layout = layout.lines_header is LINES_2017
    return {
        "订单编号": f'="{line.order_id}"',
        "子订单编号": line.sub_order_id,
        "主订单编号": line.order_id,
        "标题": product["title"],
        "价格": f"{product['price']:.2f}",
        "购买数量": str(line.quantity),
        "外部系统编号": product["merchant_code"] if old_layout else "",
        "商品属性": "颜色分类：默认" if line.product_idx % 2 else "null",
        "套餐信息": "",
        "备注": "",
        "订单状态": STATUS_TEXT[state],
        "商家编码": product["merchant_code"],
        "支付单号": "",
        "买家应付货款": _money(line.line_goods_cents),
        "买家实际支付金额": _money(line.line_paid_cents) if paid else "0.00",
        "退款状态": refund_status,
        "退款金额": _money(refund) if refund else "无退款申请",
        "订单创建时间": _ts(order.created_at, layout),
        "订单付款时间": _ts(order.paid_at, layout) if paid else "",
        "商品id": product["item_id"],
        "物流单号": "",
    }


def _cell(value: str) -> str:
    if value.startswith("="):
        return value  # Excel formula wrapping stays unquoted, as the back office writes it
    return '"' + value.replace('"', '""') + '"'


def _write(
    path: Path, header: list[str], rows: Iterable[dict], layout: ExportLayout, trailing_comma: bool
) -> None:
    tail = "," if trailing_comma else ""
    with path.open("w", encoding=layout.encoding, newline="") as out:
        out.write(",".join(_cell(h) for h in header) + "\r\n")
        for row in rows:
            out.write(",".join(_cell(row.get(h.strip(), "")) for h in header) + tail + "\r\n")


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
    shop.identities.to_csv(folder / "identities.csv", index=False)
    people = shop.people[["person_id", "first_day", "lam", "dropout_p", "spend_level"]].copy()
    people["first_day"] = pd.to_datetime(people["first_day"], unit="D").dt.date
    people.to_csv(folder / "people.csv", index=False)
    return folder
