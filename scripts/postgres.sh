#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on 127.0.0.1 and a free port, in a folder of
# its own (nothing of the machine's own clusters is touched). Installs Debian's postgresql
# package when its programs are missing.
#   eval "$(scripts/postgres.sh start)"   starts it; sets TEST_POSTGRES_URL and TRAILARR_PG_DIR
#   scripts/postgres.sh stop "$TRAILARR_PG_DIR"   stops it and removes its folder
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

as_server_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    local bin
    if ! bin=$(pg_bin); then
        if [ "$(id -u)" = 0 ]; then as_root=""; else as_root="sudo"; fi
        echo "postgres: installing Debian's postgresql package" >&2
        $as_root apt-get update -qq >&2
        $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        bin=$(pg_bin)
    fi
    local dir port password
    dir=$(mktemp -d "${TMPDIR:-/tmp}/trailarr-pg-XXXXXX")
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    printf '%s\n' "$password" > "$dir/password"
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; fi
    chmod 700 "$dir"
    as_server_user "$bin/initdb" -D "$dir/data" -U trailarr --pwfile="$dir/password" \
        --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    echo "export TEST_POSTGRES_URL='postgresql+psycopg://trailarr:${password}@127.0.0.1:${port}/postgres'"
    echo "export TRAILARR_PG_DIR='$dir'"
}

stop() {
    local dir=$1 bin
    bin=$(pg_bin) || return 0
    [ -d "$dir/data" ] && as_server_user "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:?the folder that start printed}" ;;
    *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
