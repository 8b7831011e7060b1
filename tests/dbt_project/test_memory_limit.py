"""A model whose string aggregates live outside DuckDB's pool runs with a fraction of the
profile's memory_limit (macros/memory_limit.sql); the fraction is taken of whatever cap the
profile has, in DuckDB's own units."""

import pytest

from tests.conftest import run_dbt

HOOKS = "{{ shrink_memory_limit(0.5) }}; {{ restore_memory_limit() }}"


def _render(tmp_path, memory_limit: str) -> str:
    return run_dbt(
        ["compile", "--quiet", "--inline", HOOKS],
        tmp_path / "w.duckdb",
        "2026-10-31",
        tmp_path,
        extra_env={"FUGOU_DUCKDB_MEMORY_LIMIT": memory_limit},
    ).strip()


def test_half_the_profiles_cap_then_the_cap_itself(tmp_path):
    # 1.5 GiB = 1,610,612,736 bytes; half of it in (1000-based) MB, rounded down
    assert _render(tmp_path, "1.5 GiB") == (
        "set memory_limit = '805MB'; set memory_limit = '1.5 GiB'"
    )


def test_a_cap_duckdb_cannot_read_stops_the_build_with_the_value_named(tmp_path):
    with pytest.raises(AssertionError, match="memory_limit '80%' is not a size"):
        _render(tmp_path, "80%")
