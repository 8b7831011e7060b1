"""Turn one exported cell into a typed value, or say exactly why it cannot be.

Every function here is pure and raises `ValueError` with a message fit for the quarantine table.
The quirks handled are the ones listed in shared/formats (section 1.5): Excel formula wrapping,
apostrophe-protected phones, tab-protected ids, unit suffixes, `No:` prefixes, literal `null`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

_NULL_TOKENS = {"", "null", "none", "nan", "-", "无退款申请"}
_MONEY_UNITS = re.compile(r"[元¥￥\s]")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$")
_TIMESTAMP = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)
_PROTECTED_EDGES = ("=", "'", '"', " ", "\t", "\r", "\n", "\u3000")
MAX_MONEY = Decimal("9999999999999999.99")
_CENT = Decimal("0.01")
_PLAIN_MONEY = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_ISO_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
# Thousands separators as Chinese exports write them: 1,299.00 (never 1.299,00).
_GROUPED_MONEY = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
# A publisher's own pseudonym in a contact column (a real 2017 export replaced 联系手机 with
# 11-character hex codes): at least one letter, so a plain number is never taken for one.
_HEX_TOKEN = re.compile(r"^(?=.*[A-Fa-f])[0-9A-Fa-f]{8,128}$")


class Unreadable(ValueError):
    """A cell that cannot be read. `public` says why without quoting the value, for the
    field-issue log of a column that holds personal data."""

    def __init__(self, message: str, public: str | None = None) -> None:
        super().__init__(message)
        self.public = public or message


class AlreadyPseudonymised(Unreadable):
    """The exporter hashed the value before Fugou saw it: not an error in the row, just a
    contact point that links nobody."""


def normalise_header(name: str) -> str:
    """Headers drift between generations by BOM, full-width forms and stray spaces, never by meaning."""
    name = name.replace("\ufeff", "")
    name = unicodedata.normalize("NFKC", name)
    name = clean_cell(name)
    return re.sub(r"\s+", "", name)


def clean_cell(value: str) -> str:
    """Undo what Excel-minded exporters do to protect values: `="…"`, leading `'`, trailing tab."""
    if not value or not (value.startswith(_PROTECTED_EDGES) or value.endswith(_PROTECTED_EDGES)):
        return value
    value = value.strip()
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1]
    elif value.startswith("="):
        value = value[1:]
    value = value.strip().strip('"').strip()
    if value.startswith("'"):
        value = value[1:].strip()
    return value


def is_null(value: str) -> bool:
    return value.lower() in _NULL_TOKENS


def parse_text(value: str) -> str | None:
    if value and value[0].isalnum() and value[-1].isalnum() and value != "null":
        return value  # the common case, untouched by any exporter quirk
    value = clean_cell(value)
    return None if value.lower() in ("", "null") else value


# A 收货地址 reads `省 市 区 详细地址(邮编)` (municipalities without 市 in older exports: `上海
# 上海市 …`; some exports drop the spaces). Its region is the first one to three Chinese place
# names, each ending in an administrative suffix. One template, so that Python's `re` and
# DuckDB's RE2 read the same pattern (they spell a code point range differently).
_PLACE_SUFFIX = "特别行政区|自治区|自治州|自治县|地区|省|市|区|县|盟|旗"
_BARE_PLACES = "北京|上海|天津|重庆|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|台湾"
_REGION_TEMPLATE = (
    "^({han}{{1,12}}?(?:{suffix})|{bare})(?: ?({han}{{1,12}}?(?:{suffix})))?"
    "(?: ?({han}{{1,12}}?(?:{suffix})))?"
)
REGION_PATTERN_PYTHON = _REGION_TEMPLATE.format(
    han="[\u4e00-\u9fff]", suffix=_PLACE_SUFFIX, bare=_BARE_PLACES
)
REGION_PATTERN_RE2 = _REGION_TEMPLATE.format(
    han="[\\x{4e00}-\\x{9fff}]", suffix=_PLACE_SUFFIX, bare=_BARE_PLACES
)
_REGION = re.compile(REGION_PATTERN_PYTHON)


def parse_region(value: str) -> str | None:
    """The province, city and district of an address, space-separated; the street, house
    number, postcode and anything else are dropped here, before a row is written. The marts
    need the region only, and a street address is personal data Fugou has no use for. An
    address without a recognisable region (自提, a foreign one, a masked one) is NULL."""
    text = parse_text(value)
    if text is None:
        return None
    match = _REGION.match(text)
    if match is None:
        return None
    return " ".join(part for part in match.groups() if part)


def parse_order_id(value: str) -> str:
    """Order ids stay text: they exceed 15 significant digits, which is where Excel damages them."""
    value = clean_cell(value)
    if not value:
        raise ValueError("order id is empty")
    if _SCIENTIFIC.match(value):
        raise ValueError(f"order id {value!r} was damaged by Excel (scientific notation)")
    if not value.isdigit():
        raise ValueError(f"order id {value!r} is not a number")
    return value


def parse_optional_order_id(value: str) -> str | None:
    return None if is_null(clean_cell(value)) else parse_order_id(value)


def parse_money(value: str) -> Decimal | None:
    """Yuan with a decimal point, as every Chinese export writes them. A value that only reads
    as money under another convention (1.234,50) or that has sub-cent digits (12.345: a
    thousands point?) is refused, never rounded to something else."""
    if _PLAIN_MONEY.match(value):
        return Decimal(value).quantize(_CENT)  # the common case: 201.12
    value = _MONEY_UNITS.sub("", clean_cell(value))
    if is_null(value):
        return None
    if "," in value:
        if not _GROUPED_MONEY.match(value):
            raise ValueError(
                f"amount {value!r} is ambiguous: commas are only read as thousands separators "
                "(1,299.00)"
            )
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"amount {value!r} is not a number") from exc
    if not amount.is_finite() or abs(amount) > MAX_MONEY:
        raise ValueError(f"amount {value!r} is out of range")
    if amount < 0:
        raise ValueError(f"negative amount {value}")
    if amount != amount.quantize(_CENT):
        raise ValueError(
            f"amount {value!r} has digits below the cent (a thousands separator?); not rounded"
        )
    return amount.quantize(_CENT)


def parse_int(value: str) -> int | None:
    value = clean_cell(value).replace(",", "")
    if is_null(value):
        return None
    try:
        number = int(Decimal(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"count {value!r} is not a whole number") from exc
    if number < 0:
        raise ValueError(f"negative count {number}")
    if number > 2**31:
        raise ValueError(f"count {number} is out of range")
    return number


def parse_timestamp(value: str) -> dt.datetime | None:
    """Beijing wall time as exported; Excel re-saves turn `2019-03-05 08:07:00` into `2019/3/5 8:07`."""
    if _ISO_SECONDS.match(value):
        try:
            return dt.datetime.fromisoformat(value)  # the common case, parsed in C
        except ValueError:
            pass
    value = clean_cell(value)
    if is_null(value):
        return None
    match = _TIMESTAMP.match(value)
    if match:
        try:
            return dt.datetime(*(int(part) for part in match.groups(default="0")))
        except ValueError:
            pass
    raise ValueError(f"timestamp {value!r} cannot be parsed")


def parse_tracking_no(value: str) -> str | None:
    value = clean_cell(value)
    if value.startswith("No:"):
        value = value[3:].strip()
    return None if is_null(value) else value


def parse_phone(value: str) -> str | None:
    """Normalise a phone for hashing; masked numbers (139****0001) identify nobody, so they are None.

    Virtual numbers keep their extension (184xxxxxxxx-7576): they expire and must never be
    confused with the real number behind them.
    """
    value = clean_cell(value)
    if is_null(value) or "*" in value:
        return None
    if _HEX_TOKEN.match(value):
        raise AlreadyPseudonymised(
            f"phone {value!r} is already pseudonymised by the exporter",
            "already pseudonymised by the exporter (a hex token, not a phone)",
        )
    digits = re.sub(r"[\s()（）]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not re.fullmatch(r"\d{5,15}(-\d{1,6})?|0\d{2,3}-\d{7,8}(-\d{1,6})?", digits):
        raise Unreadable(f"phone {value!r} is not a phone number", "not a phone number")
    return digits


def value_kind(cell: str) -> str:
    """What an unreadable cell looked like, without its content: for logs that must hold no
    personal data."""
    text = clean_cell(cell)
    if not text:
        return "empty"
    if text.isdigit():
        kind = "digits"
    elif re.fullmatch(r"[0-9A-Fa-f]+", text):
        kind = "hex"
    elif "*" in text:
        kind = "masked"
    elif re.fullmatch(r"[0-9.,+\-\s]+", text):
        kind = "number-like"
    elif text.isascii():
        kind = "ascii text"
    else:
        kind = "text"
    return f"{kind}, {len(text)} chars"


def phone_kind(normalised: str | None) -> str | None:
    if normalised is None:
        return None
    if re.fullmatch(r"1\d{10}-\d{1,6}", normalised):
        return "virtual"
    if re.fullmatch(r"1\d{10}", normalised):
        return "mobile"
    return "landline"


def parse_account(value: str) -> str | None:
    """Alipay accounts are an email or a phone; masked ones (14******@qq.com) link nobody."""
    value = clean_cell(value).lower()
    if is_null(value) or "*" in value:
        return None
    return value


def parse_bool_cn(value: str) -> bool | None:
    value = clean_cell(value)
    if is_null(value):
        return None
    if value in ("是", "手机订单", "true", "1", "Y", "y"):
        return True
    if value in ("否", "false", "0", "N", "n", "PC订单", "电脑订单"):
        return False
    return None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_BEIJING = dt.timedelta(hours=8)


def parse_epoch_seconds(value: str) -> dt.datetime | None:
    """WeCom and WeChat give times as Unix seconds; Fugou keeps Beijing wall time like the rest."""
    value = clean_cell(value)
    if is_null(value):
        return None
    if not value.isdigit():
        raise ValueError(f"unix time {value!r} is not a whole number of seconds")
    seconds = int(value)
    if seconds > 32503680000:  # year 3000: milliseconds, not seconds
        raise ValueError(f"unix time {value!r} is not in seconds")
    return (_EPOCH + dt.timedelta(seconds=seconds) + _BEIJING).replace(tzinfo=None)


def parse_date(value: str) -> dt.date | None:
    """A date as member lists write it: 1990-05-01, 1990/5/1, 19900501, or a timestamp's day."""
    value = clean_cell(value)
    if is_null(value):
        return None
    match = re.fullmatch(
        r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", value
    ) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value)
    if match:
        try:
            return dt.date(*(int(p) for p in match.groups()))
        except ValueError:
            pass
    raise ValueError(f"date {value!r} cannot be parsed")


def parse_score_0_10(value: str) -> int | None:
    """An NPS answer: a whole number from 0 to 10."""
    score = parse_int(value)
    if score is not None and not 0 <= score <= 10:
        raise ValueError(f"score {score} is outside 0-10")
    return score


def parse_signed_int(value: str) -> int | None:
    """Points: earned (+), redeemed or expired (−), written with a sign, a full-width sign or none."""
    value = clean_cell(value).replace(",", "").replace("＋", "+").replace("－", "-")
    if is_null(value):
        return None
    if not re.fullmatch(r"[+-]?\d{1,9}", value):
        raise ValueError(f"points {value!r} is not a whole number")
    return int(value)


def required_text(label: str):
    """A parser for an id column that must not be empty; the message names the column."""

    def parse(value: str) -> str | None:
        text = parse_text(value)
        if text is None:
            raise ValueError(f"{label} is empty")
        return text

    return parse
