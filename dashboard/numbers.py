"""Numbers as a Chinese shop reads them, and as an English reader does.

Chinese reports count in 万 (10,000) and 亿 (100,000,000), not in thousands and millions: a
month's GMV of 1,234,567 reads ¥123.5万, not ¥1.23M. The same rules exist twice, once here for
text the page prints (tiles, tooltips) and once as Vega expressions for the axes, so a figure and
its axis agree.
"""

from __future__ import annotations

import math
from decimal import Decimal

LANGS = ("zh", "en")


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _trim(text: str) -> str:
    """1.50 → 1.5, 2.0 → 2: the decimals a reader needs, no more."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(value, lang: str) -> str:
    """A count of people or rows: 12,345 in English, 1.2万 in Chinese from 10,000 on."""
    number = _number(value)
    if number is None:
        return "–"
    if lang == "zh":
        if abs(number) >= 1e8:
            return _trim(f"{number / 1e8:.2f}") + "亿"
        if abs(number) >= 1e4:
            return _trim(f"{number / 1e4:.1f}") + "万"
        return f"{number:,.0f}"
    return f"{number:,.0f}"


def money(value, lang: str) -> str:
    """CNY: ¥123.5万 in Chinese, ¥1.23M in English; whole yuan below ten thousand."""
    number = _number(value)
    if number is None:
        return "–"
    sign = "-" if number < 0 else ""
    number = abs(number)
    if lang == "zh":
        if number >= 1e8:
            return f"{sign}¥" + _trim(f"{number / 1e8:.2f}") + "亿"
        if number >= 1e4:
            return f"{sign}¥" + _trim(f"{number / 1e4:.1f}") + "万"
        return f"{sign}¥{number:,.0f}" if number >= 100 else f"{sign}¥{number:,.2f}"
    if number >= 1e6:
        return f"{sign}¥" + _trim(f"{number / 1e6:.2f}") + "M"
    return f"{sign}¥{number:,.0f}" if number >= 100 else f"{sign}¥{number:,.2f}"


def percent(value, lang: str, digits: int = 1) -> str:
    """A share or rate (0.123 → 12.3%); the same in both languages."""
    number = _number(value)
    if number is None:
        return "–"
    return f"{number * 100:.{digits}f}%"


def points(value, lang: str) -> str:
    """A difference of two rates in percentage points: +1.2 pp / +1.2个百分点."""
    number = _number(value)
    if number is None:
        return "–"
    unit = "个百分点" if lang == "zh" else " pp"
    return f"{number * 100:+.1f}{unit}"


# The same conventions for Vega axes (`labelExpr`): `datum.value` is the tick's number.
_ZH_COUNT = (
    "abs(datum.value) >= 1e8 ? format(datum.value / 1e8, '.2~f') + '亿' : "
    "abs(datum.value) >= 1e4 ? format(datum.value / 1e4, '.1~f') + '万' : "
    "format(datum.value, ',.0f')"
)
_EN_COUNT = "format(datum.value, ',.0f')"
AXIS_LABELS = {
    "zh": {
        "count": _ZH_COUNT,
        "money": "'¥' + (" + _ZH_COUNT + ")",
        "percent": "format(datum.value, '.0%')",
        "ratio": "format(datum.value, '~g')",
    },
    "en": {
        "count": _EN_COUNT,
        "money": "abs(datum.value) >= 1e6 ? '¥' + format(datum.value / 1e6, '.2~f') + 'M' : "
        "'¥' + format(datum.value, ',.0f')",
        "percent": "format(datum.value, '.0%')",
        "ratio": "format(datum.value, '~g')",
    },
}
