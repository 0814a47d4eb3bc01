# Sourced by setup.sh and node-env.sh: `node_ok NODE` succeeds when NODE runs and is a
# Node.js >= 20.19 (what the web UI's tools need).
node_ok() {
    command -v "$1" >/dev/null 2>&1 && "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null
}
