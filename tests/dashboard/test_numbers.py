"""Figures as a Chinese operator reads them (万, 亿, ¥) and as an English reader does."""

from decimal import Decimal

import pytest

from dashboard.numbers import count, money, percent, points


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (0, "0", "0"),
        (9_999, "9,999", "9,999"),
        (10_000, "1万", "10,000"),
        (12_345, "1.2万", "12,345"),
        (5_904_000, "590.4万", "5,904,000"),
        (123_456_789, "1.23亿", "123,456,789"),
        (None, "–", "–"),
        (float("nan"), "–", "–"),
    ],
)
def test_counts_switch_to_wan_and_yi_in_chinese_only(value, zh, en):
    assert count(value, "zh") == zh
    assert count(value, "en") == en


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (Decimal("78268.40"), "¥7.8万", "¥78,268"),
        (Decimal("183.27"), "¥183", "¥183"),
        (Decimal("9.5"), "¥9.50", "¥9.50"),
        (1_234_567, "¥123.5万", "¥1.23M"),
        (250_000_000, "¥2.5亿", "¥250M"),
        (-15_000, "-¥1.5万", "-¥15,000"),
    ],
)
def test_money_is_in_yuan_with_chinese_units(value, zh, en):
    assert money(value, "zh") == zh
    assert money(value, "en") == en


def test_rates_and_differences():
    assert percent(0.1234, "zh") == "12.3%"
    assert percent(Decimal("0.5"), "en", digits=0) == "50%"
    assert points(0.021, "zh") == "+2.1个百分点"
    assert points(-0.004, "en") == "-0.4 pp"
