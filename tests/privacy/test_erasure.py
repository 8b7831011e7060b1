"""Erasure on a warehouse no night has built yet, the tombstones the loader honours, and the
requests it refuses. (The whole-pipeline erasure, with identity resolution, the BI copy, the
next night and PostgreSQL, is tested on the nightly demo in tests/dagster_project.)"""

import datetime as dt

import duckdb
import pytest

from ingestion import erase
from ingestion.demo.exports import ORDERS_2018
from ingestion.erase import run_erasure
from ingestion.erasure import ErasureError, ErasureRequest
from ingestion.key_fingerprint import KeyMismatchError
from ingestion.loader import load_landing
from tests.conftest import PII_KEY, query, query_quarantine, write_export
from tests.ingestion.test_taobao_exports import ORDER_ROW

LOADED_AT = dt.datetime(2026, 11, 1)
ALICE, BOB = "alice_tb_2019", "bob_tb_2019"
ALICE_PHONE, BOB_PHONE = "13911112222", "13833334444"


def _orders(landing, name="ExportOrderList201903051200.csv"):
    rows = [
        dict(ORDER_ROW, 订单编号='="3500000000000001"', 买家会员名=ALICE, 联系手机=ALICE_PHONE),
        # unreadable paid amount: the whole line, Alice's phone in it, goes to quarantine
        dict(
            ORDER_ROW,
            订单编号='="3500000000000002"',
            买家会员名=ALICE,
            联系手机=ALICE_PHONE,
            买家实际支付金额="abc",
        ),
        dict(ORDER_ROW, 订单编号='="3500000000000003"', 买家会员名=BOB, 联系手机=BOB_PHONE),
    ]
    return write_export(landing / name, ORDERS_2018, rows)


@pytest.fixture
def loaded(tmp_path, warehouse):
    _orders(tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, tmp_path / "landing", PII_KEY, LOADED_AT)
    assert report.rows_loaded == 2 and report.rows_quarantined == 1
    return warehouse


def _cli(monkeypatch, warehouse, tmp_path, *args):
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", PII_KEY.decode())
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.delenv("FUGOU_PII_KEY_FILE", raising=False)
    monkeypatch.setenv("FUGOU_DBT_TARGET", "duckdb")
    return erase.main(list(args))


def test_before_any_night_the_named_person_leaves_raw_quarantine_and_the_file(
    loaded, tmp_path, monkeypatch, capsys
):
    assert ALICE.encode() in loaded.read_bytes()  # the scan can see her
    code = _cli(monkeypatch, loaded, tmp_path, "--nick", ALICE, "--requested-by", "ticket 7")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "raw.taobao_orders: 1" in out and "raw.quarantine: 1" in out
    assert "verified: none of their" in out
    assert "ExportOrderList201903051200.csv" in out  # where to redact the shop's own copy
    assert query(loaded, "select buyer_nick from raw.taobao_orders") == [(BOB,)]
    assert query_quarantine(loaded, "select count(*) from raw.quarantine") == [(0,)]
    data = loaded.read_bytes()
    assert ALICE.encode() not in data and BOB.encode() in data
    ((kinds, requested_by, rows),) = query(
        loaded, "select identifier_kinds, requested_by, rows_erased from raw.erasure_log"
    )
    assert (kinds, requested_by, rows) == ("taobao_nick", "ticket 7", 2)


def test_an_old_export_loaded_again_brings_nobody_back(loaded, tmp_path):
    run_erasure(loaded, PII_KEY, ErasureRequest(phones=[ALICE_PHONE], requested_by="DPO"))
    again = tmp_path / "again"
    export = _orders(again, "ExportOrderList201903061200.csv")  # the same rows, re-exported
    export.write_bytes(export.read_bytes() + b"\r\n")  # (other bytes: not skipped as a copy)
    with duckdb.connect(str(loaded)) as con:
        (result,) = load_landing(con, again, PII_KEY, LOADED_AT).files
    # her good row is dropped by its tombstones, and so is her bad line before quarantine
    assert (result.rows_loaded, result.rows_quarantined, result.rows_erased) == (1, 0, 2)
    assert query(loaded, "select buyer_nick from raw.taobao_orders order by 1") == [(BOB,), (BOB,)]
    ledger = query(
        loaded,
        "select rows_loaded, rows_quarantined, rows_erased from raw.file_ledger "
        "where source_file = 'ExportOrderList201903061200.csv'",
    )
    assert ledger == [(1, 0, 2)]
    assert query_quarantine(loaded, "select count(*) from raw.quarantine") == [(0,)]


def test_a_dry_run_changes_nothing(loaded):
    before = loaded.read_bytes()
    report = run_erasure(
        loaded, PII_KEY, ErasureRequest(nicks=[ALICE], requested_by="DPO"), dry_run=True
    )
    assert report.rows_by_table["raw.taobao_orders"] == 1
    assert query(loaded, "select count(*) from raw.taobao_orders") == [(2,)]
    assert query(loaded, "select count(*) from raw.erasure_log") == [(0,)]
    assert ALICE.encode() in loaded.read_bytes() and len(loaded.read_bytes()) >= len(before) // 2


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ErasureRequest(requested_by="DPO"), "name the person"),
        (ErasureRequest(nicks=[ALICE]), "who asked"),
        (ErasureRequest(phones=["139****2222"], requested_by="DPO"), "not a phone number"),
    ],
)
def test_a_request_it_cannot_carry_out_is_refused_and_changes_nothing(loaded, request_, message):
    with pytest.raises(ErasureError, match=message):
        run_erasure(loaded, PII_KEY, request_)
    assert query(loaded, "select count(*) from raw.taobao_orders") == [(2,)]


def test_another_key_is_refused_before_anything_is_read(loaded, tmp_path, monkeypatch, capsys):
    with pytest.raises(KeyMismatchError):
        run_erasure(
            loaded,
            b"another-key-0123456789abcdef-not-a-secret",
            ErasureRequest(nicks=[ALICE], requested_by="DPO"),
        )
    monkeypatch.setenv("FUGOU_PII_KEY", "another-key-0123456789abcdef-not-a-secret")
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(loaded))
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path / "landing"))
    assert erase.main(["--nick", ALICE, "--requested-by", "DPO"]) == 2
    assert "not the key this warehouse was built with" in capsys.readouterr().err
    assert query(loaded, "select count(*) from raw.taobao_orders") == [(2,)]


def test_nobody_found_says_so(loaded, tmp_path, monkeypatch, capsys):
    code = _cli(monkeypatch, loaded, tmp_path, "--nick", "nobody_here", "--requested-by", "DPO")
    assert code == 0
    assert "nobody found" in capsys.readouterr().out
    assert query(loaded, "select count(*) from raw.taobao_orders") == [(2,)]
