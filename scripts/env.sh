# Sourced by the other scripts: where things live, and every telemetry switch off.
FUGOU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FUGOU_ROOT
export FUGOU_HOME="${FUGOU_HOME:-$FUGOU_ROOT/.fugou}"
export DAGSTER_HOME="${DAGSTER_HOME:-$FUGOU_HOME/dagster_home}"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export DO_NOT_TRACK=1
export GX_ANALYTICS_ENABLED=false
export PYTHONDONTWRITEBYTECODE=1
VENV="$FUGOU_ROOT/.venv"
export PATH="$VENV/bin:$PATH"
