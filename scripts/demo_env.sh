# Sourced by demo.sh and ui.sh: the demo shop's settings, its exports written on first use.
DEMO="$FUGOU_HOME/demo"
export FUGOU_LANDING_DIR="${FUGOU_LANDING_DIR:-$DEMO/landing}"
export FUGOU_WAREHOUSE="${FUGOU_WAREHOUSE:-$FUGOU_HOME/warehouse.duckdb}"
export FUGOU_PII_KEY_FILE="${FUGOU_PII_KEY_FILE:-$FUGOU_HOME/pii.key}"
# the demo's contact vault key, apart from the PII key (the SMS file then carries numbers)
export FUGOU_VAULT_KEY_FILE="${FUGOU_VAULT_KEY_FILE:-$FUGOU_HOME/vault.key}"
if [ ! -f "$FUGOU_VAULT_KEY_FILE" ]; then
  mkdir -p "$(dirname "$FUGOU_VAULT_KEY_FILE")"
  (umask 077 && python -c 'import secrets; print(secrets.token_hex(32))' > "$FUGOU_VAULT_KEY_FILE")
fi
export FUGOU_AS_OF="${FUGOU_AS_OF:-2026-10-31}"  # the demo shop's last day, so runs repeat exactly
export FUGOU_GROUND_TRUTH="${FUGOU_GROUND_TRUTH:-$DEMO/ground_truth}"  # identity quality is measured
export FUGOU_SETTLE_SECONDS="${FUGOU_SETTLE_SECONDS:-0}"  # the generator's files are written whole
fugou_dagster_home

if [ ! -d "$FUGOU_LANDING_DIR" ] || [ -z "$(ls -A "$FUGOU_LANDING_DIR")" ]; then
  echo "== writing the demo shop's exports to $FUGOU_LANDING_DIR"
  python -m ingestion.demo --landing "$FUGOU_LANDING_DIR" --truth "$DEMO/ground_truth" \
    --key-file "$FUGOU_PII_KEY_FILE"
fi
