"""Which columns hold personal data in clear, and how a preview shows them masked.

The warehouse keeps a few personal values in clear because Fugou needs them: Taobao nicks (the
outbox's 旺旺 follow-ups, identity across exports), buyers' messages and sellers' notes, WeCom
remarks. A preview in the Dagster UI is not that need: its rows are kept in the run storage of
every run, for as long as runs are kept, and read by anyone who opens the UI. So previews and
examples show such a value as its first character and asterisks, the way Taobao itself masks
nicks (t**5), enough to tell rows apart and no more.
"""

from __future__ import annotations

import re

import pandas as pd

# A column is personal when its name says so (the names Fugou gives them: raw, staging and marts
# share them); pseudonyms (`_hmac`) and facts about a value (its kind, a count) are not.
_PERSONAL = re.compile(
    r"nick|(^|_)name$|mobile|phone|landline|alipay|address|street|remark|message|note$"
    r"|comment|content$|raw_text|identifier_value|email|unionid|openid|external_userid|open_uid|oaid"
    # identity-graph nodes are `type:value` (taobao_nick:…)
    r"|(^|_)node(_|$)|node_key|component_key|(^|_)(from|to|old|new)_identifier"
)
_NOT_PERSONAL = re.compile(r"_(hmac|kind|count|type|at|date|status|source|sources|flag|share)$")
# Names that end in `_name` but name things, not people.
_THINGS = re.compile(
    r"^(shop|store|product|category|sku|item|warehouse|logistics|channel|segment|tier|rule|"
    r"tag|model|suite|audience|campaign|template|group|stage|source|file|table|column)_name$"
)


def is_personal(column: str) -> bool:
    name = column.lower()
    if _NOT_PERSONAL.search(name) or _THINGS.match(name):
        return False
    return bool(_PERSONAL.search(name))


def mask(value: object) -> object:
    """`小厨娘` -> `小**`: the first character, an asterisk for each of the rest (at least two)."""
    if value is None or (isinstance(value, float) and value != value):
        return value
    text = str(value)
    if not text:
        return text
    return text[0] + "*" * max(2, len(text) - 1)


def masked_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every personal column's values masked."""
    frame = frame.copy()
    for column in frame.columns:
        if is_personal(str(column)):
            frame[column] = frame[column].map(mask)
    return frame


def masked_record(record: dict) -> dict:
    return {k: mask(v) if is_personal(str(k)) else v for k, v in record.items()}
