"""System > Status: what runs (versions, database, data folder, uptime), whether it works
(health checks, each saying what to do when it fails), and the disk space of each folder.

`read_status()` gathers it for GET /api/v1/system/status. What blocks runs in worker
threads, and nothing that fails makes the whole answer fail: a missing ffmpeg, a library
root that is gone or a database size that cannot be read shows up as a failing check or as
an empty value with the reason.

The page reads this every minute, so each part is cheap:

- The database check reads the state of `core.base.health`, which writes a probe only while
  writes are known to fail, at most every few seconds: no write per request.
- `<program> -version` runs once per program (ffmpeg, ffprobe) and its answer is kept for
  `VERSION_CACHE_SECONDS`; a failure for `FAILURE_CACHE_SECONDS` only, so that a fix shows
  soon.
- yt-dlp's version comes from its package metadata (`importlib.metadata`), never from an
  import of yt_dlp: that takes about a second, and the app loads yt_dlp only for its first
  download or search. Once yt_dlp is loaded, the loaded module's version is the one in use:
  an update installed since then is reported as waiting for a restart.
- Each folder (the data folder, every library root) is looked at in a worker thread that
  gets `FOLDER_TIMEOUT_SECONDS`: `stat` on a network share that is down can hang for
  minutes. Such a thread is left to finish on its own, and while it hangs no second one is
  started for that folder, so a page left open does not pile up stuck threads.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import metadata
from typing import Literal

import anyio
from pydantic import BaseModel, Field
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app_logger import ModuleLogger
from config import get_settings
from config.settings import APP_VERSION
from core.base import health as db_health
from core.base.database.engine import single_read
from core.base.database.manager.root import RootManager
from core.base.database.models.root import LibraryRootRead
from core.base.utils.process import ProcessTimeoutError, run_process

logger = ModuleLogger("Status")

VERSION_TIMEOUT_SECONDS = 10.0
"""How long `<program> -version` may take."""
VERSION_CACHE_SECONDS = 600.0
"""How long a program's version is kept before it is asked again."""
FAILURE_CACHE_SECONDS = 60.0
"""How long a program that could not be run is believed missing before it is tried again."""
FOLDER_TIMEOUT_SECONDS = 5.0
"""How long a folder may take to answer before it is reported as not answering."""
YTDLP_OLD_DAYS = 60
"""A yt-dlp older than this gets a hint to update it (YouTube changes often)."""

_VERSION_LINE = re.compile(r"^\S+ version (\S+)")
_RELEASE_DATE = re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})")


class AboutInfo(BaseModel):
    """What runs, and where."""

    version: str = Field(description="Trailarr's version")
    python_version: str
    platform: str = Field(description="The operating system, as Python names it")
    database_engine: str = Field(description='"sqlite" or "postgresql"')
    database_url: str = Field(description="The database URL, without its password")
    database_size: int | None = Field(
        description="Bytes: the SQLite file with its write-ahead log, or PostgreSQL's"
        " pg_database_size; null when it cannot be read"
    )
    data_dir: str = Field(description="APP_DATA_DIR: the database, logs, backups")
    started_at: datetime = Field(description="When this Trailarr process started")
    uptime_seconds: float
    ytdlp_version: str | None = Field(description="The yt-dlp in use; null when missing")
    ffmpeg_version: str | None = Field(description="null when ffmpeg cannot be run")
    ffprobe_version: str | None = Field(description="null when ffprobe cannot be run")


class HealthCheck(BaseModel):
    """One thing that must work, whether it does, and what to do when it does not."""

    name: str
    ok: bool
    message: str = Field(description="What was found; when not ok, also what to do about it")


class DiskSpace(BaseModel):
    """The space on the file system of one folder (several folders may share one)."""

    path: str
    label: str = Field(description='"Data folder", or the library root and who reports it')
    total: int | None = Field(description="Bytes; null when it cannot be read")
    free: int | None = Field(description="Bytes free for Trailarr; null when unknown")
    error: str | None = Field(default=None, description="Why the space cannot be read")


class SystemStatus(BaseModel):
    """GET /api/v1/system/status."""

    about: AboutInfo
    health: list[HealthCheck] = Field(
        description="Database, ffmpeg, ffprobe, yt-dlp, then each library root by path"
    )
    disk_space: list[DiskSpace] = Field(
        description="The data folder, then each library root by path"
    )


# ---- programs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramVersion:
    """What `<program> -version` told: the version, or why there is none."""

    version: str | None = None
    error: str | None = None


def read_program_version(program: str) -> ProgramVersion:
    """Run `program -version` and read the version from its first line. Blocking."""
    try:
        result = run_process([program, "-version"], timeout=VERSION_TIMEOUT_SECONDS)
    except FileNotFoundError:
        return ProgramVersion(error=f"{program} was not found")
    except PermissionError:
        return ProgramVersion(error=f"{program} cannot be run (permission denied)")
    except (OSError, ProcessTimeoutError) as exc:
        return ProgramVersion(error=f"{program} cannot be run: {exc}")
    if result.returncode != 0:
        said = (result.stderr.strip() or result.stdout.strip()).splitlines()
        tail = f": {said[-1][:200]}" if said else ""
        return ProgramVersion(
            error=f"{program} -version failed (exit code {result.returncode}){tail}"
        )
    first = result.stdout.strip().partition("\n")[0].strip()
    match = _VERSION_LINE.match(first)
    if match is None:
        return ProgramVersion(
            error=f"{program} -version printed no version (its first line: {first[:100]!r})"
        )
    return ProgramVersion(version=match.group(1))


class ProgramVersions:
    """`read_program_version`, remembered per program for a while (thread-safe).

    Two requests that find no answer at the same moment may both run the program: rare,
    harmless, and simpler than making one wait for the other.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, ProgramVersion]] = {}

    def get(self, program: str) -> ProgramVersion:
        with self._lock:
            known = self._known.get(program)
        if known is not None and time.monotonic() < known[0]:
            return known[1]
        found = read_program_version(program)
        keep = VERSION_CACHE_SECONDS if found.version is not None else FAILURE_CACHE_SECONDS
        with self._lock:
            self._known[program] = (time.monotonic() + keep, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


program_versions = ProgramVersions()


def _where(program: str) -> str:
    """The program's file: as configured when it is a path, else found on PATH."""
    if os.sep in program:
        return program
    return shutil.which(program) or program


def program_check(
    name: str, program: str, setting: str, needed_for: str
) -> tuple[str | None, HealthCheck]:
    """The version of ffmpeg or ffprobe and its check (`setting`: the variable that names
    the program). Blocking the first time, then for a while from `program_versions`."""
    found = program_versions.get(program)
    if found.version is not None:
        message = f"{name} {found.version} ({_where(program)})"
        return found.version, HealthCheck(name=name, ok=True, message=message)
    return None, HealthCheck(
        name=name,
        ok=False,
        message=f"{found.error}. Trailarr needs {name} {needed_for}. Install ffmpeg (Debian and"
        f" Ubuntu: apt install ffmpeg, which brings ffmpeg and ffprobe), or set {setting} to"
        " the program's path and restart Trailarr",
    )


def _release_age_days(version: str, today: date) -> int | None:
    """Days since the release, from a yt-dlp version (`2026.10.26`, `2026.11.30.123.dev0`)."""
    match = _RELEASE_DATE.match(version)
    if match is None:
        return None
    try:
        released = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return (today - released).days


def _same_version(a: str, b: str) -> bool:
    """Whether two spellings name one version: the metadata drops the zeros that yt-dlp's
    own version keeps (`2025.1.15` is `2025.01.15`)."""

    def parts(version: str) -> list[str]:
        return [p.lstrip("0") or "0" if p.isdigit() else p for p in version.split(".")]

    return parts(a) == parts(b)


def ytdlp_check() -> tuple[str | None, HealthCheck]:
    """The yt-dlp in use and its check, without importing yt_dlp (see the module docstring)."""
    name = "yt-dlp"
    try:
        installed = metadata.version("yt-dlp")
    except metadata.PackageNotFoundError:
        return None, HealthCheck(
            name=name,
            ok=False,
            message="yt-dlp is not installed, so no trailer can be downloaded: run"
            " scripts/setup.sh again (in Docker: pull or rebuild the image)",
        )
    loaded = sys.modules.get("yt_dlp.version")
    # `_pkg_version` is the package's version (a nightly's with its ".dev0"), `__version__`
    # the program's; older releases have only the latter.
    in_use = getattr(loaded, "_pkg_version", None) or getattr(loaded, "__version__", None)
    if isinstance(in_use, str) and not _same_version(in_use, installed):
        return in_use, HealthCheck(
            name=name,
            ok=False,
            message=f"yt-dlp {in_use} is in use, but {installed} is installed:"
            f" restart Trailarr to use {installed}",
        )
    age = _release_age_days(installed, datetime.now(UTC).date())
    message = f"yt-dlp {installed}"
    if age is not None and age >= 0:
        message += f", released {age} day{'' if age == 1 else 's'} ago"
        if age > YTDLP_OLD_DAYS:
            message += (
                ". When YouTube downloads start to fail, a newer yt-dlp usually fixes them"
                ' (README: "Updating yt-dlp")'
            )
    return installed, HealthCheck(name=name, ok=True, message=message)


# ---- the database -----------------------------------------------------------------------


def database_engine(url: str) -> str:
    return make_url(url).get_backend_name()


def database_size() -> int | None:
    """The database's size in bytes, or None when it cannot be read. Blocking."""
    url = get_settings().db_url
    path = db_health.sqlite_file(url)
    try:
        if path is not None:
            size = path.stat().st_size
            # No write-ahead log at times (after the last connection closed it).
            with contextlib.suppress(FileNotFoundError):
                size += path.with_name(path.name + "-wal").stat().st_size
            return size
        if database_engine(url) != "postgresql":
            return None
        with single_read() as connection:
            query = "SELECT pg_database_size(current_database())"
            return int(connection.exec_driver_sql(query).scalar_one())
    except (OSError, SQLAlchemyError) as exc:
        logger.debug(f"Cannot read the size of the database: {exc}")
        return None


def database_check(engine: str) -> HealthCheck:
    """Whether the database can be written, from `core.base.health`'s state. Blocking: while
    writes fail, it may probe with a write (at most every few seconds)."""
    current = db_health.health.current()
    if current.reason is None:
        return HealthCheck(name="Database", ok=True, message="The database can be written")
    if engine == "postgresql":
        fix = (
            "check that the PostgreSQL server accepts writes (not a standby, not read-only,"
            " its disk not full) and that Trailarr's database role may write"
        )
    else:
        fix = (
            "free disk space, and check that the database file and its folder belong to the"
            " user Trailarr runs as (in Docker: PUID and PGID) on a file system mounted"
            " read-write"
        )
    return HealthCheck(
        name="Database",
        ok=False,
        message=f"The database cannot be written ({current.reason}): {fix}. Reading still"
        f" works; Trailarr tries a write again every {db_health.PROBE_INTERVAL_SECONDS:g} s",
    )


# ---- folders ----------------------------------------------------------------------------

Problem = Literal["missing", "not_folder", "denied", "unreadable", "not_answering"]


@dataclass(frozen=True)
class FolderState:
    """What a look at a folder found: whether it can be read, and its file system's space."""

    problem: Problem | None = None
    reason: str | None = None
    total: int | None = None
    free: int | None = None


def _folder_problem(path: str) -> tuple[Problem, str] | None:
    """Why `path` is not a folder this process can read (list), or None when it is."""
    try:
        with os.scandir(path) as entries:
            next(entries, None)
    except FileNotFoundError:
        return "missing", f"{path} does not exist"
    except NotADirectoryError:
        return "not_folder", f"{path} is not a folder"
    except PermissionError:
        return "denied", f"{path} cannot be read by the user Trailarr runs as (uid {os.getuid()})"
    except OSError as exc:
        return "unreadable", f"{path} cannot be read ({exc.strerror or exc})"
    return None


def look_at_folder(path: str) -> FolderState:
    """Whether `path` is a readable folder, and the space of its file system. Blocking."""
    problem = _folder_problem(path)
    try:
        usage = shutil.disk_usage(path)
    except OSError as exc:
        reason = problem[1] if problem else f"{path}: {exc.strerror or exc}"
        return FolderState(problem=problem[0] if problem else "unreadable", reason=reason)
    if problem is not None:
        return FolderState(problem[0], problem[1], usage.total, usage.free)
    return FolderState(total=usage.total, free=usage.free)


_pending_lock = threading.Lock()
_pending: set[str] = set()
"""Folders whose look has not ended yet: a thread still waits for the file system."""


async def folder_state(path: str) -> FolderState:
    """`look_at_folder(path)` in a worker thread, given `FOLDER_TIMEOUT_SECONDS`."""
    not_answering = FolderState(
        "not_answering",
        f"{path} did not answer within {FOLDER_TIMEOUT_SECONDS:g} s (a network share or"
        " drive that does not respond?)",
    )
    with _pending_lock:
        if path in _pending:  # an earlier look still hangs: do not add a thread to it
            return not_answering
        _pending.add(path)
    started = False

    def look() -> FolderState:
        nonlocal started
        started = True
        try:
            return look_at_folder(path)
        finally:
            with _pending_lock:
                _pending.discard(path)

    try:
        with anyio.move_on_after(FOLDER_TIMEOUT_SECONDS):
            return await anyio.to_thread.run_sync(look, abandon_on_cancel=True)
        return not_answering
    finally:
        if not started:  # cancelled before a thread took it: nothing will end it
            with _pending_lock:
                _pending.discard(path)


def _root_fix(root: LibraryRootRead, problem: Problem) -> str:
    """What to do about a library root that cannot be read."""
    if problem == "denied":
        return (
            "give the user Trailarr runs as read access to it (in Docker: set PUID and PGID"
            " to the owner of your media)"
        )
    if root.connection_id is not None:
        owner = f"the connection {root.connection_name or root.connection_id}"
        return (
            f"mount it (in Docker: into the container at this same path), or fix the path"
            f" mapping of {owner} in Settings → Connections"
        )
    if problem == "not_folder":
        return "remove it in Settings → Library roots and add its folder instead"
    return (
        "mount the drive or network share (in Docker: into the container at this same"
        " path), or remove the root in Settings → Library roots if it is gone for good"
    )


def root_check(root: LibraryRootRead, state: FolderState) -> HealthCheck:
    name = f"Library root {root.path}"
    if state.problem is None:
        return HealthCheck(name=name, ok=True, message=f"{root.path} can be read")
    return HealthCheck(
        name=name, ok=False, message=f"{state.reason}: {_root_fix(root, state.problem)}"
    )


def disk_space(path: str, label: str, state: FolderState) -> DiskSpace:
    error = state.reason if state.total is None else None
    return DiskSpace(path=path, label=label, total=state.total, free=state.free, error=error)


# ---- all of it --------------------------------------------------------------------------


@functools.cache
def process_started_at() -> datetime:
    """When this process started (the operating system's record of it)."""
    import psutil  # on first use: `import main` stays light (tests/test_startup.py)

    return datetime.fromtimestamp(psutil.Process().create_time(), UTC)


def _about_and_checks() -> tuple[AboutInfo, list[HealthCheck]]:
    """Everything but the folders. Blocking."""
    settings = get_settings()
    engine = database_engine(settings.db_url)
    ytdlp_version, ytdlp = ytdlp_check()
    ffmpeg_version, ffmpeg = program_check(
        "ffmpeg", settings.ffmpeg_path, "FFMPEG_PATH", "to merge and convert downloads"
    )
    ffprobe_version, ffprobe = program_check(
        "ffprobe", settings.ffprobe_path, "FFPROBE_PATH", "to read what a trailer file holds"
    )
    started_at = process_started_at()
    about = AboutInfo(
        version=APP_VERSION,
        python_version=platform.python_version(),
        platform=platform.platform(),
        database_engine=engine,
        database_url=settings.db_url_without_password,
        database_size=database_size(),
        data_dir=str(settings.app_data_dir),
        started_at=started_at,
        uptime_seconds=max(0.0, time.time() - started_at.timestamp()),
        ytdlp_version=ytdlp_version,
        ffmpeg_version=ffmpeg_version,
        ffprobe_version=ffprobe_version,
    )
    return about, [database_check(engine), ffmpeg, ffprobe, ytdlp]


async def read_status() -> SystemStatus:
    """The whole status; the folders are looked at in parallel, each with its timeout."""
    data_dir = str(get_settings().app_data_dir)
    roots = await anyio.to_thread.run_sync(RootManager().read_all)
    states: dict[str, FolderState] = {}

    async def look(path: str) -> None:
        states[path] = await folder_state(path)

    async with anyio.create_task_group() as group:
        for path in dict.fromkeys([data_dir, *(root.path for root in roots)]):
            group.start_soon(look, path)
        about, checks = await anyio.to_thread.run_sync(_about_and_checks)

    disks = [disk_space(data_dir, "Data folder", states[data_dir])]
    for root in roots:
        checks.append(root_check(root, states[root.path]))
        owner = f" ({root.connection_name})" if root.connection_name else ""
        disks.append(disk_space(root.path, f"Library root{owner}", states[root.path]))
    return SystemStatus(about=about, health=checks, disk_space=disks)
