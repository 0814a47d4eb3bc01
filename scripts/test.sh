#!/usr/bin/env bash
# Sets up Trailarr with its development tools, then runs lint, type checks and every test:
# the backend's (pytest), then the web UI's (type check, build, Vitest, end-to-end in
# headless Chromium against the real backend).
# Extra arguments go to pytest (e.g. scripts/test.sh -k downloads) and skip the UI checks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev

echo "== ruff"
.venv/bin/ruff check backend tests bench
.venv/bin/ruff format --check backend tests bench
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
status=0
# In parallel, one worker per CPU (pytest-xdist); a later -n in the arguments wins.
.venv/bin/pytest -n auto "$@" || status=$?
if [ $status = 5 ]; then
    echo "pytest collected no tests: the suite or the selection is broken" >&2
fi
[ $status = 0 ] || exit $status
if [ $# = 0 ]; then
    echo "== web UI"
    bash scripts/frontend.sh
fi
