"""docker/entrypoint.sh, run directly: the user, mask and time zone it gives Trailarr.

The suite runs as root, as a container starts. The entrypoint's command is replaced by a
shell that writes a file and a folder in APP_DATA_DIR and prints who it runs as: their owner
and mode are what Trailarr's would be. TRAILARR_ACCOUNT names no account, so setpriv takes
the ids bare and /etc/passwd is left alone, but for one test, which adds a throwaway account
and removes it. Ids other than the default 1000 are free ones (from 4321 up).
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.no_database,
    pytest.mark.slow,
    pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
        reason="runs the entrypoint as a container starts it: as root, with setpriv",
    ),
]

ENTRYPOINT = Path(__file__).resolve().parents[2] / "docker" / "entrypoint.sh"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NO_ACCOUNT = "trailarr-test-no-such-account"
"""TRAILARR_ACCOUNT for the tests: no account is adjusted, whatever this machine has."""

PROBE = (
    'touch "$APP_DATA_DIR/file" && mkdir "$APP_DATA_DIR/folder"'
    ' && echo "ids $(id -u) $(id -g) groups $(id -G) home $HOME"'
)
"""What stands in for Trailarr: writes a file and a folder, says who it runs as."""


def free_id(start: int) -> int:
    """The first id from `start` that is neither a user's nor a group's."""
    taken_users = {entry.pw_uid for entry in pwd.getpwall()}
    taken_groups = {entry.gr_gid for entry in grp.getgrall()}
    candidate = start
    while candidate in taken_users or candidate in taken_groups:
        candidate += 1
    return candidate


@dataclass
class Place:
    """A folder that any user may enter, holding a copy of the entrypoint and a config."""

    root: Path
    script: Path
    config: Path

    def run(
        self, *command: str, as_id: int | None = None, root_groups: str = "", **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run the entrypoint with `command` and only `env` (plus PATH, APP_DATA_DIR): as
        root, with the supplementary `root_groups` if given, or else as `as_id`."""
        argv = [str(self.script), *command]
        if root_groups:
            argv = ["setpriv", f"--groups={root_groups}", *argv]
        if as_id is not None:
            argv = ["setpriv", f"--reuid={as_id}", f"--regid={as_id}", "--clear-groups", *argv]
        full_env = {
            "PATH": SYSTEM_PATH,
            "APP_DATA_DIR": str(self.config),
            "TRAILARR_ACCOUNT": NO_ACCOUNT,
            **env,
        }
        return subprocess.run(
            argv,
            env=full_env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=60,
            check=False,
        )


@pytest.fixture
def place() -> Iterator[Place]:
    # Not tmp_path: its parents are root's alone, and the dropped user must reach config.
    root = Path(tempfile.mkdtemp(prefix="trailarr-entrypoint-", dir="/tmp"))
    try:
        root.chmod(0o755)
        script = root / "entrypoint.sh"
        shutil.copyfile(ENTRYPOINT, script)
        script.chmod(0o755)
        yield Place(root=root, script=script, config=root / "config")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def puid() -> int:
    return free_id(4321)


@pytest.fixture
def pgid(puid: int) -> int:
    return free_id(puid + 1)


def owner(path: Path) -> tuple[int, int]:
    info = path.lstat()
    return info.st_uid, info.st_gid


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_as_root_it_runs_the_command_as_puid_pgid_with_the_umask(
    place: Place, puid: int, pgid: int
) -> None:
    # Docker's root has supplementary groups (disk among them): none of them may remain.
    result = place.run(
        "sh", "-c", PROBE, root_groups="0,4,6,27", PUID=str(puid), PGID=str(pgid), UMASK="027"
    )

    assert result.returncode == 0, result.stderr
    assert f"ids {puid} {pgid} groups {pgid} home {place.config}" in result.stdout
    assert owner(place.config / "file") == (puid, pgid)
    assert owner(place.config / "folder") == (puid, pgid)
    assert mode(place.config / "file") == 0o640
    assert mode(place.config / "folder") == 0o750
    assert owner(place.config) == (puid, pgid)


def test_the_defaults_are_1000_1000_and_umask_022(place: Place) -> None:
    result = place.run("sh", "-c", PROBE)

    assert result.returncode == 0, result.stderr
    assert "ids 1000 1000 groups 1000" in result.stdout
    assert owner(place.config / "file") == (1000, 1000)
    assert mode(place.config / "file") == 0o644
    assert mode(place.config / "folder") == 0o755


def test_empty_values_count_as_unset(place: Place) -> None:
    result = place.run("sh", "-c", PROBE, PUID="", PGID="", UMASK="", TZ="")

    assert result.returncode == 0, result.stderr
    assert "ids 1000 1000" in result.stdout
    assert mode(place.config / "file") == 0o644


def test_config_and_what_it_holds_are_given_to_puid_but_nothing_outside(
    place: Place, puid: int, pgid: int
) -> None:
    """A config left by root (a restore, an earlier PUID) becomes PUID's; a media folder
    beside it and the target of a link inside it keep their owner."""
    place.config.mkdir(mode=0o700)
    (place.config / "trailarr.db").write_bytes(b"db")
    (place.config / "logs").mkdir()
    (place.config / "logs" / "trailarr.log").write_text("log")
    outside = place.root / "movies"
    outside.mkdir()
    (outside / "movie.mkv").write_bytes(b"movie")
    (place.config / "link-to-movies").symlink_to(outside / "movie.mkv")

    result = place.run("true", PUID=str(puid), PGID=str(pgid))

    assert result.returncode == 0, result.stderr
    for path in [
        place.config,
        place.config / "trailarr.db",
        place.config / "logs",
        place.config / "logs" / "trailarr.log",
        place.config / "link-to-movies",
    ]:
        assert owner(path) == (puid, pgid), path
    assert owner(outside) == (0, 0)
    assert owner(outside / "movie.mkv") == (0, 0)
    assert mode(place.config) == 0o700


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PUID", "abc"),
        ("PUID", "-1"),
        ("PUID", "1000.5"),
        ("PUID", "01000"),
        ("PUID", "4294967295"),
        ("PGID", "users"),
        ("PGID", "99999999999"),
        ("UMASK", "999"),
        ("UMASK", "0x22"),
        ("UMASK", "00022"),
        ("TZ", "Mars/Olympus_Mons"),
        ("TZ", "../../../etc/passwd"),
    ],
)
def test_a_bad_value_stops_it_with_a_message_before_anything_changes(
    place: Place, name: str, value: str
) -> None:
    result = place.run("sh", "-c", PROBE, **{name: value})

    assert result.returncode == 2, result.stdout
    message = result.stderr.strip()
    assert message.startswith("entrypoint: "), message
    assert name in message
    assert f"'{value}'" in message
    assert not place.config.exists()  # neither created nor given away, the command not run


def test_a_bad_value_stops_it_when_started_as_another_user_too(place: Place, puid: int) -> None:
    place.config.mkdir()
    os.chown(place.config, puid, puid)

    result = place.run("sh", "-c", PROBE, as_id=puid, UMASK="8")

    assert result.returncode == 2
    assert "UMASK" in result.stderr
    assert not (place.config / "file").exists()


@pytest.mark.parametrize(
    ("zone", "offset"),
    [("Asia/Tokyo", "+0900"), (":Asia/Kolkata", "+0530"), ("UTC0", "+0000"), ("Etc/UTC", "+0000")],
)
def test_the_time_zone_reaches_the_command(place: Place, zone: str, offset: str) -> None:
    if not Path("/usr/share/zoneinfo/Asia/Tokyo").is_file():
        pytest.skip("no tz database here (Debian's tzdata)")

    result = place.run("date", "+%z", TZ=zone)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == offset
    assert f"TZ {zone}" in result.stdout


def test_started_as_another_user_it_runs_as_that_user_with_the_umask(
    place: Place, puid: int
) -> None:
    """docker run --user or Kubernetes' runAsUser: no root to drop, PUID/PGID ignored."""
    place.config.mkdir()
    os.chown(place.config, puid, puid)

    result = place.run("sh", "-c", PROBE, as_id=puid, UMASK="077", HOME="/")

    assert result.returncode == 0, result.stderr
    assert f"ids {puid} {puid} groups {puid} home {place.config}" in result.stdout
    assert "warning" not in result.stderr
    assert owner(place.config / "file") == (puid, puid)
    assert mode(place.config / "file") == 0o600
    assert mode(place.config / "folder") == 0o700


def test_started_as_another_user_it_says_that_puid_is_ignored(place: Place, puid: int) -> None:
    place.config.mkdir()
    os.chown(place.config, puid, puid)

    result = place.run("sh", "-c", PROBE, as_id=puid, PUID="1000", PGID="1000")

    assert result.returncode == 0, result.stderr
    assert f"ids {puid} {puid}" in result.stdout
    assert f"started as {puid}:{puid}" in result.stderr
    assert "PUID/PGID (1000:1000) are ignored" in result.stderr


def test_puid_0_runs_as_root_with_a_warning(place: Place) -> None:
    result = place.run("sh", "-c", PROBE, PUID="0", PGID="0")

    assert result.returncode == 0, result.stderr
    assert "ids 0 0 groups 0" in result.stdout
    assert "PUID=0" in result.stderr


def test_without_arguments_it_runs_trailarr(place: Place, puid: int) -> None:
    bin_dir = place.root / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "trailarr"
    fake.write_text('#!/bin/sh\necho "trailarr ran as $(id -u)"\n', encoding="utf-8")
    fake.chmod(0o755)

    result = place.run(PUID=str(puid), PATH=f"{bin_dir}:{SYSTEM_PATH}")

    assert result.returncode == 0, result.stderr
    assert f"trailarr ran as {puid}" in result.stdout


def admin(*argv: str, check: bool = True) -> None:
    """Run an account tool (groupadd, useradd, userdel, groupdel)."""
    subprocess.run(list(argv), capture_output=True, timeout=60, check=check)


@pytest.fixture
def account(place: Place, puid: int) -> Iterator[str]:
    """A throwaway account, as the image's `trailarr`: removed at the end, whatever happens."""
    if shutil.which("useradd") is None:
        pytest.skip("no useradd here")
    name = f"trailarr-t{secrets.token_hex(4)}"
    first = free_id(puid + 10)
    try:
        admin("groupadd", "--gid", str(first), name)
        admin(
            "useradd",
            "--uid",
            str(first),
            "--gid",
            str(first),
            "--no-create-home",
            "--home-dir",
            str(place.config),
            "--shell",
            "/usr/sbin/nologin",
            name,
        )
        yield name
    finally:
        admin("userdel", name, check=False)
        admin("groupdel", name, check=False)


def test_the_account_takes_puid_and_pgid(place: Place, account: str, puid: int, pgid: int) -> None:
    result = place.run(
        "sh",
        "-c",
        PROBE + ' && echo "name $(id -un)"',
        PUID=str(puid),
        PGID=str(pgid),
        TRAILARR_ACCOUNT=account,
    )

    assert result.returncode == 0, result.stderr
    assert pwd.getpwnam(account).pw_uid == puid
    assert pwd.getpwnam(account).pw_gid == pgid
    assert grp.getgrnam(account).gr_gid == pgid
    assert f"ids {puid} {pgid}" in result.stdout
    assert f"name {account}" in result.stdout
    assert owner(place.config / "file") == (puid, pgid)
