#!/usr/bin/env bash
# Checks the web UI: installs the locked node packages, makes sure Chromium is there, checks
# that src/api/schema.d.ts is what the backend's schema generates, then runs the type check,
# ESLint, the build, the unit tests and the end-to-end tests (which start the real backend,
# so the Python environment must exist: scripts/setup.sh --dev).
# Needs Node.js >= 20.19 with npm. CHROMIUM_PATH overrides /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "frontend: need root to run: $*" >&2; exit 1; fi
}

source "$repo/scripts/node-env.sh"
if [ ! -x "$repo/.venv/bin/python" ]; then
    echo "frontend: no .venv: run scripts/setup.sh --dev first (the e2e test starts the backend)" >&2
    exit 1
fi

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
missing=()
[ -x "$chromium" ] || missing+=(chromium)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
    echo "frontend: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cd frontend
echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "== generated API types (src/api/schema.d.ts) match the backend"
if ! npm run --silent gen:api -- --check; then
    echo "frontend: src/api/schema.d.ts is stale: run \`npm run gen:api\` in frontend/ and commit it" >&2
    exit 1
fi
echo "== typecheck, lint and format"
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check
echo "== build"
npm run --silent build
echo "== unit tests (vitest)"
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
npm test --silent -- --reporter=default --reporter=json --outputFile.json="$report" || status=$?
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
if (r.numTotalTests === 0) { console.error("vitest ran no test"); process.exit(1); }
' "$report" || status=1
[ $status = 0 ] || exit $status
echo "== end-to-end tests (playwright-core + chromium)"
CHROMIUM_PATH="$chromium" npm run --silent test:e2e
