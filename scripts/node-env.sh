# Sourced by the UI scripts: puts a Node.js >= 20.19 first on PATH. The system's node is
# used when it is new enough; otherwise the one `scripts/setup.sh` installed into .venv
# (the `ui` dependency group, from PyPI).
node_ok() {
    command -v "$1" >/dev/null 2>&1 && "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null
}
node_env_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! node_ok node; then
    if node_ok "$node_env_repo/.venv/bin/node"; then
        export PATH="$node_env_repo/.venv/bin:$PATH"
    else
        echo "Node.js >= 20.19 is needed for the web UI: run scripts/setup.sh, or install it" >&2
        exit 1
    fi
fi
