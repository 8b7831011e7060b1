"""Every header generation and quirk the demo and real shops produce, parsed by header name."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.demo.exports import (
    LINES_2017,
    LINES_2020,
    LINES_2022,
    ORDERS_2018,
    ORDERS_2019,
    ORDERS_2021,
    REFUNDS_2017,
    REFUNDS_2024,
)
from ingestion.sources import detect_spec
from ingestion.sources.spec import FileRejected, Reject, Row, parse_file
from ingestion.sources.taobao_exports import ORDER_LINES, ORDERS, REFUNDS
from tests.conftest import write_export

# The 2017 46-column header and a real published row (shared/formats 1.1 Gen A), byte for byte
# apart from masking: quotes, trailing spaces in names, ="…", the ' before the phone, 0元, ="".
HEADER_2017 = (
    '"订单编号","买家会员名","买家支付宝账号","买家应付货款","买家应付邮费","买家支付积分","总金额","返点积分",'
    '"买家实际支付金额","买家实际支付积分","订单状态","买家留言","收货人姓名","收货地址 ","运送方式","联系电话 ",'
    '"联系手机","订单创建时间","订单付款时间 ","宝贝标题 ","宝贝种类 ","物流单号 ","物流公司","订单备注","宝贝总数量",'
    '"店铺Id","店铺名称","订单关闭原因","卖家服务费","买家服务费","发票抬头","是否手机订单","分阶段订单信息",'
    '"特权订金订单id","是否上传合同照片","是否上传小票","是否代付","定金排名","修改后的sku","修改后的收货地址",'
    '"异常信息","天猫卡券抵扣","集分宝抵扣","是否是O2O交易","退款金额","预约门店"'
)
ROW_2017 = (
    '="35153131473293579","tb6******","14********@qq.com","201.12","0.00","0","201.12","0","201.12",'
    '"0","买家已付款，等待卖家发货","","薛**","广东省 广州市 越秀区 ********(510180)","快递","",'
    '"\'139********","2017-07-08 00:42:32","2017-07-08 00:42:39",'
    '"【顺丰包邮】原厂授权日本制吉川COOK-PAL雪平锅不锈钢","1","","","","1","0","勤驿达海外生活","订单未关闭",'
    '"0","0元","","手机订单","",="","否","否","否","","","","","","","","0.00",""'
)
LINES_HEADER_2017 = '"订单编号","标题","价格","购买数量","外部系统编号","商品属性","套餐信息","备注","订单状态","商家编码"'
LINE_ROW_2017 = (
    '="35153131473293579","【顺丰包邮】原厂授权日本制吉川COOK-PAL雪平锅不锈钢","239.00","1",'
    '"YO-PAN-20-WITHGLASS","颜色分类：20厘米锅-第三方玻璃盖","","","买家已付款，等待卖家发货",'
    '"YO-PAN-20-WITHGLASS",'
)


def _rows(path: Path, spec=ORDERS) -> tuple[list[Row], list[Reject]]:
    parsed = parse_file(spec, path)
    items = list(parsed.items)
    return [i for i in items if isinstance(i, Row)], [i for i in items if isinstance(i, Reject)]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_real_2017_row_parses_in_every_encoding(tmp_path, encoding):
    path = tmp_path / "ExportOrderList201707081200.csv"
    path.write_bytes(f"{HEADER_2017}\r\n{ROW_2017}\r\n".encode(encoding))
    parsed = parse_file(ORDERS, path)
    assert parsed.generation == "2017_46col"
    assert parsed.encoding == encoding
    (row,) = [i for i in parsed.items if isinstance(i, Row)]
    values = row.values
    assert values["order_id"] == "35153131473293579"
    assert values["buyer_paid_amount"] == Decimal("201.12")
    assert values["order_status"] == "买家已付款，等待卖家发货"
    assert values["created_at"] == dt.datetime(2017, 7, 8, 0, 42, 32)
    assert values["paid_at"] == dt.datetime(2017, 7, 8, 0, 42, 39)  # header "订单付款时间 "
    assert values["receiver_region"] == "广东省 广州市 越秀区"  # header "收货地址 "
    assert values["receiver_mobile"] is None  # masked in the published sample
    assert values["alipay_account"] is None
    assert values["is_mobile_order"] is True
    assert values["refund_amount"] == Decimal("0.00")


def test_real_2017_line_with_trailing_comma(tmp_path):
    path = tmp_path / "ExportOrderDetailList201707081200.csv"
    path.write_bytes(f"{LINES_HEADER_2017}\r\n{LINE_ROW_2017}\r\n".encode("gb18030"))
    rows, rejects = _rows(path, ORDER_LINES)
    assert rejects == []
    assert rows[0].values["order_id"] == "35153131473293579"
    assert rows[0].values["unit_price"] == Decimal("239.00")
    assert rows[0].values["merchant_code"] == "YO-PAN-20-WITHGLASS"
    assert rows[0].values["sub_order_id"] is None


ORDER_ROW = {
    "订单编号": '="3500000000000001"',
    "主订单编号": "3500000000000001",
    "买家会员名": "buyer_1",
    "买家会员昵称": "小厨娘",
    "买家支付宝账号": "b1@163.com",
    "买家应付货款": "99.00",
    "买家应付邮费": "8.00",
    "总金额": "107.00",
    "买家实际支付金额": "107.00",
    "订单状态": "交易成功",
    "收货人姓名": "张三",
    "收货地址": "上海 上海市 浦东新区 张江路1号(201203)",
    "联系手机": "'13912345678",
    "订单创建时间": "2019/3/5 8:07",
    "订单付款时间": "2019/3/5 8:09",
    "物流单号": "No:3330622150731",
    "打款商家金额": "107.00元",
    "买家服务费": "0元",
    "退款金额": "0.00",
    "订单关闭原因": "订单未关闭",
}


@pytest.mark.parametrize(
    ("header", "generation"),
    [(ORDERS_2018, "2018_54col"), (ORDERS_2019, "2019_61col"), (ORDERS_2021, "2021_privacy_71col")],
)
def test_order_header_generations(tmp_path, header, generation):
    path = write_export(
        tmp_path / "ExportOrderList201903051200.csv", header, [ORDER_ROW], "gb18030"
    )
    parsed = parse_file(ORDERS, path)
    assert parsed.generation == generation
    assert parsed.unknown_columns == [] or all(c.strip() for c in parsed.unknown_columns)
    (row,) = [i for i in parsed.items if isinstance(i, Row)]
    assert row.values["order_id"] == "3500000000000001"
    assert row.values["created_at"] == dt.datetime(2019, 3, 5, 8, 7)
    assert row.values["tracking_no"] == "3330622150731"
    assert row.values["receiver_mobile"] == "13912345678"
    expected_nickname = "小厨娘" if "买家会员昵称" in header else None
    assert row.values["buyer_member_nickname"] == expected_nickname


LINE_ROW = {
    "订单编号": '="3500000000000001"',
    "子订单编号": "3500000000000008",
    "主订单编号": "3500000000000001",
    "标题": "雪平锅",
    "价格": "99.00",
    "购买数量": "1",
    "商家编码": "FG-01001",
    "商品属性": "null",
    "买家应付货款": "99.00",
    "买家实际支付金额": "89.10",
    "退款状态": "没有申请退款",
    "退款金额": "无退款申请",
    "订单状态": "交易成功",
}


@pytest.mark.parametrize(
    ("header", "generation", "sub_order"),
    [
        (LINES_2017, "2017_10col", None),
        (LINES_2020, "2020_suborder_18col", "3500000000000008"),
        (LINES_2022, "2020_suborder_28col", "3500000000000008"),
    ],
)
def test_line_header_generations(tmp_path, header, generation, sub_order):
    path = write_export(
        tmp_path / "ExportOrderDetailList201903051200.csv",
        header,
        [LINE_ROW],
        trailing_comma=header is LINES_2017,
    )
    parsed = parse_file(ORDER_LINES, path)
    assert parsed.generation == generation
    (row,) = [i for i in parsed.items if isinstance(i, Row)]
    assert row.values["order_id"] == "3500000000000001"
    assert row.values["sub_order_id"] == sub_order
    assert row.values["sku_properties"] is None  # literal "null"
    if header is not LINES_2017:
        assert row.values["refund_amount"] is None  # 无退款申请
        assert row.values["line_paid_amount"] == Decimal("89.10")


def test_file_type_detected_by_header_when_name_is_unknown(tmp_path):
    orders = write_export(tmp_path / "订单导出.csv", ORDERS_2018, [ORDER_ROW])
    lines = write_export(tmp_path / "明细.csv", LINES_2020, [LINE_ROW])
    assert detect_spec(orders) is ORDERS
    assert detect_spec(lines) is ORDER_LINES


def test_missing_required_column_rejects_the_file_naming_it(tmp_path):
    header = [h for h in ORDERS_2018 if h != "买家实际支付金额"]
    path = write_export(tmp_path / "ExportOrderList201903051200.csv", header, [ORDER_ROW])
    with pytest.raises(FileRejected, match="buyer_paid_amount.*买家实际支付金额"):
        parse_file(ORDERS, path)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"买家实际支付金额": "-3.00"}, "negative amount"),
        ({"订单创建时间": "2019-02-30 10:00:00"}, "cannot be parsed"),
        ({"订单编号": "3.5E+15"}, "scientific notation"),
        ({"订单编号": ""}, "order id is empty"),
    ],
)
def test_bad_rows_are_rejected_with_their_reason(tmp_path, change, reason):
    good = dict(ORDER_ROW, **{"订单编号": '="3500000000000002"'})
    path = write_export(
        tmp_path / "ExportOrderList201903051200.csv", ORDERS_2018, [good, dict(ORDER_ROW, **change)]
    )
    rows, rejects = _rows(path)
    assert len(rows) == 1
    (reject,) = rejects
    assert reject.line == 3
    assert reason in reject.reason


def test_short_row_repeated_header_and_undecodable_line(tmp_path):
    path = write_export(tmp_path / "ExportOrderList201903051200.csv", ORDERS_2018, [ORDER_ROW])
    text = path.read_bytes()
    header_line = text.split(b"\r\n")[0]
    path.write_bytes(text + header_line + b"\r\n" + b'"1","2"\r\n' + b'"\xff\xfe broken"\r\n')
    rows, rejects = _rows(path)
    assert len(rows) == 1
    reasons = {r.line: r.reason for r in rejects}
    assert "header row repeated" in reasons[3]
    assert "expected 54 fields, found 2" in reasons[4]
    assert "cannot be decoded" in reasons[5]


def test_quoted_newline_inside_a_message_keeps_line_numbers(tmp_path):
    second = dict(ORDER_ROW, **{"订单编号": '="3500000000000002"', "买家留言": "请周末\r\n送货"})
    third = dict(ORDER_ROW, **{"订单编号": '="3500000000000003"', "买家实际支付金额": "-1"})
    path = write_export(
        tmp_path / "ExportOrderList201903051200.csv", ORDERS_2018, [ORDER_ROW, second, third]
    )
    rows, rejects = _rows(path)
    assert [r.line for r in rows] == [2, 3]
    assert rows[1].values["buyer_message"] == "请周末\r\n送货"
    assert [r.line for r in rejects] == [5]


@pytest.mark.parametrize(
    "header, generation, money_column, item_column",
    [
        (REFUNDS_2017, "2017_refund_42col", "买家退款金额", None),
        (REFUNDS_2024, "2024_refund", "退款金额", "商品 id"),
    ],
)
def test_refund_report_generations(tmp_path, header, generation, money_column, item_column):
    row = {
        "订单编号": '="3500000000000001"',
        "退款编号": "15000000000000010",
        "退款状态": "退款成功",
        "退款的申请时间": "2024/3/5 8:07",
        "退款完结时间": "2024-03-06 09:00:00",
        money_column: "58.50",
        "部分退款/全部退款": "部分退款",
    }
    if item_column:
        row[item_column] = "600000001010"
    # An unknown name: the header alone says this is a 退款报表.
    path = write_export(tmp_path / "after_sales_march.csv", header, [row], "gb18030")
    assert detect_spec(path) is REFUNDS
    parsed = parse_file(REFUNDS, path)
    (item,) = list(parsed.items)
    assert parsed.generation == generation
    assert isinstance(item, Row)
    assert item.values["refund_amount"] == Decimal("58.50")
    assert item.values["applied_at"] == dt.datetime(2024, 3, 5, 8, 7)
    assert item.values["item_id"] == ("600000001010" if item_column else None)
