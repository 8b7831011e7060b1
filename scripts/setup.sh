#!/usr/bin/env bash
# Create .venv from the lock (once per lock change), install Fugou, prepare dbt's manifest.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FUGOU_ROOT"

# Debian's Chromium (the dashboard's browser test) and Noto CJK (Chinese in the dashboard's PNG
# preview). Without them the pipeline still runs: the preview falls back to English labels.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing+=(fonts-noto-cjk)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${missing[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
  else
    echo "setup: ${missing[*]} missing and cannot be installed here (needs root and apt-get);" \
      "the dashboard browser test will fail until they are installed" >&2
  fi
fi

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
