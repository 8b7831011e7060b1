"""The same cell parsers as `values.py`, for the forms exports actually use, as SQL.

Why: parsing every cell in Python costs about 1.5 µs, which made loading take minutes at a
million customers. DuckDB types a column in one vectorised pass instead. Each form pairs a
*guard*, true only where the SQL *value* is exactly what the Python parser returns, with that
value. A cell outside every guarded form (an odd quirk, a bad value) sends its row to the Python
parsers, which stay the single definition of what a cell means and of every rejection message.
tests/ingestion/test_sql_forms.py holds the two to the same answers cell by cell.

Templates use `{c}` for the raw cell (never NULL: an empty cell is '') and, in guards, `{v}` for
the value already computed. A value never raises, whatever the cell (try_cast, try_strptime), so
it is computed once for every row before the guard decides. RE2 classes are spelt `[0-9]`, not
`\\d`, because Python's `\\d` also takes full-width digits, which stay in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.sources import values


@dataclass(frozen=True)
class SqlForm:
    guard: str  # SQL boolean over {c} and {v}
    value: str  # SQL over {c}; NULL where the parser returns None (and anywhere outside the guard)

    def guard_for(self, cell: str, value: str, required: bool = False) -> str:
        guard = f"({self.guard.format(c=cell, v=value)})"
        return f"({guard} and {value} is not null)" if required else guard

    def value_for(self, cell: str) -> str:
        return self.value.format(c=cell)


def _chars(text: str) -> str:
    return ", ".join(f"chr({ord(ch)})" for ch in text)


_EDGES = _chars("".join(values._PROTECTED_EDGES))
_NULL_WORDS = "('null', 'none', 'nan')"
# is_null: what every typed parser reads as an empty cell (compared lower-cased, as Python does).
_NULLS = "(" + ", ".join(f"'{token}'" for token in sorted(values._NULL_TOKENS)) + ")"

TEXT = SqlForm(
    guard=f"{{c}} = '' or (left({{c}}, 1) not in ({_EDGES}) and right({{c}}, 1) not in ({_EDGES}))",
    value="case when {c} in ('', 'null') then null else {c} end",
)
# Text that must be present: an empty cell is a rejection, so it is left to Python to word.
REQUIRED_TEXT = SqlForm(guard=f"({TEXT.guard}) and {{c}} not in ('', 'null')", value="{c}")
ORDER_ID = SqlForm(
    guard="""regexp_full_match({c}, '[0-9]+|="[0-9]+"|\\t?[0-9]+\\t?')""",
    value="regexp_extract({c}, '[0-9]+')",
)
OPTIONAL_ORDER_ID = SqlForm(
    guard=f"{{c}} = '=\"\"' or lower({{c}}) in {_NULLS} or {ORDER_ID.guard}",
    value=(
        f"case when {{c}} = '=\"\"' or lower({{c}}) in {_NULLS} then null"
        " else regexp_extract({c}, '[0-9]+') end"
    ),
)
MONEY = SqlForm(
    guard=(
        f"lower({{c}}) in {_NULLS}"
        " or regexp_full_match({c}, '[0-9]{{1,12}}(?:\\.[0-9]{{1,2}})?元?')"
    ),
    value=(
        f"case when lower({{c}}) in {_NULLS} then null"
        " else try_cast(rtrim({c}, '元') as decimal(18, 2)) end"
    ),
)
COUNT = SqlForm(
    guard=f"lower({{c}}) in {_NULLS} or regexp_full_match({{c}}, '[0-9]{{{{1,9}}}}')",
    value=f"case when lower({{c}}) in {_NULLS} then null else try_cast({{c}} as integer) end",
)
# One format per shape: try_strptime with a list of formats costs six times as much.
TIMESTAMP = SqlForm(
    guard=(
        f"lower({{c}}) in {_NULLS} or ({{v}} is not null and regexp_full_match({{c}}, "
        "'[1-9][0-9]{{3}}-[0-9]{{2}}-[0-9]{{2}} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
        "|[1-9][0-9]{{3}}/[0-9]{{1,2}}/[0-9]{{1,2}} (?:[01]?[0-9]|2[0-3]):[0-5][0-9]'))"
    ),
    value=(
        f"case when lower({{c}}) in {_NULLS} then null"
        " when contains({c}, '/') then try_strptime({c}, '%Y/%m/%d %H:%M')"
        " else try_cast({c} as timestamp) end"
    ),
)
TRACKING_NO = SqlForm(
    guard=(
        "{c} = '' or (regexp_full_match({c}, '(?:No:)?[0-9A-Za-z]+')"
        f" and lower(regexp_replace({{c}}, '^No:', '')) not in {_NULL_WORDS})"
    ),
    value="case when {c} = '' then null else regexp_replace({c}, '^No:', '') end",
)
PHONE = SqlForm(
    guard=(
        "{c} = '' or regexp_full_match({c}, "
        "'''?(?:1[0-9]{{10}}(?:-[0-9]{{1,6}})?|0[0-9]{{2,3}}-[0-9]{{7,8}}(?:-[0-9]{{1,6}})?"
        "|[0-9]{{3}}\\*{{4}}[0-9]{{4}})')"
    ),
    value="case when {c} = '' or contains({c}, '*') then null else ltrim({c}, '''') end",
)
ACCOUNT = SqlForm(
    guard="regexp_full_match({c}, '[A-Za-z0-9._@+*-]*')",
    value=(
        "case when {c} = '' or contains({c}, '*') or lower({c}) in ('null', 'none', 'nan', '-')"
        " then null else lower({c}) end"
    ),
)
_REGION_RE2 = values.REGION_PATTERN_RE2.replace("{", "{{").replace("}", "}}")
REGION = SqlForm(
    guard=TEXT.guard,
    value=(
        "case when {c} in ('', 'null') then null else nullif(concat_ws(' ', "
        + ", ".join(f"nullif(regexp_extract({{c}}, '{_REGION_RE2}', {g}), '')" for g in (1, 2, 3))
        + "), '') end"
    ),
)
_TRUE = ("是", "手机订单", "true", "1", "Y", "y")
_FALSE = ("否", "false", "0", "N", "n", "PC订单", "电脑订单")
_quoted = ", ".join
BOOL_CN = SqlForm(
    guard="{c} in ('', " + _quoted(f"'{v}'" for v in _TRUE + _FALSE) + ")",
    value=(
        "case when {c} in (" + _quoted(f"'{v}'" for v in _TRUE) + ") then true"
        " when {c} in (" + _quoted(f"'{v}'" for v in _FALSE) + ") then false end"
    ),
)

FORMS: dict[object, SqlForm] = {
    values.parse_text: TEXT,
    values.parse_order_id: ORDER_ID,
    values.parse_optional_order_id: OPTIONAL_ORDER_ID,
    values.parse_money: MONEY,
    values.parse_int: COUNT,
    values.parse_timestamp: TIMESTAMP,
    values.parse_tracking_no: TRACKING_NO,
    values.parse_phone: PHONE,
    values.parse_account: ACCOUNT,
    values.parse_bool_cn: BOOL_CN,
    values.parse_region: REGION,
}


def phone_kind(phone: str) -> str:
    """values.phone_kind over the SQL of a parsed (not yet pseudonymised) phone."""
    return (
        f"case when {phone} is null then null"
        f" when regexp_full_match({phone}, '1[0-9]{{10}}-[0-9]{{1,6}}') then 'virtual'"
        f" when regexp_full_match({phone}, '1[0-9]{{10}}') then 'mobile' else 'landline' end"
    )
