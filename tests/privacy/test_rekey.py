"""Re-keying a warehouse no night has built yet: the quarantine and the tombstones move to the
new key with the pseudonyms. (With the models, on the nightly demo: tests/dagster_project.)"""

import datetime as dt

import duckdb
import pytest

from ingestion import rekey as rekey_command
from ingestion.erase import run_erasure
from ingestion.erasure import ErasureRequest
from ingestion.loader import load_landing
from ingestion.prepare import pseudonymise
from ingestion.rekey import RekeyError, rekey
from tests.conftest import PII_KEY, query, query_quarantine
from tests.privacy.test_erasure import ALICE, ALICE_PHONE, BOB_PHONE, LOADED_AT, _orders

NEW_KEY = b"a-brand-new-key-0123456789abcdef-not-a-secret"
AS_OF = dt.date(2026, 10, 31)


@pytest.fixture
def loaded(tmp_path, warehouse):
    _orders(tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, tmp_path / "landing", PII_KEY, LOADED_AT)
    return warehouse


def test_pseudonyms_quarantine_and_tombstones_follow_the_new_key(loaded, tmp_path):
    landing = tmp_path / "landing"
    rekey(loaded, landing, PII_KEY, NEW_KEY, AS_OF, build_models=False)
    phones = {p for (p,) in query(loaded, "select receiver_mobile_hmac from raw.taobao_orders")}
    assert phones == {pseudonymise(NEW_KEY, ALICE_PHONE), pseudonymise(NEW_KEY, BOB_PHONE)}
    assert pseudonymise(PII_KEY, BOB_PHONE).encode() not in loaded.read_bytes()
    ((line,),) = query_quarantine(loaded, "select raw_text from raw.quarantine", key=NEW_KEY)
    assert ALICE_PHONE in line  # opens with the new key only
    # an erasure made after the re-key, and a re-import: the tombstone secret is the new key's
    run_erasure(loaded, NEW_KEY, ErasureRequest(nicks=[ALICE], requested_by="DPO"))
    again = tmp_path / "again"
    export = _orders(again, "ExportOrderList201903061200.csv")
    export.write_bytes(export.read_bytes() + b"\r\n")
    with duckdb.connect(str(loaded)) as con:
        (result,) = load_landing(con, again, NEW_KEY, LOADED_AT).files
    assert result.rows_erased == 2 and result.rows_loaded == 1


def test_tombstones_made_before_a_rekey_still_hold_after_it(loaded, tmp_path):
    run_erasure(loaded, PII_KEY, ErasureRequest(nicks=[ALICE], requested_by="DPO"))
    rekey(loaded, tmp_path / "landing", PII_KEY, NEW_KEY, AS_OF, build_models=False)
    again = tmp_path / "again"
    export = _orders(again, "ExportOrderList201903061200.csv")
    export.write_bytes(export.read_bytes() + b"\r\n")
    with duckdb.connect(str(loaded)) as con:
        (result,) = load_landing(con, again, NEW_KEY, LOADED_AT).files
    assert result.rows_erased == 2 and result.rows_loaded == 1


def test_a_missing_file_or_the_same_key_is_refused(loaded, tmp_path, monkeypatch, capsys):
    with pytest.raises(RekeyError, match="the key in use"):
        rekey(loaded, tmp_path / "landing", PII_KEY, PII_KEY, AS_OF, build_models=False)
    key_file = tmp_path / "new.key"
    key_file.write_bytes(NEW_KEY)
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(loaded))
    monkeypatch.setenv("FUGOU_PII_KEY", PII_KEY.decode())
    monkeypatch.delenv("FUGOU_PII_KEY_FILE", raising=False)
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path / "empty"))
    assert rekey_command.main(["--new-key-file", str(key_file)]) == 2
    err = capsys.readouterr().err
    assert "1 loaded files are no longer in" in err and "ExportOrderList201903051200.csv" in err
    key_file.write_bytes(b"short")
    assert rekey_command.main(["--new-key-file", str(key_file)]) == 2
    assert "at least 32" in capsys.readouterr().err
    phones = query(loaded, "select receiver_mobile_hmac from raw.taobao_orders order by 1")
    assert pseudonymise(PII_KEY, BOB_PHONE) in {p for (p,) in phones}  # nothing changed
