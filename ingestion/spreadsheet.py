"""Text safe to open in a spreadsheet: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return is run as a formula by Excel, WPS and LibreOffice (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`).

Product titles, buyer messages and nicks come from strangers, so every CSV or workbook Fugou
writes for a person goes through `neutralised`: such text gets a leading apostrophe, the
OWASP-recommended escape that spreadsheets show as plain text. The warehouse and the BI copy
keep the true text (a BI tool does not evaluate it); `unsafe_text_counts` is the data-quality
count of how much of it there is.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ingestion.warehouse import Db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: object) -> object:
    return "'" + value if is_formula_like(value) else value


def neutralised(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The frame with its formula-like text escaped, and how many cells per column were."""
    safe = frame.copy()
    counts: dict[str, int] = {}
    for column in safe.columns:
        if safe[column].dtype != object and not pd.api.types.is_string_dtype(safe[column]):
            continue
        unsafe = safe[column].map(is_formula_like)
        if unsafe.any():
            counts[str(column)] = int(unsafe.sum())
            safe[column] = safe[column].map(neutralise)
    return safe, counts


def write_spreadsheet(frame: pd.DataFrame, path: Path) -> dict[str, int]:
    """Write `frame` as `.csv` (UTF-8 with BOM, so Excel reads the Chinese) or `.xlsx`, neutralised;
    returns the counts of escaped cells per column."""
    safe, counts = neutralised(frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        safe.to_excel(path, index=False, engine="openpyxl")
    elif path.suffix.lower() == ".csv":
        # CRLF rows (as Excel writes): a CR inside a cell is then quoted, not a row break
        safe.to_csv(
            path,
            index=False,
            encoding="utf-8-sig",
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\r\n",
        )
    else:
        raise ValueError(f"{path.name}: write .csv or .xlsx")
    return counts


def unsafe_text_counts(con, schema: str) -> dict[str, int]:
    """`table.column` -> how many values of that text column a spreadsheet would run; `con` is
    a DuckDB connection or a psycopg2 one (the PostgreSQL target's `published` schema)."""
    rows = Db(con).rows
    columns = rows(
        "select table_name, column_name from information_schema.columns where table_schema = ? "
        "and data_type in ('VARCHAR', 'text', 'character varying') order by 1, 2",
        [schema],
    )
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)
    counts = {}
    for table, column in columns:
        ((n,),) = rows(
            f'select count(*) from "{schema}"."{table}" where left("{column}", 1) in ({starts})'
        )
        if n:
            counts[f"{table}.{column}"] = n
    return counts
