"""A BI tool holding the warehouse file makes a run fail with a sentence that says what to do,
not DuckDB's raw lock error."""

import subprocess
import sys

import duckdb
import pytest

from dagster_project.defs.shared.warehouse import Warehouse, WarehouseInUseError
from tests.conftest import PII_KEY


def test_a_reader_holding_the_file_is_named_and_the_published_copy_pointed_to(
    tmp_path, monkeypatch
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
    finally:
        holder.kill()
        holder.wait()
