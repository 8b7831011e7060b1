#!/usr/bin/env bash
# Set up, write the demo shop's exports, and run a month of nightly jobs headless on the embedded
# DuckDB: one night a week up to the demo's as-of day, the demo shop answering each night's
# outbox with a known uplift (ingestion/demo/campaign_responses.py), then the summary.
# Arguments go to python -m dagster_project.nightly (--rebuild: build even when nothing is new).
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$FUGOU_ROOT/scripts/setup.sh"
cd "$FUGOU_ROOT"

source "$FUGOU_ROOT/scripts/demo_env.sh"

python -m ingestion.settings  # a missing key or folder stops here, in one line
mkdir -p "$FUGOU_HOME/logs"
outbox="${FUGOU_OUTBOX_DIR:-${FUGOU_WAREHOUSE%.duckdb}_outbox}"
last="$FUGOU_AS_OF"
nights="${FUGOU_DEMO_NIGHTS:-5}"  # weekly nights ending on the as-of day

run_night() {
  local log="$FUGOU_HOME/logs/nightly-$1-$(date +%Y%m%d-%H%M%S).log"
  echo "== night of $1: the nightly job (one line per step; the full log: $log)"
  # Dagster's debug events and dbt's progress go to the log; the terminal gets each step's end,
  # the loader's progress and counts, "nothing new" when nothing is, and the run's outcome
  set +e
  FUGOU_AS_OF="$1" python -m dagster_project.nightly "${@:2}" > "$log" 2>&1 &
  local job=$!
  tail -n +1 -f "$log" --pid "$job" \
    | grep --line-buffered -E 'STEP_FAILURE|raw_tables - (nothing new|[0-9]+ files loaded)|activation__outbox - (outbox |[0-9]+ SMS)|RUN_SUCCESS|RUN_FAILURE|^nightly: ' \
    | sed -u -E 's/^[0-9-]+ ([0-9:]+) .* - (STEP_SUCCESS|STEP_FAILURE|RUN_SUCCESS|RUN_FAILURE) - /\1 /; s/^[0-9-]+ ([0-9:]+) .* - (raw_tables|activation__outbox) - /\1 /'
  wait "$job"
  local status=$?
  set -e
  if [ "$status" -ne 0 ]; then
    echo "== the nightly job of $1 failed (exit $status); the full log is $log" >&2
    exit "$status"
  fi
}

# nights this warehouse has already run and the shop has answered (a second demo run skips them)
done_nights="$(python - "$FUGOU_WAREHOUSE" <<'PY' 2>/dev/null || true
import sys, duckdb
with duckdb.connect(sys.argv[1], read_only=True) as con:
    print(" ".join(str(d) for (d,) in con.execute(
        "select distinct as_of_date from marts.contact_history").fetchall()))
PY
)"
for ((k = nights - 1; k >= 0; k--)); do
  night="$(date -d "$last - $((7 * k)) days" +%F)"
  if [ "$k" -gt 0 ] && [[ " $done_nights " == *" $night "* ]] \
    && [ -f "$DEMO/ground_truth/campaign_responses_$night.json" ]; then
    echo "== night of $night: already run and answered"
    continue
  fi
  run_night "$night" "$@"
  if [ "$k" -gt 0 ]; then
    # the shop answers tonight's actions; the orders come with next week's TOP pull
    python -m ingestion.demo.campaign_responses --outbox-night "$outbox/$night" \
      --landing "$FUGOU_LANDING_DIR" --truth "$DEMO/ground_truth" \
      --pulled-at "$(date -d "$night + 8 days" +%F)T00:00"
  fi
done
python -m dagster_project.summary
