"""Start-up (issue 14): the ready line, a quiet console, access lines at DEBUG, the migration
check without Alembic when nothing is pending, and no heavy import with the app.

Timings are the benchmark's (bench/startup.py); these tests only check behaviour.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
import weakref
from pathlib import Path

import httpx
import pytest
from alembic import command

import cli
from app_logger import configure_logging
from core.base.database.migrate import (
    SCRIPT_LOCATION,
    alembic_config,
    head_without_alembic,
)
from tests.conftest import on_postgresql
from tests.utils.db import execute, insert_media, rows
from tests.utils.migrations import (
    HOST_REVISION,
    TEST_REVISION,
    current_revision,
    head,
    script_copy_with_revision,
)
from tests.utils.server import HTTP_TIMEOUT, REPO, Server, cli_env
from tests.utils.wait import WAIT_SECONDS, wait_until

SECRET = "k3y-4f1c9a77e0"
PLUGIN_NOISE = "alembic.runtime.plugins"
HEAVY = (
    "yt_dlp",
    "alembic",
    "httpx",
    "PIL",
    "psutil",
    "core.download.downloader",
    "sqlalchemy.dialects.postgresql",  # on SQLite; a PostgreSQL engine loads it
)
"""What `import main` must not load: each loads on first use."""


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://localhost:7889"),
        ("127.0.0.1", "http://localhost:7889"),
        ("::", "http://localhost:7889"),
        ("192.168.1.20", "http://192.168.1.20:7889"),
        ("nas.local", "http://nas.local:7889"),
        ("fd00::20", "http://[fd00::20]:7889"),
    ],
)
def test_browser_url_names_localhost_for_loopback_and_any(host: str, url: str) -> None:
    assert cli.browser_url(host, 7889) == url


@pytest.mark.usefixtures("restore_logging")
def test_access_lines_are_debug_lines_and_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def log_a_request_and_a_websocket() -> None:
        # As uvicorn writes them: the request on uvicorn.access, the handshake on uvicorn.error.
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", f"/status?apikey={SECRET}", "1.1", 200
        )
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]', "127.0.0.1:6", f"/ws?api_key={SECRET}"
        )
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)

    configure_logging("INFO", tmp_path / "info")
    log_a_request_and_a_websocket()
    at_info = capsys.readouterr().err + (tmp_path / "info" / "trailarr.log").read_text()
    assert "Started server process [42]" in at_info  # uvicorn's other lines keep INFO
    assert "GET /status" not in at_info
    assert "WebSocket" not in at_info

    configure_logging("DEBUG", tmp_path / "debug")
    log_a_request_and_a_websocket()
    at_debug = capsys.readouterr().err + (tmp_path / "debug" / "trailarr.log").read_text()
    assert SECRET not in at_debug
    assert '[DEBUG] uvicorn.access: 127.0.0.1:5 - "GET /status?apikey=*** HTTP/1.1" 200' in at_debug
    assert '[DEBUG] uvicorn.error: 127.0.0.1:6 - "WebSocket /ws?api_key=***" [accepted]' in at_debug
    assert "[INFO] uvicorn.error: Started server process [42]" in at_debug


@pytest.mark.usefixtures("restore_logging")
def test_alembic_plugin_lines_are_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger(PLUGIN_NOISE).info("setup plugin %s", "alembic.autogenerate.schemas")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade a -> b")
    console = capsys.readouterr().err
    assert "setup plugin" not in console
    assert "Running upgrade a -> b" in console


@pytest.mark.usefixtures("restore_logging")
def test_a_refused_start_leaves_the_garbage_collector_running(db_file: Path) -> None:
    execute(db_file, "UPDATE alembic_version SET version_num = 'ffffffffffff'")
    assert gc.isenabled()
    assert cli.main([]) != 0  # in-process: refused before serving
    assert gc.isenabled()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_what_exists_after_the_yt_dlp_warm_up_is_kept_out_of_collections() -> None:
    from main import freeze_heap

    kept = [[n] for n in range(1000)]  # tracked by the collector
    garbage = weakref.ref(_Cycle())  # unreachable, but only a collection frees it
    assert garbage() is not None
    before = gc.get_freeze_count()
    try:
        freeze_heap()
        assert gc.get_freeze_count() >= before + len(kept)
        assert garbage() is None  # collected first, not kept for the process's life
    finally:
        gc.unfreeze()


def test_head_is_read_without_alembic_as_alembic_reads_it(tmp_path: Path) -> None:
    assert head_without_alembic(SCRIPT_LOCATION) == head()
    copy = script_copy_with_revision(tmp_path, "pass")
    assert head_without_alembic(copy) == TEST_REVISION


def test_an_unclear_script_folder_is_left_to_alembic(tmp_path: Path) -> None:
    copy = script_copy_with_revision(tmp_path, "pass")
    (copy / "versions" / "branch.py").write_text(
        f'revision = "0123456789ab"\ndown_revision = {HOST_REVISION!r}\n'
    )
    assert head_without_alembic(copy) is None  # two heads
    (copy / "versions" / "branch.py").write_text("revision = make_one()\ndown_revision = None\n")
    assert head_without_alembic(copy) is None  # not a literal
    assert head_without_alembic(tmp_path / "nowhere") is None


def database_env() -> dict[str, str]:
    """What points a child at the test's database: its DATABASE_URL on PostgreSQL (on
    SQLite the child finds the file in its data folder)."""
    return {"DATABASE_URL": os.environ["DATABASE_URL"]} if on_postgresql() else {}


def run_python(code: str, env: dict[str, str]) -> str:
    """Run `code` in a fresh interpreter with backend/ importable; its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO / "backend",
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=WAIT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_a_database_at_head_is_checked_without_loading_alembic(data_dir: Path) -> None:
    code = (
        "import json, sys\n"
        "from core.base.database.migrate import upgrade_database\n"
        "state = upgrade_database()\n"
        "loaded = [m for m in ('alembic', 'alembic.autogenerate') if m in sys.modules]\n"
        "print(json.dumps([state.current, state.head, loaded]))\n"
    )
    current, at_head, loaded = json.loads(run_python(code, cli_env(data_dir, **database_env())))
    assert current == at_head == head()
    assert loaded == []


@pytest.mark.slow
@pytest.mark.sqlite_only(
    reason="the SQLite backup before the upgrade; pg_dump's is in test_postgresql.py"
)
def test_a_pending_migration_is_still_backed_up_and_applied(data_dir: Path, db_file: Path) -> None:
    command.downgrade(alembic_config(), HOST_REVISION)
    insert_media(db_file, "Kept")
    code = (
        "import json, sys\n"
        "from core.base.database.migrate import upgrade_database\n"
        "state = upgrade_database()\n"
        "print(json.dumps([state.current, 'alembic.autogenerate' in sys.modules]))\n"
    )
    current, alembic_loaded = json.loads(run_python(code, cli_env(data_dir, **database_env())))
    assert current == head()
    assert alembic_loaded  # the upgrade itself is Alembic's
    assert [title for (title,) in rows(db_file, "SELECT title FROM media")] == ["Kept"]
    assert len(list((data_dir / "backups").glob("*.db"))) == 1


@pytest.mark.slow
def test_importing_the_app_loads_no_heavy_library(tmp_path: Path) -> None:
    code = f"import json, sys, main\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    assert json.loads(run_python(code, cli_env(tmp_path / "data"))) == []


def wait_for_line(server: Server, text: str) -> str:
    """The server's console (stdout and stderr) once it holds `text`."""

    def console() -> str:
        log = server.log.read_text(errors="replace")
        return log if text in log else ""

    return wait_until(console, f"{text!r} on the console of trailarr")


@pytest.mark.slow
def test_real_start_at_head_is_quiet_and_says_where_it_serves(
    tmp_path: Path, server_factory: type[Server], data_dir: Path
) -> None:
    server = server_factory(data_dir, tmp_path / "server.log", **database_env())
    server.wait_ready()
    console = wait_for_line(server, cli.READY)
    assert f"{cli.READY}http://localhost:{server.port}\n" in console
    assert console.count(cli.READY) == 1
    assert PLUGIN_NOISE not in console
    assert "Database is up to date" in console
    code, _ = server.terminate()
    assert code == 0


@pytest.mark.slow
@pytest.mark.sqlite_only(
    reason="the SQLite backup before the upgrade; pg_dump's is in test_postgresql.py"
)
def test_real_start_with_a_pending_migration_backs_up_and_stays_quiet(
    tmp_path: Path, server_factory: type[Server], data_dir: Path, db_file: Path
) -> None:
    command.downgrade(alembic_config(), HOST_REVISION)
    server = server_factory(data_dir, tmp_path / "server.log", **database_env())
    server.wait_ready()
    console = wait_for_line(server, cli.READY)
    assert "Upgrading the database from b213e0443c1b" in console
    assert PLUGIN_NOISE not in console
    assert current_revision(db_file) == head()
    assert len(list((data_dir / "backups").glob("*.db"))) == 1
    code, _ = server.terminate()
    assert code == 0


@pytest.mark.slow
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_real_requests_are_logged_at_debug_only_and_redacted(
    tmp_path: Path, server_factory: type[Server], data_dir: Path, level: str
) -> None:
    server = server_factory(data_dir, tmp_path / "server.log", LOG_LEVEL=level, **database_env())
    server.wait_ready()
    for _ in range(3):
        answer = httpx.get(f"{server.base}/status?apikey={SECRET}", timeout=HTTP_TIMEOUT)
        assert answer.status_code == 200
    code, _ = server.terminate()
    assert code == 0
    console = server.log.read_text(errors="replace")
    log_file = (data_dir / "logs" / "trailarr.log").read_text(errors="replace")
    for text in (console, log_file):
        assert SECRET not in text
        assert "[INFO] uvicorn.access" not in text
        if level == "DEBUG":
            assert text.count('"GET /status?apikey=*** HTTP/1.1" 200') >= 3
            assert "[DEBUG] uvicorn.access" in text
        else:
            assert "GET /status" not in text
