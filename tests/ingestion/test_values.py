import datetime as dt
from decimal import Decimal

import pytest

from ingestion.sources import values as v


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('="35153131473293579"', "35153131473293579"),  # Excel formula wrapping
        ('=""', ""),
        ("'13912345678", "13912345678"),  # apostrophe-protected phone
        ("3515313147329357\t", "3515313147329357"),  # tab-protected id
        ("  交易成功 ", "交易成功"),
        ("plain", "plain"),
    ],
)
def test_clean_cell_undoes_excel_protection(raw, clean):
    assert v.clean_cell(raw) == clean


def test_header_normalisation_strips_bom_spaces_and_full_width():
    assert v.normalise_header("\ufeff订单编号") == "订单编号"
    assert v.normalise_header("收货地址 ") == "收货地址"
    assert v.normalise_header("店铺Ｉｄ") == "店铺Id"


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("201.12", Decimal("201.12")),
        ("58.51元", Decimal("58.51")),
        ("0元", Decimal("0.00")),
        ("¥1,299.00", Decimal("1299.00")),
        ("", None),
        ("无退款申请", None),
        ("null", None),
    ],
)
def test_money_strips_units_and_separators(raw, amount):
    assert v.parse_money(raw) == amount


def test_money_rejects_negative_and_text():
    with pytest.raises(ValueError, match="negative amount"):
        v.parse_money("-5.00")
    with pytest.raises(ValueError, match="not a number"):
        v.parse_money("abc")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2017-07-08 00:42:32", dt.datetime(2017, 7, 8, 0, 42, 32)),
        ("2019/3/5 8:07", dt.datetime(2019, 3, 5, 8, 7)),  # Excel re-saved
        ("2019/03/05 08:07:09", dt.datetime(2019, 3, 5, 8, 7, 9)),
        ("2019-03-05", dt.datetime(2019, 3, 5)),
        ("", None),
    ],
)
def test_timestamps_in_both_export_styles(raw, expected):
    assert v.parse_timestamp(raw) == expected


@pytest.mark.parametrize("raw", ["2019-13-01 00:00:00", "yesterday", "2019/2/30 1:00"])
def test_bad_timestamps_are_errors(raw):
    with pytest.raises(ValueError, match="cannot be parsed"):
        v.parse_timestamp(raw)


def test_order_ids_damaged_by_excel_are_errors():
    with pytest.raises(ValueError, match="scientific notation"):
        v.parse_order_id("3.51531E+16")
    with pytest.raises(ValueError, match="not a number"):
        v.parse_order_id("35153-1314")
    assert v.parse_order_id('="35153131473293579"') == "35153131473293579"


def test_phones_normalise_and_classify():
    assert v.parse_phone("'139 1234 5678") == "13912345678"
    assert v.parse_phone("+8613912345678") == "13912345678"
    assert v.parse_phone("139********") is None  # masked: identifies nobody
    assert v.phone_kind(v.parse_phone("18412345678-7576")) == "virtual"
    assert v.phone_kind(v.parse_phone("13912345678")) == "mobile"
    assert v.phone_kind(v.parse_phone("021-62345678")) == "landline"
    with pytest.raises(ValueError):
        v.parse_phone("call me")


def test_tracking_numbers_lose_no_prefix():
    assert v.parse_tracking_no("No:3330622150731") == "3330622150731"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("1.234,50", "ambiguous"),  # a decimal comma: never 1.23
        ("12.345", "below the cent"),  # a thousands point: never 12.34
        ("1,2", "ambiguous"),
        ("0.005", "below the cent"),
    ],
)
def test_money_refuses_what_only_another_convention_reads(raw, why):
    with pytest.raises(ValueError, match=why):
        v.parse_money(raw)


def test_money_keeps_exact_values_with_trailing_zeros():
    assert v.parse_money("12.340") == Decimal("12.34")
    assert v.parse_money("12,345,678.90") == Decimal("12345678.90")


def test_phone_hashed_by_the_exporter_is_told_apart_from_a_bad_phone():
    with pytest.raises(v.AlreadyPseudonymised) as hashed:
        v.parse_phone("A8BC507DD57")
    assert "A8BC" not in hashed.value.public
    with pytest.raises(v.Unreadable) as bad:
        v.parse_phone("call me")
    assert not isinstance(bad.value, v.AlreadyPseudonymised)
    assert v.parse_phone("13912345678") == "13912345678"  # all digits is never a hex token


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("A8BC507DD57", "hex, 11 chars"),
        ("张三", "text, 2 chars"),
        ("139****0001", "masked, 11 chars"),
    ],
)
def test_value_kind_gives_the_shape_not_the_value(cell, kind):
    assert v.value_kind(cell) == kind
