"""The SQL twin of each cell parser answers exactly as the Python parser, wherever it answers."""

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.prepare import hmac_pads, hmac_sql, pseudonymise
from ingestion.sources import sql_forms, values
from ingestion.sources.erp import _merchant_code

FORMS = {
    "text": (values.parse_text, sql_forms.TEXT),
    "order_id": (values.parse_order_id, sql_forms.ORDER_ID),
    "optional_order_id": (values.parse_optional_order_id, sql_forms.OPTIONAL_ORDER_ID),
    "money": (values.parse_money, sql_forms.MONEY),
    "count": (values.parse_int, sql_forms.COUNT),
    "timestamp": (values.parse_timestamp, sql_forms.TIMESTAMP),
    "tracking_no": (values.parse_tracking_no, sql_forms.TRACKING_NO),
    "phone": (values.parse_phone, sql_forms.PHONE),
    "account": (values.parse_account, sql_forms.ACCOUNT),
    "bool_cn": (values.parse_bool_cn, sql_forms.BOOL_CN),
    "region": (values.parse_region, sql_forms.REGION),
    "merchant_code": (_merchant_code, sql_forms.REQUIRED_TEXT),
}
QUIRKS = [
    "",
    "上海 上海市 浦东新区 世纪大道100号(200120)",
    "浙江省杭州市西湖区文三路100号",
    "新疆维吾尔自治区 乌鲁木齐市 天山区 解放北路1号(830000)",
    "山东省 青岛市 市南区 香港中路",
    "自提",
    "浙江省 杭州市 西湖区 ***",
    " ",
    "null",
    "NULL",
    "None",
    "-",
    "nan",
    "无退款申请",
    '="3500197024638227"',
    '=""',
    "3500197024638227",
    "\t3500197024638227\t",
    "3.50019702463823E+15",
    "'13543861008",
    "'13543861008-4262",
    "13543861008-4262",
    "0571-88886666",
    "139****0001",
    "+8613912345678",
    "243.70元",
    "243.7",
    "0.00",
    "1,234.50",
    "-1.00",
    "¥12",
    "12.345",
    "2019-03-05 08:07:00",
    "2019/3/5 8:07",
    "2019/03/05 18:07",
    "2019-02-30 08:07:00",
    "2019/2/29 8:07",
    "2020/2/29 8:07",
    "2019-03-05 24:00:00",
    "2019/3/5 24:07",
    "0000-01-01 00:00:00",
    "2019-03-05T08:07:00",
    "2019-03-05",
    "No:197024638227",
    "No:null",
    "SF1234567890",
    "是",
    "否",
    "手机订单",
    "PC订单",
    "maybe",
    "a@163.com",
    "B1@163.COM",
    "14******@qq.com",
    "吃货a_649361",
    "'quoted",
    "trailing ",
    "\u3000全角空格",
    "007",
    "2147483648",
    "999999999",
    "１２",
    "FG-01004",
]
CELL = st.one_of(
    st.sampled_from(QUIRKS),
    st.text(alphabet="0123456789-/: .元'=\"\tNo*eE+", max_size=20),
    st.text(max_size=12),
    st.text(alphabet="浙江省杭州市西湖区上海北京县旗自治 文路1号()\u3000", max_size=24),
)


def _python(parse, cell):
    try:
        return ("ok", parse(cell))
    except ValueError:
        return ("error", None)


def _sql_answers(form: sql_forms.SqlForm, cells: list[str], required: bool = False):
    con = duckdb.connect()
    con.execute("create table t (i integer, c varchar)")
    con.executemany("insert into t values (?, ?)", list(enumerate(cells)))
    value = form.value_for("c")
    guard = form.guard_for("c", "v", required)
    rows = con.execute(
        f"select i, coalesce({guard}, false), v from (select *, {value} as v from t) order by i"
    ).fetchall()
    return [(ok, v) for _, ok, v in rows]


def _same(python_value, sql_value) -> bool:
    if isinstance(python_value, Decimal):
        return sql_value is not None and Decimal(sql_value) == python_value
    if isinstance(python_value, dt.datetime):
        return sql_value == python_value
    return python_value == sql_value and type(python_value) is type(sql_value)


def _check(name: str, cells: list[str]) -> int:
    parse, form = FORMS[name]
    answered = 0
    required = name == "merchant_code"
    for cell, (ok, sql_value) in zip(cells, _sql_answers(form, cells, required), strict=True):
        if not ok:
            continue  # the row goes to Python: nothing to compare
        answered += 1
        outcome, python_value = _python(parse, cell)
        assert outcome == "ok", f"{name}: SQL accepted {cell!r}, Python rejects it"
        assert _same(python_value, sql_value), (
            f"{name}: {cell!r}: {python_value!r} != {sql_value!r}"
        )
    return answered


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_quirk_answers_as_python_does(name):
    _check(name, QUIRKS)


def test_the_common_export_forms_are_answered_in_sql():
    """Not merely safe: the forms the back office writes must not all fall back to Python."""
    expected = {
        "order_id": ['="3500197024638227"', "3500197024638227"],
        "money": ["243.70元", "0.00", "无退款申请", ""],
        "timestamp": ["2019-03-05 08:07:00", "2019/3/5 8:07", ""],
        "phone": ["'13543861008-4262", "'13543861008", "139****0001", ""],
        "tracking_no": ["No:197024638227"],
        "text": ["吃货a_649361", "null", ""],
        "bool_cn": ["手机订单", "否"],
        "account": ["a@163.com", "14******@qq.com"],
        "region": ["上海 上海市 浦东新区 世纪大道100号(200120)", "自提", ""],
    }
    for name, cells in expected.items():
        assert _check(name, cells) == len(cells), name


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(CELL, min_size=1, max_size=40))
def test_random_cells_answer_as_python_does(cells):
    for name in FORMS:
        _check(name, cells)


def test_phone_kind_in_sql_matches_python():
    phones = ["13543861008-4262", "13543861008", "0571-88886666", None]
    con = duckdb.connect()
    for phone in phones:
        sql = sql_forms.phone_kind("cast($p as varchar)")
        assert con.execute(f"select {sql}", {"p": phone}).fetchone()[0] == values.phone_kind(phone)


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"y" * 100])
def test_hmac_in_sql_is_python_hmac(key):
    ipad, opad = hmac_pads(key)
    con = duckdb.connect()
    for value in ["13912345678", "罗平艳", "a@163.com"]:
        got = con.execute(
            f"select {hmac_sql('$v')}", {"v": value, "ipad": ipad, "opad": opad}
        ).fetchone()[0]
        assert got == pseudonymise(key, value)
