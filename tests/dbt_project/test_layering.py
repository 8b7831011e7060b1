"""The dbt layering rules, held offline from the manifest (dbt's project-evaluator package cannot
be installed here): staging reads only sources, marts never read sources, no model reads a layer
above its own, and no model asks the clock for the date."""

import json
import re

import pytest

from tests.conftest import DBT_DIR, run_dbt

LAYER_ORDER = {"staging": 0, "intermediate": 1, "marts": 2}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("layering")
    run_dbt(["parse"], tmp_path / "w.duckdb", "2026-10-31", tmp_path)
    return json.loads((tmp_path / "dbt_target" / "manifest.json").read_text())


def _models(manifest):
    return {
        uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }


# Sources that are marts themselves: the tables Python assets write into the marts schema (the
# model fits, the cross-sell lists, the keywords jieba found in feedback). Marts may read them;
# nothing else outside staging reads a source.
MART_SOURCES = ("source.fugou.predictions.", "source.fugou.cross_sell.", "source.fugou.feedback.")


def test_staging_reads_only_sources_and_marts_never_do(manifest):
    for uid, node in _models(manifest).items():
        layer = node["fqn"][1]
        parents = node["depends_on"]["nodes"]
        if layer == "staging":
            assert all(p.startswith("source.") for p in parents), uid
        elif layer == "marts":
            assert all(p.startswith(MART_SOURCES) for p in parents if p.startswith("source.")), uid
        else:
            assert not any(p.startswith("source.") for p in parents), uid


def test_no_model_reads_a_later_layer(manifest):
    models = _models(manifest)
    for uid, node in models.items():
        layer = LAYER_ORDER[node["fqn"][1]]
        for parent in node["depends_on"]["nodes"]:
            if parent in models:
                assert LAYER_ORDER[models[parent]["fqn"][1]] <= layer, (uid, parent)


def test_names_say_what_a_row_is(manifest):
    for uid, node in _models(manifest).items():
        layer, name = node["fqn"][1], node["name"]
        if layer == "staging":
            assert re.fullmatch(r"stg_[a-z0-9]+__[a-z0-9_]+", name), uid
        if layer == "intermediate":
            assert name.startswith("int_"), uid


def test_marts_have_enforced_contracts_and_documented_columns(manifest):
    for uid, node in _models(manifest).items():
        if node["fqn"][1] != "marts":
            continue
        assert node["config"]["contract"]["enforced"], uid
        assert node["description"], uid
        assert all(c.get("description") for c in node["columns"].values()), uid


def test_marts_are_documented_in_chinese_and_english(manifest):
    # `dbt docs` doubles as the data dictionary for shop operators and data engineers alike
    chinese, latin = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]{2}")
    for uid, node in _models(manifest).items():
        if node["fqn"][1] != "marts":
            continue
        texts = {"(model)": node["description"]} | {
            name: column.get("description", "") for name, column in node["columns"].items()
        }
        for name, text in texts.items():
            assert chinese.search(text) and latin.search(text), (uid, name)


def test_models_never_ask_the_clock():
    clock = re.compile(r"\b(now\(\)|current_date|current_timestamp|getdate\(\))", re.IGNORECASE)
    for path in (DBT_DIR / "models").rglob("*.sql"):
        assert not clock.search(path.read_text()), path


def test_unit_test_names_fit_a_postgres_identifier(manifest):
    # dbt names a unit test's temporary table after the test; PostgreSQL cuts identifiers at 63
    # bytes and dbt-postgres refuses longer ones, so a long name passes on DuckDB only
    for test in manifest.get("unit_tests", {}).values():
        assert len(test["name"].encode()) <= 63, test["name"]
