"""The night's input fingerprint: the same inputs give the same one, and each kind of input
(a loaded file, an erasure, the day, the code, where the marts are built) changes it; a
publication counts only when its own run loaded and built, and only while its copy exists."""

import dataclasses
import datetime as dt
import shutil

import dagster as dg
import duckdb
import pytest

from dagster_project.defs.shared import build_inputs
from ingestion.demo.exports import ORDERS_2018
from ingestion.loader import load_landing
from ingestion.settings import PROJECT_ROOT, Settings
from tests.conftest import PII_KEY, write_export
from tests.ingestion.test_taobao_exports import ORDER_ROW

DAY = dt.date(2026, 10, 31)


@pytest.fixture
def loaded(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_export(landing / "ExportOrderList201903051200.csv", ORDERS_2018, [ORDER_ROW])
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, landing, PII_KEY)
    settings = Settings(
        landing_dir=landing,
        warehouse=warehouse,
        as_of=DAY,
        dbt_target="duckdb",
        published_warehouse=tmp_path / "bi.duckdb",
        pii_key=PII_KEY,
    )
    return settings


def _fingerprint(settings: Settings, day: dt.date = DAY, code: str = "code") -> str:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return build_inputs.build_fingerprint(con, settings, day, code=code)


def test_same_inputs_same_fingerprint_and_each_input_changes_it(loaded):
    before = _fingerprint(loaded)
    assert _fingerprint(loaded) == before
    assert _fingerprint(loaded, day=DAY + dt.timedelta(days=1)) != before
    assert _fingerprint(loaded, code="other code") != before
    assert _fingerprint(dataclasses.replace(loaded, dbt_target="postgres")) != before
    # the server's password is no input (and never in the hashed text)
    with_password = dataclasses.replace(loaded, postgres_dsn=loaded.postgres_dsn + " password=x")
    assert _fingerprint(with_password) == before

    # a file loaded between runs (by `python -m ingestion.loader`, say) is new
    second = {**ORDER_ROW, "订单编号": "3500000000000002", "主订单编号": "3500000000000002"}
    write_export(
        loaded.landing_dir / "ExportOrderList201903061200.csv", ORDERS_2018, [ORDER_ROW, second]
    )
    with duckdb.connect(str(loaded.warehouse)) as con:
        load_landing(con, loaded.landing_dir, PII_KEY)
    after_load = _fingerprint(loaded)
    assert after_load != before

    # so is an erasure (its log is made by the first one)
    with duckdb.connect(str(loaded.warehouse)) as con:
        con.execute("create table raw.erasure_log (erasure_id varchar)")
        con.execute("insert into raw.erasure_log values ('e1')")
    assert _fingerprint(loaded) != after_load


def test_the_code_digest_follows_sources_not_generated_files(tmp_path):
    root = tmp_path / "project"
    for folder in build_inputs.CODE_FOLDERS:
        (root / folder).mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "profiles.yml", root / "profiles.yml")
    model = root / "dbt_project" / "models" / "m.sql"
    model.parent.mkdir()
    model.write_text("select 1")
    before = build_inputs.code_digest(root)
    (root / "dbt_project" / "target").mkdir()
    (root / "dbt_project" / "target" / "manifest.json").write_text("{}")
    (root / "ingestion" / "__pycache__").mkdir()
    (root / "ingestion" / "__pycache__" / "x.py").write_text("")
    assert build_inputs.code_digest(root) == before
    model.write_text("select 2")
    assert build_inputs.code_digest(root) != before


def _report(instance, key: dg.AssetKey, fingerprint: str | None = None) -> None:
    metadata = {build_inputs.FINGERPRINT_METADATA: fingerprint} if fingerprint else {}
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, metadata=metadata))


def test_a_publication_is_unchanged_only_with_the_same_inputs_and_its_copy(loaded):
    instance = dg.DagsterInstance.ephemeral()
    assert build_inputs.unchanged_since(instance, "f1", loaded) is None  # never published
    _report(instance, build_inputs.PUBLISHED_KEY, "f1")
    assert build_inputs.unchanged_since(instance, "f1", loaded) is None  # its copy is gone
    loaded.published_warehouse.write_bytes(b"")
    assert build_inputs.unchanged_since(instance, "f1", loaded) is not None
    assert build_inputs.unchanged_since(instance, "f2", loaded) is None
    _report(instance, build_inputs.PUBLISHED_KEY)  # a publication that recorded no inputs
    assert build_inputs.unchanged_since(instance, "f1", loaded) is None


def test_only_a_run_that_loaded_built_and_predicted_passes_its_inputs_on():
    instance = dg.DagsterInstance.ephemeral()
    ledger, customers, predictions = build_inputs.BUILT_TOGETHER
    _report(instance, ledger, "f1")
    _report(instance, customers)
    run_id = instance.get_latest_materialization_event(ledger).run_id
    assert build_inputs.built_in_run(instance, run_id) is None  # no predictions in that run
    _report(instance, predictions)
    assert build_inputs.built_in_run(instance, run_id) == "f1"
    assert build_inputs.built_in_run(instance, "another-run") is None
