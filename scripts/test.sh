#!/usr/bin/env bash
# Set up and run every test suite (slow end-to-end ones included).
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$FUGOU_ROOT/scripts/setup.sh"
cd "$FUGOU_ROOT"
echo "== ruff"
ruff check ingestion predictions recommendations activation feedback dashboard dagster_project expectations tests bench
echo "== pytest"
# On every core (at most 4: each worker runs dbt, DuckDB and its own throwaway PostgreSQL), a
# test file per worker at a time, so a file's shared warehouse is built once; the slowest
# suites are listed, so where CI time goes is in every CI log.
workers="${FUGOU_TEST_WORKERS:-$(python -c 'import os; print(min(4, os.cpu_count() or 1))')}"
exec python -m pytest -n "$workers" --dist loadfile --durations=25 "$@"
