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
# The PostgreSQL tests run on a throwaway server (scripts/postgres.sh), unless
# TEST_POSTGRES_URL names one already.
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
    eval "$(bash scripts/postgres.sh start)"
    trap 'bash scripts/postgres.sh stop "$TRAILARR_PG_DIR"' EXIT
fi
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
