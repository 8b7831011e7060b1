"""Exports saved the ways shops save them: each loads, or is rejected with a message that says
exactly what it is and how to save it instead, and the rest of the landing folder loads.
Before, a CSV named .xlsx, a CR-only file, a UTF-16 file, a tab- or semicolon-separated
export and a GBK file behind a UTF-8 BOM were rejected as 'required column missing' or 'the
file has no header row', and mixed line endings merged good rows in pairs."""

import datetime as dt

import duckdb
import pytest

import ingestion.prepare as prepare
from ingestion.loader import load_landing
from tests.conftest import PII_KEY, query
from tests.fixtures.real_exports import GEN_A_2017_HEADER, gen_a_2017_order

LOADED_AT = dt.datetime(2026, 11, 1, 2, 0)
NAME = "ExportOrderList201705311200.csv"
VECTORISABLE = prepare._vectorisable


def _text(rows: int = 4, delimiter: str = ",") -> list[str]:
    def cell(value: str) -> str:
        return value if value.startswith("=") else '"' + value.replace('"', '""') + '"'

    header = GEN_A_2017_HEADER.replace('","', f'"{delimiter}"')
    body = [delimiter.join(cell(v) for v in gen_a_2017_order(n)) for n in range(1, rows + 1)]
    return [header, *body]


def _load(tmp_path, monkeypatch, files: dict[str, bytes], vectorise=True):
    monkeypatch.setattr(prepare, "_vectorisable", VECTORISABLE if vectorise else lambda p: False)
    landing = tmp_path / f"landing{vectorise}"
    landing.mkdir()
    for name, data in files.items():
        (landing / name).write_bytes(data)
    # A good export beside each odd one: the odd one never keeps it from loading.
    (landing / "ExportOrderList201706301200.csv").write_bytes(
        "\r\n".join(_text(2)).replace("3515313147329000", "3515313147329900").encode("gb18030")
    )
    warehouse = tmp_path / f"w{vectorise}.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, landing, PII_KEY, LOADED_AT, workers=1)
    results = {r.source_file: r for r in report.files}
    assert results["ExportOrderList201706301200.csv"].rows_loaded == 2
    return results, warehouse


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (("\ufeff" + "\r\n".join(_text(delimiter="\t"))).encode("utf-16-le"), "UTF-16 text"),
        ("\r\n".join(_text(delimiter="\t")).encode("utf-8"), "tab-separated"),
        ("\r\n".join(_text(delimiter=";")).encode("gb18030"), "semicolon-separated"),
    ],
    ids=["excel_unicode_text", "tab", "semicolon"],
)
def test_not_csv_is_rejected_saying_what_it_is(tmp_path, monkeypatch, data, said):
    results, warehouse = _load(tmp_path, monkeypatch, {NAME: data})
    assert results[NAME].status == "rejected"
    assert said in results[NAME].message and "save it" in results[NAME].message
    # Its records are still accounted for, in quarantine.
    assert results[NAME].rows_in_file == results[NAME].rows_quarantined > 0


@pytest.mark.parametrize("vectorise", [True, False], ids=["sql_path", "python_path"])
@pytest.mark.parametrize(
    ("name", "data"),
    [
        (NAME, b"\xef\xbb\xbf" + "\r\n".join(_text()).encode("gb18030")),  # a BOM that lies
        (NAME, "\r".join(_text()).encode("gb18030")),  # Excel for Mac's CSV: CR only
        (NAME, "\r\n".join(_text()[:3]).encode() + b"\r" + "\n".join(_text()[3:]).encode()),
        ("ExportOrderList201705311200.xlsx", "\r\n".join(_text()).encode("gb18030")),
        (NAME, "\r\n".join(_text()).replace("勤驿达", "勤驿\x00达").encode("utf-8")),
    ],
    ids=["gbk_behind_utf8_bom", "cr_only", "mixed_line_ends", "csv_named_xlsx", "nul_bytes"],
)
def test_odd_but_readable_text_loads_every_row(tmp_path, monkeypatch, name, data, vectorise):
    results, warehouse = _load(tmp_path, monkeypatch, {name: data}, vectorise)
    result = results[name]
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 4, 0)
    assert query(
        warehouse,
        "select distinct shop_name from raw.taobao_orders where _source_file = ?",
        [name],
    ) == [("勤驿达海外生活",)]
    assert query(
        warehouse,
        "select count(distinct order_id) from raw.taobao_orders where _source_file = ?",
        [name],
    ) == [(4,)]
