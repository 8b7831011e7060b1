"""A file still being copied is left for a later run, whatever started the run; once it has
held still it loads, once. Before, the scheduled run loaded a half-copied export and the next
run loaded it again when complete."""

import duckdb

from ingestion.loader import load_landing
from ingestion.settings import load_settings
from tests.conftest import PII_KEY, query
from tests.fixtures.real_exports import gen_a_2017_order, write_gen_a_2017


def test_a_file_changed_moments_ago_waits_and_loads_once_settled(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    rows = [gen_a_2017_order(n) for n in range(1, 4)]
    copying = write_gen_a_2017(landing / "ExportOrderList201705311300.csv", rows[:1])
    with duckdb.connect(str(warehouse)) as con:
        (waiting,) = load_landing(con, landing, PII_KEY, settle_seconds=60).files
    assert waiting.status == "waiting" and "still being written" in waiting.message
    assert query(warehouse, "select count(*) from raw.file_ledger") == [(0,)]
    # The copy completes and holds still (here: the run asks for no quiet time): it loads whole.
    write_gen_a_2017(copying, rows)
    with duckdb.connect(str(warehouse)) as con:
        (loaded,) = load_landing(con, landing, PII_KEY, settle_seconds=0).files
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 3)
    assert query(warehouse, "select count(*) from raw.taobao_orders") == [(3,)]


def test_runs_wait_thirty_seconds_unless_told():
    env = {"FUGOU_PII_KEY": "k" * 32}
    assert load_settings(env).settle_seconds == 30
    assert load_settings(env | {"FUGOU_SETTLE_SECONDS": "0"}).settle_seconds == 0
