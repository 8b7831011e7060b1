"""抖店 (Douyin shop) order export (shared/formats 4.3): one row per sub-order, buyer as receiver
name and phone (virtual `184…-7576` numbers after Douyin's privacy change), and 达人 (the
livestream host or creator the sale came through)."""

from __future__ import annotations

from ingestion.sources.spec import Column, FileSpec, phone_kind_of
from ingestion.sources.values import (
    parse_int,
    parse_money,
    parse_order_id,
    parse_phone,
    parse_text,
    parse_timestamp,
)

MONEY = "DECIMAL(18,2)"
TS = "TIMESTAMP"

DOUYIN_HEADER = (
    "主订单编号,子订单编号,支付方式,选购商品,商品ID,商家编码,商品数量,商品金额,订单提交时间,支付完成时间,"
    "订单完成时间,订单状态,发货时间,订单应付金额,运费,优惠总金额,收件人,收件人手机号,省,市,区,街道,"
    "详细地址,仓库名称,商家备注,售后状态,达人ID,达人昵称,广告渠道"
).split(",")


DOUYIN_ORDERS = FileSpec(
    table="douyin_order_lines",
    description="抖店 订单导出: one row per sub-order, with the 达人 (livestream host) it sold through",
    name_prefixes=("抖店订单", "DouyinOrder", "douyin_orders"),
    generations=(("doudian_export", frozenset({"主订单编号", "子订单编号", "选购商品"})),),
    known_headers=tuple(DOUYIN_HEADER),
    excel_damage_key="order_id",
    columns=(
        Column("order_id", ("主订单编号", "订单编号"), parse_order_id, required=True),
        Column("sub_order_id", ("子订单编号",), parse_order_id, required=True),
        Column("title", ("选购商品", "商品名称"), parse_text),
        Column("item_id", ("商品ID",), parse_text),
        Column("merchant_code", ("商家编码",), parse_text),
        Column("quantity", ("商品数量",), parse_int, "INTEGER", required=True),
        Column("goods_amount", ("商品金额",), parse_money, MONEY),
        Column("order_payable_amount", ("订单应付金额",), parse_money, MONEY, required=True),
        Column("postage_amount", ("运费",), parse_money, MONEY),
        Column("discount_amount", ("优惠总金额",), parse_money, MONEY),
        Column("order_status", ("订单状态",), parse_text, required=True),
        Column("after_sale_status", ("售后状态",), parse_text),
        Column("created_at", ("订单提交时间",), parse_timestamp, TS, required=True),
        Column("paid_at", ("支付完成时间",), parse_timestamp, TS),
        Column("shipped_at", ("发货时间",), parse_timestamp, TS),
        Column("finished_at", ("订单完成时间",), parse_timestamp, TS),
        Column("receiver_name", ("收件人",), parse_text, pii=True),
        Column("receiver_mobile", ("收件人手机号",), parse_phone, pii=True),
        Column("receiver_province", ("省",), parse_text),
        Column("receiver_city", ("市",), parse_text),
        Column("host_id", ("达人ID",), parse_text),
        Column("host_nickname", ("达人昵称",), parse_text),
        Column("ad_channel", ("广告渠道",), parse_text),
    ),
    derived=(phone_kind_of("receiver_mobile"),),
)
