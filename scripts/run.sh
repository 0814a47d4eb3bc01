#!/usr/bin/env bash
# Sets up Trailarr (first time only) and starts it on http://localhost:${APP_PORT:-7889}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/trailarr
