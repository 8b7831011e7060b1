#!/usr/bin/env bash
# Create .venv from the lock (once per lock change), install Fugou, prepare dbt's manifest.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FUGOU_ROOT"

PYTHON_BIN="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON_BIN" -m venv "$VENV"
fi
stamp="$VENV/.fugou-installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "== installing dependencies from requirements.lock"
  "$VENV/bin/pip" install --disable-pip-version-check -q -r requirements.lock
  rm -f "$VENV"/.fugou-installed-*
  touch "$stamp"
fi

# The project's packages (ingestion, dagster_project, expectations) import from the checkout.
site_packages="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$FUGOU_ROOT" > "$site_packages/fugou.pth"

# Dagster reads the manifest when it loads the code; parse again only when a dbt file changed
manifest=dbt_project/target/manifest.json
if [ ! -f "$manifest" ] || [ -n "$(find dbt_project profiles.yml -path dbt_project/target -prune \
    -o -path dbt_project/logs -prune -o -type f -newer "$manifest" -print -quit)" ]; then
  echo "== preparing the dbt manifest"
  (cd dbt_project && dbt parse --profiles-dir "$FUGOU_ROOT" --quiet)
fi
