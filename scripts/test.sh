#!/usr/bin/env bash
# Set up and run every test suite (slow end-to-end ones included).
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$FUGOU_ROOT/scripts/setup.sh"
cd "$FUGOU_ROOT"
echo "== ruff"
ruff check ingestion predictions recommendations activation feedback dashboard dagster_project expectations tests bench
echo "== pytest"
# the slowest suites, so where CI time goes is in every CI log
exec python -m pytest --durations=20 "$@"
