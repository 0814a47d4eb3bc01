#!/usr/bin/env bash
# Installs what Trailarr needs on Debian/Ubuntu: ffmpeg, uv, a Python 3.13 environment with
# the locked dependencies. Safe to run again: it only installs what is missing.
# Usage: scripts/setup.sh [--dev] [--no-ui]
#   --dev    also installs the test and lint tools
#   --no-ui  skips Node.js for building the web UI (the Docker image builds it elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
ui=1
for arg in "$@"; do
    case "$arg" in
        --dev) dev=1 ;;
        --no-ui) ui=0 ;;
        *) echo "setup: unknown option $arg" >&2; exit 2 ;;
    esac
done

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "setup: need root to run: $*" >&2; exit 1; fi
}

apt_updated=0
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "setup: please install ${missing[*]} with your package manager" >&2; exit 1
    fi
    if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
    echo "setup: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || apt_install ffmpeg

# A Python 3.13 interpreter: UV_PYTHON, python3.13 or python3 on PATH, or one installed by
# pyenv. Each candidate is run once, because a pyenv shim can exist without working.
is_py313() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; }
find_python() {
    if [ -n "${UV_PYTHON:-}" ]; then echo "$UV_PYTHON"; return; fi
    local candidates=() p
    for p in python3.13 python3; do
        command -v "$p" >/dev/null && candidates+=("$(command -v "$p")")
    done
    if command -v pyenv >/dev/null; then
        for p in $(ls -d "$(pyenv root)"/versions/3.13*/bin/python3.13 2>/dev/null | sort -rV); do
            candidates+=("$p")
        done
    fi
    for p in "${candidates[@]}"; do
        if is_py313 "$p"; then echo "$p"; return; fi
    done
}

if ! command -v uv >/dev/null; then
    export PATH="$HOME/.local/bin:$PATH"
    if ! command -v uv >/dev/null; then
        echo "setup: installing uv"
        python3 -m pip install --quiet --user uv 2>/dev/null \
            || python3 -m pip install --quiet --user --break-system-packages uv 2>/dev/null \
            || python3 -m pip install --quiet uv
    fi
fi
command -v uv >/dev/null || { echo "setup: uv is not on PATH (looked in ~/.local/bin too)" >&2; exit 1; }

py=$(find_python || true)
if [ -n "$py" ]; then
    export UV_PYTHON="$py"
else
    echo "setup: no Python 3.13 found; letting uv find or download one"
fi

# Node.js for the web UI: the system's when it is >= 20.19, else one from PyPI in .venv.
groups=()
. scripts/node-version.sh  # the working folder is the repository (see the top)
[ $ui = 0 ] || node_ok node || groups+=(--group ui)

if [ $dev = 1 ]; then
    uv sync --frozen "${groups[@]}"
else
    uv sync --frozen --no-dev "${groups[@]}"
fi
echo "setup: ready (Python $(.venv/bin/python -c 'import platform; print(platform.python_version())'))"
