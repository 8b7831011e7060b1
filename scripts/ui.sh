#!/usr/bin/env bash
# Set up and open the Dagster UI on the demo shop: http://127.0.0.1:3000 (PORT=… to change).
# The demo's exports are written on first use; materialise "nightly" from the UI (Jobs), or run
# ./scripts/demo.sh first to open it on a built warehouse. The nightly schedule (02:00
# Asia/Shanghai) and the landing-folder sensor are on: while the UI runs, a new file in the
# landing folder starts a run.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$FUGOU_ROOT/scripts/setup.sh"
cd "$FUGOU_ROOT"
source "$FUGOU_ROOT/scripts/demo_env.sh"
python -m ingestion.settings
echo "== Dagster UI on http://127.0.0.1:${PORT:-3000} (Ctrl-C stops it); runs are kept in $DAGSTER_HOME"
exec dagster dev -m dagster_project.definitions -h 127.0.0.1 -p "${PORT:-3000}"
