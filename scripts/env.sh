# Sourced by the other scripts: where things live, and every telemetry switch off.
FUGOU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FUGOU_ROOT
export FUGOU_HOME="${FUGOU_HOME:-$FUGOU_ROOT/.fugou}"
# Each warehouse has its own Dagster home (runs, asset history), next to it:
# <warehouse>.dagster/. Call after FUGOU_WAREHOUSE is set; a DAGSTER_HOME of your own wins.
fugou_dagster_home() {
  if [ -z "${FUGOU_OWN_DAGSTER_HOME:-}" ] && [ -n "${DAGSTER_HOME:-}" ]; then
    FUGOU_OWN_DAGSTER_HOME="$DAGSTER_HOME"
  fi
  local warehouse="${FUGOU_WAREHOUSE:-$FUGOU_HOME/warehouse.duckdb}"
  export DAGSTER_HOME="${FUGOU_OWN_DAGSTER_HOME:-${warehouse%.duckdb}.dagster}"
  mkdir -p "$DAGSTER_HOME"
  # telemetry off, run queue and pools: Dagster reads them only from $DAGSTER_HOME
  cp "$FUGOU_ROOT/dagster_project/dagster.yaml" "$DAGSTER_HOME/dagster.yaml"
}
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export DO_NOT_TRACK=1
export GX_ANALYTICS_ENABLED=false
export PYTHONDONTWRITEBYTECODE=1
# DuckDB's cap for dbt and the loader's joins: a quarter of this machine's memory unless set
# (ingestion/machine.py; standard library only, so the system Python can say it before setup)
FUGOU_DUCKDB_MEMORY_LIMIT="${FUGOU_DUCKDB_MEMORY_LIMIT:-$(python3 "$FUGOU_ROOT/ingestion/machine.py" 2>/dev/null || echo 2GB)}"
export FUGOU_DUCKDB_MEMORY_LIMIT
VENV="$FUGOU_ROOT/.venv"
export PATH="$VENV/bin:$PATH"
