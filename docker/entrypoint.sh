#!/bin/sh
# The image's entrypoint: runs its arguments (the image's CMD, `trailarr`) as the user that
# the settings below name, in the manner of linuxserver.io's Radarr and Sonarr images.
#
#   PUID, PGID  user and group id that Trailarr runs as (default 1000, 1000): every file it
#               writes, in /config and in the media folders, belongs to them. Use the ids
#               that Radarr and Sonarr run as.
#   UMASK       mask for new files and folders (default 022: 644 and 755; 002 for a group
#               that shares the media folders: 664 and 775)
#   TZ          time zone of the logs and the schedules, e.g. Europe/Paris (default UTC)
#
# Started as root (the image's default), it gives the account `trailarr` (TRAILARR_ACCOUNT)
# those ids, makes APP_DATA_DIR (/config) and what it holds theirs, without leaving that file
# system (the media folders are never touched), then drops root with setpriv and runs the
# command. Without such an account the bare ids are used. Started as another user (docker
# run --user, Kubernetes' runAsUser), it runs the command as that user, with UMASK and TZ.
# A bad value stops it with a message and exit code 2, before anything is changed.
set -eu

fail() {
    printf 'entrypoint: %s\n' "$*" >&2
    exit 2
}
warn() { printf 'entrypoint: warning: %s\n' "$*" >&2; }
say() { printf 'entrypoint: %s\n' "$*"; }

# A user or group id: a whole number from 0 to 4294967294, without leading zeros.
valid_id() {
    case $1 in
        '' | *[!0-9]* | 0?*) return 1 ;;
    esac
    [ ${#1} -le 10 ] && [ "$1" -le 4294967294 ]
}

# A file mask: one to four octal digits.
valid_umask() {
    case $1 in
        '' | *[!0-7]*) return 1 ;;
    esac
    [ ${#1} -le 4 ]
}

# A time zone glibc and Python can read: a name of the tz database (a file under TZDIR,
# /usr/share/zoneinfo), an absolute path to such a file, or a POSIX rule such as UTC0 or
# EST5EDT,M3.2.0,M11.1.0.
valid_tz() {
    zone=${1#:}
    case $zone in
        '' | *..*) return 1 ;;
        /*) [ -f "$zone" ]; return ;;
    esac
    [ -f "${TZDIR:-/usr/share/zoneinfo}/$zone" ] && return 0
    case $zone in
        */*) return 1 ;;
        [A-Za-z][A-Za-z][A-Za-z]*[0-9]*) return 0 ;;
    esac
    return 1
}

# Empty counts as unset (compose's `- PUID=`).
puid=${PUID:-1000}
pgid=${PGID:-1000}
mask=${UMASK:-022}
valid_id "$puid" || fail "PUID must be a user id, a whole number from 0 to 4294967294 (such as 1000, the id Radarr and Sonarr run as), not '$puid'"
valid_id "$pgid" || fail "PGID must be a group id, a whole number from 0 to 4294967294 (such as 1000), not '$pgid'"
valid_umask "$mask" || fail "UMASK must be an octal mask of up to four digits 0-7 (such as 022 or 002), not '$mask'"
if [ -n "${TZ:-}" ]; then
    valid_tz "$TZ" || fail "TZ='$TZ' is not a time zone: no ${TZDIR:-/usr/share/zoneinfo}/${TZ#:}; use a name of the tz database such as Europe/Paris, America/New_York or UTC"
    export TZ
fi
[ $# -gt 0 ] || set -- trailarr

config=${APP_DATA_DIR:-/config}
umask "$mask"

if [ "$(id -u)" != 0 ]; then
    # Not root: the user was chosen by whoever started the container; PUID/PGID cannot apply.
    uid=$(id -u)
    gid=$(id -g)
    if [ "${PUID:-$uid}" != "$uid" ] || [ "${PGID:-$gid}" != "$gid" ]; then
        warn "started as $uid:$gid (docker run --user or runAsUser), so PUID/PGID ($puid:$pgid) are ignored"
    fi
    if [ -z "${HOME:-}" ] || [ "$HOME" = / ] || ! [ -w "$HOME" ]; then
        export HOME="$config"
    fi
    say "running as $uid:$gid, umask $mask, TZ ${TZ:-UTC}"
    exec "$@"
fi

account=${TRAILARR_ACCOUNT:-trailarr}
if [ "$puid" = 0 ]; then
    warn "PUID=0: Trailarr runs as root, and the trailers it writes in the media folders belong to root"
elif getent passwd "$account" >/dev/null 2>&1; then
    # The image's account takes the ids, so that ps, ls and the app see a name. setpriv
    # below works with the ids alone, so a failure here is only a warning.
    group=$(id -gn "$account")
    if [ "$(id -g "$account")" != "$pgid" ]; then
        groupmod -o -g "$pgid" "$group" || warn "could not give the group $group the id $pgid"
    fi
    if [ "$(id -u "$account")" != "$puid" ]; then
        usermod -o -u "$puid" "$account" || warn "could not give the user $account the id $puid"
    fi
fi

# APP_DATA_DIR and everything in it belong to PUID:PGID (a restore or an earlier PUID may
# have left other owners). -xdev: a file system mounted inside it is left alone; -h: a
# symbolic link is changed, not what it points to.
mkdir -p "$config"
find "$config" -xdev \( ! -user "$puid" -o ! -group "$pgid" \) -exec chown -h "$puid:$pgid" {} + \
    || warn "could not give $config to $puid:$pgid; Trailarr stops if it cannot write there"

export HOME="$config"
say "running as $puid:$pgid, umask $mask, TZ ${TZ:-UTC}"
exec setpriv --reuid="$puid" --regid="$pgid" --clear-groups --inh-caps=-all --no-new-privs -- "$@"
