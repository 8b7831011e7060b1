"""The shell scripts' settings: each warehouse gets its own Dagster home (runs of a scratch
warehouse never show on the demo's asset pages), with telemetry off."""

import os
import subprocess

from ingestion.settings import PROJECT_ROOT


def _dagster_home(tmp_path, **env) -> str:
    script = f'source "{PROJECT_ROOT}/scripts/env.sh"; fugou_dagster_home; echo "$DAGSTER_HOME"'
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "FUGOU_"))}
    done = subprocess.run(
        ["bash", "-c", script], env=clean | env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_each_warehouse_has_its_own_dagster_home_with_telemetry_off(tmp_path):
    shop = _dagster_home(tmp_path, FUGOU_WAREHOUSE=str(tmp_path / "shop.duckdb"))
    scratch = _dagster_home(tmp_path, FUGOU_WAREHOUSE=str(tmp_path / "scratch" / "w.duckdb"))
    assert shop == str(tmp_path / "shop.dagster")
    assert scratch == str(tmp_path / "scratch" / "w.dagster")
    for home in (shop, scratch):
        settings = (tmp_path / home / "dagster.yaml").read_text()
        assert "telemetry:\n  enabled: false" in settings


def test_a_dagster_home_of_ones_own_wins(tmp_path):
    own = tmp_path / "my_home"
    home = _dagster_home(
        tmp_path, FUGOU_WAREHOUSE=str(tmp_path / "shop.duckdb"), DAGSTER_HOME=str(own)
    )
    assert home == str(own) and (own / "dagster.yaml").exists()


def test_the_duckdb_shell_the_readme_uses_is_installed(tmp_path):
    import sys
    from pathlib import Path

    import duckdb

    bi = tmp_path / "bi.duckdb"
    with duckdb.connect(str(bi)) as con:
        con.execute("create table t as select 42 as answer")
    shell = Path(sys.executable).with_name("duckdb")
    done = subprocess.run(
        [str(shell), "-readonly", "-csv", str(bi), "select answer from t"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["answer", "42"]
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert 'duckdb -readonly .fugou/warehouse_bi.duckdb "select' in readme
