"""A BI tool holding the warehouse file makes a run fail with a sentence that says what to do,
not DuckDB's raw lock error."""

import subprocess
import sys

import duckdb
import pytest

from dagster_project.defs.shared.warehouse import Warehouse, WarehouseInUseError
from ingestion import compact, erase
from tests.conftest import PII_KEY


def test_a_reader_holding_the_file_is_named_and_the_published_copy_pointed_to(
    tmp_path, monkeypatch, capsys
):
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
        monkeypatch.setenv("FUGOU_PUBLISHED_WAREHOUSE", str(tmp_path / "bi.duckdb"))
        monkeypatch.setenv("FUGOU_PII_KEY", PII_KEY.decode())
        monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path))
        with pytest.raises(WarehouseInUseError) as caught, Warehouse().connect():
            pass
        message = str(caught.value)
        assert f"process {holder.pid}" in message
        assert "must open the published copy at" in message and "bi.duckdb" in message
        # the operator commands say the same, in one line
        for command, argv in ((compact.main, []), (erase.main, ["--nick", "x", "--dry-run"])):
            assert command(argv) == 2
            said = capsys.readouterr().err
            assert said.count("\n") == 1 and f"process {holder.pid}" in said, said
            assert "must open the published copy at" in said
    finally:
        holder.kill()
        holder.wait()


def test_a_missing_landing_folder_fails_the_load_in_one_sentence_and_makes_no_file(
    tmp_path, monkeypatch
):
    import dagster as dg

    from dagster_project.defs.ingestion.assets import raw_tables

    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", PII_KEY.decode())
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path / "no_such_folder"))
    result = dg.materialize(
        [raw_tables],
        resources={"warehouse": Warehouse()},
        raise_on_error=False,
        partition_key="2026-10-31",
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "the landing folder" in failure.step_failure_data.error.message
    assert not warehouse.exists()
