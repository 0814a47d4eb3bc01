"""Shared fixtures: every test gets its own data folder and a database built by the migrations.

Also the `slow` guard: a test that makes media with ffmpeg, runs yt-dlp, or starts a server or
any other child process must be marked `slow`. Collection fails when a test uses one of the
`SLOW_FIXTURES` without the mark; a test without it that starts a child process all the same
fails at its teardown, naming the programs it ran.

And the `no_database` mark, for tests with no database work (ffprobe's analysis, processes,
sources, folders, threads): the PostgreSQL pass skips them, since they would test the same
thing again; on the SQLite pass, one that opens its database fails at its teardown.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient

from config import get_settings
from core.base.database.engine import reset_engine
from core.base.database.migrate import alembic_config
from core.base.health import health
from tests.utils.api import TEST_API_KEY

pytest_plugins = [
    "tests.utils.http_server",
    "tests.utils.server",
    "tests.utils.arr_standin",
    "tests.utils.mediaserver_standin",
    "tests.utils.roots",
    "tests.utils.postgres",
    "tests.utils.backups",
    "tests.utils.notify_receiver",
]

__all__ = ["TEST_API_KEY"]

SLOW_FIXTURES = frozenset(
    {
        "video_server",
        "server_factory",
        "clips",
        "downloaded",
        "arr_standin",
        "mediaserver_standin",
        "notify_receiver",
    }
)
"""Fixtures that make media with ffmpeg or start a server: a test using one is marked slow."""


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[pytest.CollectReport]:
    """A module whose tests use a slow fixture without the `slow` mark fails to collect."""
    report: pytest.CollectReport = yield
    unmarked = [
        f"  {item.name} uses {', '.join(sorted(uses))}"
        for item in report.result
        if isinstance(item, pytest.Function)
        and (uses := SLOW_FIXTURES.intersection(item.fixturenames))
        and item.get_closest_marker("slow") is None
    ]
    if unmarked and report.passed:
        report.outcome = "failed"
        report.longrepr = (
            "these tests make media with ffmpeg or start a server; mark them "
            "@pytest.mark.slow (or the module with pytestmark = pytest.mark.slow):\n"
            + "\n".join(unmarked)
        )
        report.result = []
    return report


LIBRARY_LOOKUPS = frozenset({"ldconfig", "file", "gcc", "cc", "ld", "objdump"})
"""What `ctypes.util.find_library` runs when a module is first imported (pycryptodomex, under
yt-dlp, looks for libgmp): an import, not work of the test."""


class _ChildProcesses:
    """The programs started while a test that is not marked slow runs, and the SQLite
    databases opened while one marked `no_database` runs (an audit hook)."""

    def __init__(self) -> None:
        self.watching = False
        self.started: list[str] = []
        self.watching_databases = False
        self.databases: list[str] = []

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "sqlite3.connect" and self.watching_databases:
            self.databases.append(os.fsdecode(args[0]))
        if event == "subprocess.Popen" and self.watching:
            executable, argv = args[0], args[1]  # as given to Popen: a string or a sequence
            if not isinstance(argv, str | bytes | os.PathLike):
                argv = next(iter(argv), executable)
            program = os.path.basename(os.fsdecode(argv or "a program"))
            if program not in LIBRARY_LOOKUPS:
                self.started.append(program)


_children = _ChildProcesses()


def _test_databases(item: pytest.Item) -> list[str]:
    """The databases of the test's own data folder that it opened (the session's template,
    built during a first test's set-up, is not the test's)."""
    data = item.funcargs.get("data_dir") if isinstance(item, pytest.Function) else None
    if not isinstance(data, Path):
        return []
    files = {path.removeprefix("file:").partition("?")[0] for path in _children.databases}
    return sorted(path for path in files if Path(path).is_relative_to(data))


def pytest_configure(config: pytest.Config) -> None:
    sys.addaudithook(_children.audit)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if (marker := item.get_closest_marker("sqlite_only")) is not None and on_postgresql():
        reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
        if not reason:
            pytest.fail(f"{item.nodeid}: sqlite_only needs a reason", pytrace=False)
        pytest.skip(f"SQLite only: {reason}")
    no_database = item.get_closest_marker("no_database") is not None
    if no_database and on_postgresql():
        pytest.skip("no database work: runs once, on the SQLite pass")
    _children.started.clear()
    _children.watching = item.get_closest_marker("slow") is None
    _children.databases.clear()
    _children.watching_databases = no_database


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)
    finally:
        started, _children.watching = sorted(set(_children.started)), False
        _children.started.clear()
        opened, _children.watching_databases = _test_databases(item), False
        _children.databases.clear()
        if opened:
            pytest.fail(
                f"{item.nodeid} is marked no_database but opened {', '.join(opened)}: "
                "take the mark off (the PostgreSQL pass must run it)",
                pytrace=False,
            )
        if started:
            pytest.fail(
                f"{item.nodeid} started {', '.join(started)} but is not marked slow: "
                "mark it @pytest.mark.slow (or the module with pytestmark = pytest.mark.slow)",
                pytrace=False,
            )


@pytest.fixture(scope="session")
def migrated_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file at head, built once by the migrations and copied for each test.

    Once per process: each xdist worker has its own `tmp_path_factory` and builds its own.
    """
    path = tmp_path_factory.mktemp("template") / "trailarr.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return path


def reset_app_state() -> None:
    """Forget cached settings and the engine, so that the next use reads the environment,
    and a database marked not writable by an earlier test."""
    reset_engine()
    get_settings.cache_clear()
    health.reset()


ENGINE_ENV = "TRAILARR_TEST_ENGINE"
"""`postgresql` runs the suite on PostgreSQL (a fresh database per test, on the server of
TEST_POSTGRES_URL); SQLite otherwise."""


def on_postgresql() -> bool:
    return os.environ.get(ENGINE_ENV, "sqlite").lower() == "postgresql"


@pytest.fixture(autouse=True)
def data_dir(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    migrated_db_template: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Path]:
    """The test's APP_DATA_DIR, holding a fresh copy of the migrated database (or, on
    PostgreSQL, beside a fresh database of its own)."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(migrated_db_template, data / "trailarr.db")
    if on_postgresql():
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("postgres_test_url"))
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("APP_DATA_DIR", str(data))
    monkeypatch.setenv("APP_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("ALLOW_LOCAL_SOURCES", "true")
    # Tests start download_missing themselves; those of DOWNLOAD_ON_MONITOR turn it on.
    monkeypatch.setenv("DOWNLOAD_ON_MONITOR", "false")
    # 2-4 s of CPU a few seconds after each app start; tests/core/download/test_warm_up.py
    # turns it on.
    monkeypatch.setenv("YTDLP_WARM_UP", "false")
    reset_app_state()
    yield data
    reset_app_state()


@pytest.fixture
def db_file(data_dir: Path) -> Path:
    """The test's database file."""
    return data_dir / "trailarr.db"


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    """A client of the app (lifespan run) that sends the API key."""
    from core.tasks.registry import RECONCILE, task_runner
    from main import app

    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as test_client:
        # The app starts a reconciliation at start-up; let it finish so that tests which
        # then change files on disk do not race with it.
        test_client.portal.call(task_runner.wait, RECONCILE)
        yield test_client


@pytest.fixture
def anonymous(data_dir: Path) -> Iterator[TestClient]:
    """A client of the app (lifespan run) without credentials; it keeps cookies, as a browser."""
    from main import app

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """For tests that configure logging for the process: put the test's logging back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {name: logging.getLogger(name).level for name in ("trailarr", "uvicorn", "alembic")}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, named_level in named.items():
        logging.getLogger(name).setLevel(named_level)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
