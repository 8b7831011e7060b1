"""`python -m ingestion.loader`: help, a one-line refusal for a missing folder (and no empty
warehouse file left behind), and a line per file it loaded."""

import pytest

from ingestion import loader
from ingestion.demo.exports import ORDERS_2018
from tests.conftest import PII_KEY, query, write_export
from tests.ingestion.test_taobao_exports import ORDER_ROW


@pytest.fixture
def env(tmp_path, monkeypatch, warehouse):
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", PII_KEY.decode())
    monkeypatch.delenv("FUGOU_PII_KEY_FILE", raising=False)
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("FUGOU_SETTLE_SECONDS", "0")
    return tmp_path


def test_help(capsys):
    with pytest.raises(SystemExit) as done:
        loader.main(["--help"])
    assert done.value.code == 0 and "python -m ingestion.loader" in capsys.readouterr().out


def test_a_missing_landing_folder_is_one_line_and_leaves_no_file(env, warehouse, capsys):
    assert loader.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("loader: the landing folder") and err.count("\n") == 1
    assert not warehouse.exists()


def test_it_loads_and_says_what_became_of_each_file(env, warehouse, capsys):
    write_export(env / "landing" / "ExportOrderList201903051200.csv", ORDERS_2018, [ORDER_ROW])
    assert loader.main([]) == 0
    out = capsys.readouterr().out
    # not a terminal here: a progress line per file instead of a bar
    assert "[1/1] ExportOrderList201903051200.csv: loaded, 1 rows (100% of the bytes)" in out
    assert "1 files loaded, 0 skipped" in out
    assert query(warehouse, "select count(*) from raw.taobao_orders") == [(1,)]
    assert loader.main([]) == 0
    assert "0 files loaded, 1 skipped" in capsys.readouterr().out


def test_progress_is_told_after_each_file_in_order(env, warehouse):
    import duckdb

    rows = [
        ORDER_ROW,
        {**ORDER_ROW, "订单编号": "3500000000000002", "主订单编号": "3500000000000002"},
    ]
    write_export(env / "landing" / "ExportOrderList201903051200.csv", ORDERS_2018, rows[:1])
    write_export(env / "landing" / "ExportOrderList201903061200.csv", ORDERS_2018, rows)
    heard = []
    with duckdb.connect(str(warehouse)) as con:
        loader.load_landing(
            con,
            env / "landing",
            PII_KEY,
            progress=lambda p: heard.append(
                (p.files_done, p.files_total, p.rows_loaded, p.bytes_done, p.bytes_total)
            ),
        )
    assert [h[:3] for h in heard] == [(1, 2, 1), (2, 2, 3)]
    assert heard[0][3] < heard[1][3] == heard[1][4]
