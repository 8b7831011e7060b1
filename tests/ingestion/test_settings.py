import datetime as dt

import pytest

from ingestion.settings import SettingsError, load_settings


def test_pii_key_is_required_and_never_printed(tmp_path):
    with pytest.raises(SettingsError, match="FUGOU_PII_KEY"):
        load_settings({})
    key_file = tmp_path / "pii.key"
    key_file.write_text("a-long-enough-secret-key-0123456789\n")
    settings = load_settings({"FUGOU_PII_KEY_FILE": str(key_file)})
    assert settings.pii_key == b"a-long-enough-secret-key-0123456789"
    assert "secret" not in repr(settings)


def test_as_of_defaults_to_today_in_beijing_and_rejects_junk():
    settings = load_settings({"FUGOU_PII_KEY": "k" * 32, "FUGOU_AS_OF": "2026-10-31"})
    assert settings.as_of == dt.date(2026, 10, 31)
    assert settings.published_warehouse.name == "warehouse_bi.duckdb"
    with pytest.raises(SettingsError, match="FUGOU_AS_OF"):
        load_settings({"FUGOU_PII_KEY": "k" * 32, "FUGOU_AS_OF": "31/10/2026"})


@pytest.mark.parametrize("source", ["env", "file"])
def test_a_short_key_is_refused_from_either_source(tmp_path, source):
    short = "x" * 31
    env = {"FUGOU_PII_KEY": short}
    if source == "file":
        (tmp_path / "pii.key").write_text(short)
        env = {"FUGOU_PII_KEY_FILE": str(tmp_path / "pii.key")}
    with pytest.raises(SettingsError, match="31 bytes; it must be at least 32") as caught:
        load_settings(env)
    assert short not in str(caught.value)
    assert load_settings({"FUGOU_PII_KEY": "x" * 32}).pii_key == b"x" * 32


def test_two_key_sources_must_agree(tmp_path):
    key_file = tmp_path / "pii.key"
    key_file.write_text("f" * 40 + "\n")
    agreeing = load_settings({"FUGOU_PII_KEY": "f" * 40, "FUGOU_PII_KEY_FILE": str(key_file)})
    assert agreeing.pii_key == b"f" * 40
    with pytest.raises(SettingsError, match="both set and hold different keys"):
        load_settings({"FUGOU_PII_KEY": "e" * 40, "FUGOU_PII_KEY_FILE": str(key_file)})


def test_the_check_command_says_what_is_wrong_in_one_line(tmp_path, monkeypatch, capsys):
    from ingestion import settings as settings_module

    monkeypatch.delenv("FUGOU_PII_KEY", raising=False)
    monkeypatch.delenv("FUGOU_PII_KEY_FILE", raising=False)
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    assert settings_module.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("settings: no PII key") and err.count("\n") == 1
    monkeypatch.setenv("FUGOU_PII_KEY", "k" * 40)
    assert settings_module.main([]) == 2
    err = capsys.readouterr().err
    assert "landing folder" in err and "does not exist" in err and err.count("\n") == 1
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "ExportOrderList201903051200.csv").write_text("x")
    assert settings_module.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("settings OK") and "(1 files)" in out and "k" * 40 not in out
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_duckdb_gets_a_quarter_of_the_machine_unless_told():
    """A 16 GB laptop is not held to a 4 GB machine's cap; a small machine keeps 1 GB."""
    from ingestion.machine import default_duckdb_memory_limit, duckdb_memory_limit

    gib = 1024**3
    assert default_duckdb_memory_limit(16 * gib) == "4GB"
    assert default_duckdb_memory_limit(24 * gib) == "6GB"
    assert default_duckdb_memory_limit(4 * gib) == "1GB"
    assert default_duckdb_memory_limit(2 * gib) == "1GB"
    assert duckdb_memory_limit({"FUGOU_DUCKDB_MEMORY_LIMIT": "3GB"}) == "3GB"
    assert duckdb_memory_limit({}) == default_duckdb_memory_limit()


def test_the_scripts_export_the_machines_cap():
    """scripts/env.sh runs ingestion/machine.py with the system Python, before any venv."""
    import os
    import subprocess

    from ingestion.machine import default_duckdb_memory_limit
    from ingestion.settings import PROJECT_ROOT

    def cap_after_env_sh(env: dict[str, str]) -> str:
        return subprocess.run(
            [
                "bash",
                "-c",
                f"source {PROJECT_ROOT}/scripts/env.sh && echo $FUGOU_DUCKDB_MEMORY_LIMIT",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    env = {k: v for k, v in os.environ.items() if k != "FUGOU_DUCKDB_MEMORY_LIMIT"}
    assert cap_after_env_sh(env) == default_duckdb_memory_limit()
    assert cap_after_env_sh({**env, "FUGOU_DUCKDB_MEMORY_LIMIT": "3GB"}) == "3GB"
