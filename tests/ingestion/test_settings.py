import datetime as dt

import pytest

from ingestion.settings import SettingsError, load_settings


def test_pii_key_is_required_and_never_printed(tmp_path):
    with pytest.raises(SettingsError, match="FUGOU_PII_KEY"):
        load_settings({})
    key_file = tmp_path / "pii.key"
    key_file.write_text("a-long-enough-secret-key")
    settings = load_settings({"FUGOU_PII_KEY_FILE": str(key_file)})
    assert settings.pii_key == b"a-long-enough-secret-key"
    assert "secret" not in repr(settings)


def test_as_of_defaults_to_today_in_beijing_and_rejects_junk():
    settings = load_settings({"FUGOU_PII_KEY": "k" * 20, "FUGOU_AS_OF": "2026-10-31"})
    assert settings.as_of == dt.date(2026, 10, 31)
    assert settings.published_warehouse.name == "warehouse_bi.duckdb"
    with pytest.raises(SettingsError, match="FUGOU_AS_OF"):
        load_settings({"FUGOU_PII_KEY": "k" * 20, "FUGOU_AS_OF": "31/10/2026"})
