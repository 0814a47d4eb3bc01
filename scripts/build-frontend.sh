#!/usr/bin/env bash
# Builds the web UI into frontend/dist, which the backend serves at /.
# Needs Node.js >= 20.19 with npm; installs the locked packages with npm ci.
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$(dirname "$0")/../frontend"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
echo "build-frontend: built $(pwd)/dist"
