#!/usr/bin/env bash
# Set up, write the demo shop's exports, and run the nightly job headless on the embedded DuckDB.
# Arguments go to python -m dagster_project.nightly (--rebuild: build even when nothing is new).
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$FUGOU_ROOT/scripts/setup.sh"
cd "$FUGOU_ROOT"

source "$FUGOU_ROOT/scripts/demo_env.sh"

python -m ingestion.settings  # a missing key or folder stops here, in one line
mkdir -p "$FUGOU_HOME/logs"
log="$FUGOU_HOME/logs/nightly-$(date +%Y%m%d-%H%M%S).log"
echo "== running the nightly job (one line per step; the full log: $log)"
# Dagster's debug events and dbt's progress go to the log; the terminal gets each step's end,
# the loader's progress and counts, "nothing new" when nothing is, and the run's outcome
set +e
python -m dagster_project.nightly "$@" > "$log" 2>&1 &
job=$!
tail -n +1 -f "$log" --pid "$job" \
  | grep --line-buffered -E 'STEP_SUCCESS|STEP_FAILURE|raw_tables - (loading:|nothing new|[0-9]+ files loaded)|activation__outbox - (outbox |[0-9]+ SMS)|RUN_SUCCESS|RUN_FAILURE|^nightly: ' \
  | sed -u -E 's/^[0-9-]+ ([0-9:]+) .* - (STEP_SUCCESS|STEP_FAILURE|RUN_SUCCESS|RUN_FAILURE) - /\1 /; s/^[0-9-]+ ([0-9:]+) .* - (raw_tables|activation__outbox) - /\1 /'
wait "$job"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "== the nightly job failed (exit $status); the full log is $log" >&2
  exit "$status"
fi
python -m dagster_project.summary
