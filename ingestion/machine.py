"""What this machine can give DuckDB, from the standard library alone: scripts/env.sh runs this
file with the system Python (before the project's environment exists) to set
FUGOU_DUCKDB_MEMORY_LIMIT, and the Python code that opens DuckDB itself asks the same function.

A quarter of the physical memory, in whole GB and at least 1 GB: dbt's process peaks about 2 GB
above DuckDB's cap at 1M customers (DECISIONLOG), so a quarter leaves room for it, the loader,
Dagster and the machine's other work; a 16 GB laptop gets 4 GB, not the 2 GB a 4 GB machine can
afford.
"""

from __future__ import annotations

import os

SHARE = 0.25
FLOOR_GB = 1


def physical_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: the caller's default
        return None


def default_duckdb_memory_limit(total_bytes: int | None = None) -> str:
    """DuckDB's memory cap for a machine with `total_bytes` of memory (this one when None)."""
    total = physical_memory_bytes() if total_bytes is None else total_bytes
    if not total:
        return "2GB"
    return f"{max(FLOOR_GB, int(total * SHARE // 1000**3))}GB"


def duckdb_memory_limit(env: dict[str, str] | None = None) -> str:
    """FUGOU_DUCKDB_MEMORY_LIMIT where set, else the machine's default."""
    env = os.environ if env is None else env
    return env.get("FUGOU_DUCKDB_MEMORY_LIMIT") or default_duckdb_memory_limit()


if __name__ == "__main__":
    print(default_duckdb_memory_limit())
