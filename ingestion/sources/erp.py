"""ERP product master (货品档案), as 旺店通-style ERPs export it.

Taobao exports name products only by title and 商家编码; the category and cost that retention
marts need (preferred category, cross-sell) live in the shop's ERP product list.
"""

from __future__ import annotations

from ingestion.sources.spec import Column, FileSpec
from ingestion.sources.sql_forms import REQUIRED_TEXT
from ingestion.sources.values import parse_money, parse_text


def _merchant_code(value: str) -> str | None:
    code = parse_text(value)
    if code is None:
        raise ValueError("商家编码 is empty")
    return code


PRODUCTS = FileSpec(
    table="erp_products",
    description="ERP 货品档案: one row per merchant SKU code with its category and prices",
    name_prefixes=("货品档案", "ProductList", "GoodsList"),
    generations=(("wdt_goods", frozenset({"商家编码", "货品名称", "分类"})),),
    columns=(
        Column("merchant_code", ("商家编码",), _merchant_code, required=True, fast=REQUIRED_TEXT),
        Column("goods_no", ("货品编号",), parse_text),
        Column("product_name", ("货品名称", "商品名称"), parse_text, required=True),
        Column("category", ("分类", "类目", "商品分类"), parse_text, required=True),
        Column("brand", ("品牌",), parse_text),
        Column("list_price", ("标价", "零售价"), parse_money, "DECIMAL(18,2)"),
        Column("cost_price", ("成本价", "成本"), parse_money, "DECIMAL(18,2)"),
    ),
)
