"""The parts of System > Status: program versions (and their cache), yt-dlp's version, the
database's size and writability, and folders that are gone or do not answer."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pytest

from config import get_settings
from core.base import health as health_module
from core.base.health import health
from core.system import status
from tests.conftest import on_postgresql
from tests.utils.programs import write_executable
from tests.utils.wait import wait_until


@pytest.fixture(autouse=True)
def fresh_state() -> Iterator[None]:
    status.program_versions.clear()
    health.reset()
    yield
    status.program_versions.clear()
    health.reset()


def real_version(program: str) -> str:
    """The version on the first line of `<program> -version`, read here on its own."""
    first = subprocess.run(
        [program, "-version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()[0]
    words = first.split()
    assert words[:2] == [program, "version"], first
    return words[2]


# ---- programs ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("program", ["ffmpeg", "ffprobe"])
def test_the_version_of_the_real_program(program: str) -> None:
    found = status.read_program_version(program)
    assert found == status.ProgramVersion(version=real_version(program))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "words"),
    [
        ("#!/bin/sh\necho 'hello there'\n", "printed no version (its first line: 'hello there')"),
        ("#!/bin/sh\necho 'broken library' >&2\nexit 3\n", "failed (exit code 3): broken library"),
        ("#!/bin/sh\n", "printed no version"),
    ],
)
def test_a_program_that_gives_no_version_says_why(tmp_path: Path, script: str, words: str) -> None:
    program = write_executable(tmp_path / "ffmpeg", script)
    found = status.read_program_version(str(program))
    assert found.version is None
    assert found.error is not None and words in found.error, found.error


@pytest.mark.slow  # a failed start counts as a child process (conftest's audit hook)
def test_a_missing_program_is_not_found(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-ffmpeg")
    assert status.read_program_version(missing).error == f"{missing} was not found"
    assert status.read_program_version("trailarr-no-such-program").error == (
        "trailarr-no-such-program was not found"
    )


@pytest.mark.slow
def test_a_hanging_program_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status, "VERSION_TIMEOUT_SECONDS", 0.5)
    program = write_executable(tmp_path / "ffprobe", "#!/bin/sh\nexec sleep 600\n")
    found = status.read_program_version(str(program))
    assert found.version is None
    assert found.error is not None and "did not finish within 0.5 s" in found.error


@pytest.mark.slow
def test_versions_are_remembered_and_failures_tried_again_sooner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    program = write_executable(
        tmp_path / "ffmpeg",
        f"#!/bin/sh\necho run >> {runs}\n"
        f'[ -e {tmp_path}/broken ] && exit 1\necho "ffmpeg version 9.9-test Copyright"\n',
    )

    def count() -> int:
        return len(runs.read_text().splitlines())

    assert status.program_versions.get(str(program)).version == "9.9-test"
    assert status.program_versions.get(str(program)).version == "9.9-test"
    assert count() == 1  # the second answer came from the cache

    status.program_versions.clear()
    (tmp_path / "broken").touch()
    monkeypatch.setattr(status, "FAILURE_CACHE_SECONDS", 0.0)
    assert status.program_versions.get(str(program)).version is None
    assert count() == 2
    (tmp_path / "broken").unlink()  # fixed: the next look sees it at once
    assert status.program_versions.get(str(program)).version == "9.9-test"
    assert count() == 3


@pytest.mark.slow
def test_program_check_says_what_to_do(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere" / "ffmpeg")
    version, check = status.program_check("ffmpeg", missing, "FFMPEG_PATH", "to convert")
    assert version is None
    assert not check.ok
    assert check.message.startswith(f"{missing} was not found. Trailarr needs ffmpeg to convert")
    assert "apt install ffmpeg" in check.message and "FFMPEG_PATH" in check.message


# ---- yt-dlp -----------------------------------------------------------------------------


def test_ytdlp_version_is_the_installed_packages() -> None:
    version, check = status.ytdlp_check()
    assert version == metadata.version("yt-dlp")
    assert check.ok
    assert check.message.startswith(f"yt-dlp {version}, released ")


def test_a_loaded_ytdlp_older_than_the_installed_one_asks_for_a_restart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = SimpleNamespace(__version__="2020.01.01")
    monkeypatch.setitem(sys.modules, "yt_dlp.version", loaded)
    version, check = status.ytdlp_check()
    installed = metadata.version("yt-dlp")
    assert version == "2020.01.01"  # the one in use
    assert not check.ok
    assert f"yt-dlp 2020.01.01 is in use, but {installed} is installed" in check.message
    assert "restart Trailarr" in check.message


def test_a_missing_ytdlp_is_a_failing_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(status.metadata, "version", not_installed)
    version, check = status.ytdlp_check()
    assert version is None
    assert not check.ok and "scripts/setup.sh" in check.message


@pytest.mark.parametrize(
    ("loaded", "same"),
    [
        ({"__version__": "2025.01.15", "_pkg_version": "2025.01.15"}, "2025.1.15"),
        # a nightly, as its metadata and its module spell it
        ({"__version__": "2026.10.26.220202", "_pkg_version": "2026.10.26.220202dev"}, None),
        ({"__version__": "2024.12.06"}, "2024.12.6"),
    ],
)
def test_the_loaded_ytdlp_is_compared_with_the_installed_one_as_a_version(
    monkeypatch: pytest.MonkeyPatch, loaded: dict[str, str], same: str | None
) -> None:
    """yt-dlp spells its version with zeros that the package metadata drops; a nightly's
    `__version__` lacks the "dev" of its package version. Neither is a pending update."""
    installed = same or loaded["_pkg_version"]
    monkeypatch.setattr(status.metadata, "version", lambda _name: installed)
    monkeypatch.setitem(sys.modules, "yt_dlp.version", SimpleNamespace(**loaded))
    version, check = status.ytdlp_check()
    assert check.ok, check.message
    assert version == installed


def test_ytdlp_release_age() -> None:
    today = date(2026, 12, 2)
    assert status._release_age_days("2026.10.26", today) == 37
    assert status._release_age_days("2026.11.30.232815.dev0", today) == 2
    assert status._release_age_days("2026.13.01", today) is None
    assert status._release_age_days("nightly", today) is None


# ---- the database -----------------------------------------------------------------------


def test_the_database_size_is_read_on_either_engine(db_file: Path) -> None:
    size = status.database_size()
    assert size is not None and size > 0
    if not on_postgresql():
        wal = db_file.with_name(db_file.name + "-wal")
        expected = db_file.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        assert size == expected


@pytest.mark.sqlite_only(reason="the SQLite file and its write-ahead log")
def test_the_sqlite_size_counts_the_write_ahead_log(db_file: Path) -> None:
    wal = db_file.with_name(db_file.name + "-wal")
    wal.write_bytes(b"\0" * 4096)  # as SQLite leaves it between checkpoints
    assert status.database_size() == db_file.stat().st_size + 4096
    db_file.unlink()
    wal.unlink()
    assert status.database_size() is None  # gone: no size, and no error


def test_the_database_check_follows_the_health_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health_module, "PROBE_INTERVAL_SECONDS", 3600.0)  # no probe meanwhile
    engine = status.database_engine(get_settings().db_url)
    assert engine == ("postgresql" if on_postgresql() else "sqlite")
    assert status.database_check(engine).ok

    health.record_write_failure("database or disk is full")
    check = status.database_check(engine)
    assert not check.ok
    assert check.message.startswith("The database cannot be written (database or disk is full): ")
    assert ("PostgreSQL server" in check.message) == on_postgresql()


# ---- folders ----------------------------------------------------------------------------


def test_looking_at_folders(tmp_path: Path) -> None:
    there = status.look_at_folder(str(tmp_path))
    assert there.problem is None and there.total and there.free is not None

    gone = status.look_at_folder(str(tmp_path / "gone"))
    assert (gone.problem, gone.total, gone.free) == ("missing", None, None)
    assert gone.reason == f"{tmp_path / 'gone'} does not exist"

    (tmp_path / "file").write_text("x")
    a_file = status.look_at_folder(str(tmp_path / "file"))
    assert a_file.problem == "not_folder"
    assert a_file.reason == f"{tmp_path / 'file'} is not a folder"


@pytest.mark.anyio
async def test_a_folder_that_hangs_is_not_waited_for_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A network share that is down: its look times out, and no second thread joins it."""
    release = threading.Event()
    looks: list[str] = []
    real_look = status.look_at_folder

    def hanging_look(path: str) -> status.FolderState:
        looks.append(path)
        release.wait(60)
        return real_look(path)

    monkeypatch.setattr(status, "FOLDER_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(status, "look_at_folder", hanging_look)
    path = str(tmp_path)
    try:
        first = await status.folder_state(path)
        assert first.problem == "not_answering"
        assert first.reason is not None and "did not answer within 0.2 s" in first.reason
        second = await status.folder_state(path)
        assert second.problem == "not_answering"
        assert looks == [path]  # the hanging look was not started again
    finally:
        release.set()
    monkeypatch.setattr(status, "look_at_folder", real_look)

    # Once the hanging look has ended, the folder is looked at again.
    wait_until(lambda: path not in status._pending, "the hanging look to end")
    third = await status.folder_state(path)
    assert third.problem is None and third.total
