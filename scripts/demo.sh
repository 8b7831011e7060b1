#!/usr/bin/env bash
# Set up, write the demo shop's exports, and run the nightly job headless on the embedded DuckDB.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$FUGOU_ROOT/scripts/setup.sh"
cd "$FUGOU_ROOT"

source "$FUGOU_ROOT/scripts/demo_env.sh"

python -m ingestion.settings  # a missing key or folder stops here, in one line
echo "== running the nightly job"
dagster job execute -m dagster_project.definitions -j nightly
python -m dagster_project.summary
