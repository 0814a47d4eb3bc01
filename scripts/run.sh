#!/usr/bin/env bash
# Sets up Trailarr (first time only), builds the web UI when its sources changed, and starts
# it on http://localhost:${APP_PORT:-7889}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ ! -f frontend/dist/index.html ] \
    || [ -n "$(find frontend/src frontend/index.html frontend/package-lock.json -newer frontend/dist/index.html -print -quit)" ]; then
    scripts/build-frontend.sh
fi
exec .venv/bin/trailarr
