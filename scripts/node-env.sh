# Sourced by the UI scripts: puts a Node.js >= 20.19 first on PATH. The system's node is
# used when it is new enough; otherwise the one `scripts/setup.sh` installed into .venv
# (the `ui` dependency group, from PyPI).
node_env_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$node_env_repo/scripts/node-version.sh"
if ! node_ok node; then
    if node_ok "$node_env_repo/.venv/bin/node"; then
        export PATH="$node_env_repo/.venv/bin:$PATH"
    else
        echo "Node.js >= 20.19 is needed for the web UI: run scripts/setup.sh, or install it" >&2
        exit 1
    fi
fi
