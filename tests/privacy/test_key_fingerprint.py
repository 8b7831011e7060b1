"""The warehouse remembers its key: another key stops the load before anything is written."""

import datetime as dt

import duckdb
import pytest

from ingestion.demo.exports import ORDERS_2018
from ingestion.key_fingerprint import KeyMismatchError, fingerprint
from ingestion.loader import load_landing
from tests.conftest import PII_KEY, query, write_export
from tests.ingestion.test_taobao_exports import ORDER_ROW

OTHER_KEY = b"another-key-0123456789abcdef-not-a-secret"


def _orders(landing, name, order_id):
    write_export(landing / name, ORDERS_2018, [dict(ORDER_ROW, 订单编号=f'="{order_id}"')])


def test_a_different_key_stops_the_load_and_writes_nothing(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _orders(landing, "ExportOrderList201903051200.csv", "3500000000000001")
    with duckdb.connect(str(warehouse)) as con:
        assert load_landing(con, landing, PII_KEY, dt.datetime(2026, 11, 1)).rows_loaded == 1
    assert query(warehouse, "select fingerprint from raw.pii_key_fingerprint") == [
        (fingerprint(PII_KEY),)
    ]
    _orders(landing, "ExportOrderList201903061200.csv", "3500000000000002")
    before = query(warehouse, "select count(*) from raw.file_ledger")
    with duckdb.connect(str(warehouse)) as con, pytest.raises(KeyMismatchError) as caught:
        load_landing(con, landing, OTHER_KEY, dt.datetime(2026, 11, 2))
    message = str(caught.value)
    assert fingerprint(PII_KEY) in message and fingerprint(OTHER_KEY) in message
    assert "ingestion.rekey" in message
    assert OTHER_KEY.decode() not in message and PII_KEY.decode() not in message
    assert query(warehouse, "select count(*) from raw.file_ledger") == before
    assert query(warehouse, "select count(*) from raw.taobao_orders") == [(1,)]
    # The right key carries on where the night left off.
    with duckdb.connect(str(warehouse)) as con:
        assert load_landing(con, landing, PII_KEY, dt.datetime(2026, 11, 2)).rows_loaded == 1


def test_the_fingerprint_does_not_reveal_the_key():
    assert fingerprint(PII_KEY) != fingerprint(OTHER_KEY)
    assert len(fingerprint(PII_KEY)) == 16
    assert PII_KEY.hex()[:16] != fingerprint(PII_KEY)
