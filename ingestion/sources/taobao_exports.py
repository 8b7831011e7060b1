"""Taobao / Tmall seller back-office exports: 订单报表 (ExportOrderList) and 宝贝报表 (ExportOrderDetailList).

Aliases cover the header generations in shared/formats section 1.1-1.2: 2016-2019 (46-56 columns,
buyer identity in clear), 2019-2022 (61-71 columns, 买家会员昵称 and virtual phones after the
privacy change), and the 2020+ 宝贝报表 with 子订单编号/主订单编号. 退款报表 (refunds) in the
42-column generation (支付宝交易号, 售中或售后) and the 2024+ one (支付单号, 售后类型).
The 2023+ 千牛 export (sub-orders only, no buyer identity) loads as order lines: it has the
宝贝报表 columns under 商品标题/商品价格/买家实付金额; its workbook form adds 订单报表 and
发货报表 sheets (workbooks.py).
"""

from __future__ import annotations

from dataclasses import replace

from ingestion.sources.spec import Column, FileSpec, phone_kind_of
from ingestion.sources.taobao_headers import (
    LINES_2017,
    LINES_2020,
    LINES_2022,
    ORDERS_2016,
    ORDERS_2018,
    ORDERS_2019,
    ORDERS_2021,
    REFUNDS_2017,
    REFUNDS_2024,
    SUBORDERS_2023,
    SUBORDERS_2023_TMALL,
)
from ingestion.sources.values import (
    parse_account,
    parse_bool_cn,
    parse_int,
    parse_money,
    parse_optional_order_id,
    parse_order_id,
    parse_phone,
    parse_region,
    parse_text,
    parse_timestamp,
    parse_tracking_no,
)

MONEY = "DECIMAL(18,2)"
TS = "TIMESTAMP"


ORDERS = FileSpec(
    table="taobao_orders",
    description="订单报表: one row per order as the seller back office exported it",
    name_prefixes=("ExportOrderList",),
    generations=(
        ("2021_privacy_71col", frozenset({"买家会员昵称", "虚拟号过期时间"})),
        ("2019_61col", frozenset({"支付单号", "主订单编号"})),
        ("2018_54col", frozenset({"新零售交易类型"})),
        ("2017_46col", frozenset({"买家支付宝账号", "是否代付"})),
        ("2016_41col", frozenset({"买家支付宝账号", "订单关闭原因"})),
    ),
    columns=(
        Column("order_id", ("订单编号",), parse_order_id, required=True),
        Column("buyer_nick", ("买家会员名",), parse_text),
        Column("buyer_member_nickname", ("买家会员昵称",), parse_text),
        Column("alipay_account", ("买家支付宝账号",), parse_account, pii=True),
        Column("payment_no", ("支付单号",), parse_text),
        Column("goods_payable_amount", ("买家应付货款",), parse_money, MONEY),
        Column("postage_payable_amount", ("买家应付邮费",), parse_money, MONEY),
        Column("total_amount", ("总金额",), parse_money, MONEY),
        Column(
            "buyer_paid_amount",
            ("买家实际支付金额", "买家实付金额"),
            parse_money,
            MONEY,
            required=True,
        ),
        Column("order_status", ("订单状态",), parse_text, required=True),
        Column("buyer_message", ("买家留言",), parse_text),
        Column("receiver_name", ("收货人姓名",), parse_text, pii=True),
        Column("receiver_region", ("收货地址",), parse_region),
        Column("shipping_method", ("运送方式",), parse_text),
        Column("receiver_landline", ("联系电话",), parse_phone, pii=True),
        Column("receiver_mobile", ("联系手机",), parse_phone, pii=True),
        Column("virtual_number_expires_at", ("虚拟号过期时间",), parse_timestamp, TS),
        Column("created_at", ("订单创建时间",), parse_timestamp, TS, required=True),
        Column("paid_at", ("订单付款时间",), parse_timestamp, TS, essential=True),
        Column("item_titles", ("宝贝标题",), parse_text),
        Column("item_kind_count", ("宝贝种类",), parse_int, "INTEGER"),
        Column("tracking_no", ("物流单号",), parse_tracking_no),
        Column("logistics_company", ("物流公司",), parse_text),
        Column("seller_note", ("订单备注",), parse_text),
        Column("item_quantity", ("宝贝总数量",), parse_int, "INTEGER"),
        Column("shop_id", ("店铺Id",), parse_text),
        Column("shop_name", ("店铺名称",), parse_text),
        Column("close_reason", ("订单关闭原因",), parse_text),
        Column("is_mobile_order", ("是否手机订单",), parse_bool_cn, "BOOLEAN"),
        Column("stage_info", ("分阶段订单信息",), parse_text),
        Column("tmall_coupon_amount", ("天猫卡券抵扣",), parse_money, MONEY),
        Column("refund_amount", ("退款金额",), parse_money, MONEY, essential=True),
        Column("confirmed_at", ("确认收货时间",), parse_timestamp, TS),
        Column("shipped_at", ("发货时间",), parse_timestamp, TS),
        Column("presale_flag", ("预售订单",), parse_text),
        Column("main_order_id", ("主订单编号",), parse_optional_order_id),
    ),
    derived=(phone_kind_of("receiver_mobile"),),
    known_headers=(*ORDERS_2016, *ORDERS_2018, *ORDERS_2019, *ORDERS_2021),
    conflict_key="order_id",
    conflict_value="buyer_paid_amount",
    conflict_when_not_null="paid_at",
    excel_damage_key="order_id",
)

ORDER_LINES = FileSpec(
    table="taobao_order_lines",
    description="宝贝报表: one row per order line (sub-order)",
    name_prefixes=("ExportOrderDetailList",),
    generations=(
        ("2023_qianniu_suborder", frozenset({"子订单编号", "主订单编号", "商品标题"})),
        ("2020_suborder_28col", frozenset({"子订单编号", "主订单编号", "商品id"})),
        ("2020_suborder_18col", frozenset({"子订单编号", "主订单编号"})),
        ("2017_10col", frozenset({"订单编号", "标题"})),
    ),
    tolerate_trailing_empty_field=True,
    excel_damage_key="order_id",
    known_headers=(*LINES_2017, *LINES_2020, *LINES_2022, *SUBORDERS_2023, *SUBORDERS_2023_TMALL),
    columns=(
        Column("order_id", ("主订单编号", "订单编号"), parse_order_id, required=True),
        Column("sub_order_id", ("子订单编号",), parse_optional_order_id),
        Column("title", ("标题", "商品标题", "宝贝标题"), parse_text),
        Column("unit_price", ("价格", "商品价格"), parse_money, MONEY, required=True),
        Column("quantity", ("购买数量",), parse_int, "INTEGER", required=True),
        Column("outer_system_id", ("外部系统编号",), parse_text),
        Column("sku_properties", ("商品属性",), parse_text),
        Column("package_info", ("套餐信息",), parse_text),
        Column("remark", ("备注",), parse_text),
        Column("order_status", ("订单状态",), parse_text),
        Column("merchant_code", ("商家编码",), parse_text),
        Column("item_id", ("商品id", "商品ID"), parse_text),
        Column("line_payable_amount", ("买家应付货款",), parse_money, MONEY),
        Column(
            "line_paid_amount",
            ("买家实际支付金额", "买家实付金额"),
            parse_money,
            MONEY,
            essential=True,
        ),
        Column("refund_status", ("退款状态",), parse_text),
        Column("refund_amount", ("退款金额",), parse_money, MONEY, essential=True),
        Column("created_at", ("订单创建时间",), parse_timestamp, TS),
        Column("paid_at", ("订单付款时间",), parse_timestamp, TS),
    ),
)

REFUNDS = FileSpec(
    table="taobao_refunds",
    description="退款报表: one row per refund (after-sale) request as the back office exported it",
    name_prefixes=("ExportRefundList", "退款报表", "RefundList"),
    generations=(
        ("2024_refund", frozenset({"退款编号", "支付单号", "售后类型"})),
        ("2017_refund_42col", frozenset({"退款编号", "支付宝交易号", "售中或售后"})),
    ),
    columns=(
        Column("order_id", ("订单编号",), parse_order_id, required=True),
        Column("refund_id", ("退款编号",), parse_order_id, required=True),
        Column("payment_no", ("支付宝交易号", "支付单号"), parse_text),
        Column("paid_at", ("订单付款时间",), parse_timestamp, TS),
        Column("merchant_code", ("商品编码", "商家编码"), parse_text),
        Column("item_id", ("商品id", "商品 id", "商品ID"), parse_text),
        Column("title", ("宝贝标题", "商品标题"), parse_text),
        Column("buyer_paid_amount", ("买家实际支付金额", "买家实付金额"), parse_money, MONEY),
        Column("refund_amount", ("买家退款金额", "退款金额"), parse_money, MONEY, required=True),
        Column("refund_mode", ("手工退款/系统退款",), parse_text),
        Column("return_required", ("是否需要退货",), parse_bool_cn, "BOOLEAN"),
        Column("applied_at", ("退款的申请时间",), parse_timestamp, TS, required=True),
        Column("refund_finished_at", ("退款完结时间",), parse_timestamp, TS),
        Column("refund_status", ("退款状态",), parse_text, required=True),
        Column("goods_status", ("货物状态",), parse_text),
        Column("refund_reason", ("买家退款原因",), parse_text),
        Column("responsible_party", ("责任方",), parse_text),
        Column("refund_phase", ("售中或售后",), parse_text),
        Column("after_sale_type", ("售后类型",), parse_text),
        Column("refund_scope", ("部分退款/全部退款",), parse_text),
    ),
    # No amount-conflict rule: a buyer may change the amount asked before the seller agrees, and
    # a later export then shows the new amount (staging keeps the newest copy).
    excel_damage_key="order_id",
    known_headers=(*REFUNDS_2017, *REFUNDS_2024),
)

# The 2023+ 千牛 export as one workbook (shared/formats 1.1 Gen E): its 订单报表 sheet has the
# order's state and payable amount but no paid amount (that is per sub-order, in 销售明细), so
# the paid amount is not required there; staging sums the sub-orders instead.
QIANNIU_ORDERS_SHEET = replace(
    ORDERS,
    columns=tuple(
        replace(c, required=False) if c.name == "buyer_paid_amount" else c for c in ORDERS.columns
    ),
    generations=(("2023_qianniu_sheet", frozenset({"订单编号", "订单状态"})),),
)

SHIPMENTS = FileSpec(
    table="taobao_shipments",
    description="发货报表: who an order was shipped to (the 2023+ exports' only buyer identity)",
    name_prefixes=("ExportShipList", "发货报表"),
    generations=(("2023_qianniu_sheet", frozenset({"订单编号", "收货人姓名"})),),
    detect_by_header=False,
    columns=(
        Column("order_id", ("订单编号", "主订单编号"), parse_order_id, required=True),
        Column("receiver_name", ("收货人姓名", "收货人"), parse_text, pii=True),
        Column("receiver_mobile", ("联系手机", "收货人手机"), parse_phone, pii=True),
        Column("receiver_region", ("收货地址",), parse_region),
        Column("tracking_no", ("物流单号", "运单号"), parse_tracking_no),
        Column("logistics_company", ("物流公司", "快递公司"), parse_text),
        Column("shipped_at", ("发货时间",), parse_timestamp, TS),
    ),
    derived=(phone_kind_of("receiver_mobile"),),
    excel_damage_key="order_id",
)
