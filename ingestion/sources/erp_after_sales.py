"""ERP after-sales records (退换单 / 售后单): returns, exchanges, re-sends and refunds the shop's
service team handled, including those of offline and other-platform orders the platform's 退款报表
never shows. Header names as the multi-source importers in shared/formats 3.3 alias them.
"""

from __future__ import annotations

from ingestion.sources.spec import Column, FileSpec
from ingestion.sources.sql_forms import REQUIRED_TEXT
from ingestion.sources.values import (
    parse_int,
    parse_money,
    parse_text,
    parse_timestamp,
    required_text,
)

AFTER_SALES = FileSpec(
    table="erp_after_sales",
    description="ERP 退换单/售后单: one row per after-sales case per export file",
    name_prefixes=("售后单", "退换单", "AfterSale"),
    generations=(("erp_after_sales", frozenset({"原始单号", "退款金额"})),),
    columns=(
        Column(
            "after_sales_no",
            ("退换补发单号", "售后单号", "退换单号"),
            required_text("售后单号"),
            required=True,
            fast=REQUIRED_TEXT,
        ),
        Column("erp_order_no", ("订单编号", "原订单编号", "系统订单号"), parse_text),
        Column("platform_order_id", ("原始单号", "网店订单号", "线上订单号"), parse_text),
        Column("after_sales_type", ("售后类型", "退换类型", "类型"), parse_text),
        Column("status", ("处理状态", "状态", "售后状态"), parse_text),
        Column("buyer_nick", ("客户网名", "买家账号", "买家昵称"), parse_text),
        Column("merchant_code", ("商家编码",), parse_text),
        Column("quantity", ("退货数量", "数量"), parse_int, "INTEGER"),
        Column("refund_amount", ("退款金额", "实退金额"), parse_money, "DECIMAL(18,2)"),
        Column("reason", ("退换原因", "售后原因", "原因"), parse_text),
        Column(
            "created_at",
            ("建单时间", "申请时间", "创建时间"),
            parse_timestamp,
            "TIMESTAMP",
            required=True,
        ),
        Column("finished_at", ("完成时间", "处理时间"), parse_timestamp, "TIMESTAMP"),
    ),
)
