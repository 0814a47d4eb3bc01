"""The `trailarr` command: settings errors, failed and refused upgrades, a real run.

Most tests run the command as a child process, as a user or a container would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import cli
from core.base.database.migrate import SCRIPT_LOCATION_ENV
from tests.utils.db import execute, insert_media, set_journal_mode
from tests.utils.migrations import (
    FAILING_BODY,
    TEST_REVISION,
    current_revision,
    head,
    script_copy_with_revision,
)
from tests.utils.net import free_port
from tests.utils.wait import WAIT_SECONDS, wait_until

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "backend" / "cli.py"
HTTP_TIMEOUT = 60


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `trailarr` child: ours without the app's variables, plus these."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("APP_", "TRAILARR_")) and key not in {"DATABASE_URL", "LOG_LEVEL"}
    }
    env["APP_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run_cli(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CLI)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=WAIT_SECONDS,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("port", ["70000", "abc"])
def test_bad_app_port_stops_start_up_with_one_line(tmp_path: Path, port: str) -> None:
    result = run_cli(cli_env(tmp_path / "cli-data", APP_PORT=port))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "APP_PORT" in lines[0]
    assert port in lines[0]
    assert not (tmp_path / "cli-data" / "trailarr.db").exists()


@pytest.mark.slow
def test_unusable_app_data_dir_stops_start_up_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli(cli_env(blocker / "data"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "APP_DATA_DIR" in lines[0]


@pytest.mark.slow
def test_failed_migration_exits_non_zero_and_leaves_the_database_as_it_was(
    tmp_path: Path, migrated_db_template: Path
) -> None:
    data = tmp_path / "app-data"
    data.mkdir()
    db = data / "trailarr.db"
    shutil.copyfile(migrated_db_template, db)
    insert_media(db, "Untouched")
    set_journal_mode(db, "wal")
    original = db.read_bytes()
    location = script_copy_with_revision(tmp_path, FAILING_BODY)

    result = run_cli(cli_env(data, **{SCRIPT_LOCATION_ENV: str(location)}))

    assert result.returncode != 0
    assert "database migration failed: boom from the test migration" in result.stderr
    assert db.read_bytes() == original
    assert current_revision(db) == head() != TEST_REVISION
    assert len(list((data / "backups").glob("*.db"))) == 1


@pytest.mark.usefixtures("restore_logging")
def test_database_at_an_unknown_revision_is_refused(
    db_file: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    execute(db_file, "UPDATE alembic_version SET version_num = 'ffffffffffff'")
    original = db_file.read_bytes()

    code = cli.main()  # in-process: it returns before serving

    assert code != 0
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("trailarr: the database is at revision ffffffffffff")
    assert "does not know" in message
    assert db_file.read_bytes() == original
    assert not (data_dir / "backups").exists()


class Server:
    """A `trailarr` child process serving on a free port."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(CLI)],
                env=cli_env(data_dir, APP_HOST="127.0.0.1", APP_PORT=str(self.port)),
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> None:
        def answers() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"trailarr exited early:\n{self.log.read_text(errors='replace')}")
            try:
                return httpx.get(f"{self.base}/status", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answers, f"an answer from trailarr (log: {self.log})", interval=0.1)

    def terminate(self) -> tuple[int, float]:
        """SIGTERM, then the exit code and how long the process took to stop."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=WAIT_SECONDS)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT_SECONDS)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[type[Server]]:
    started: list[Server] = []

    class _Server(Server):
        def __init__(self, data_dir: Path, log: Path) -> None:
            super().__init__(data_dir, log)
            started.append(self)

    yield _Server
    for server in started:
        server.kill()


@pytest.mark.slow
def test_real_start_serves_stops_on_sigterm_and_keeps_data_on_restart(
    tmp_path: Path, server_factory: type[Server]
) -> None:
    data = tmp_path / "empty-data"
    data.mkdir()

    first = server_factory(data, tmp_path / "first.log")
    first.wait_ready()
    assert (data / "trailarr.db").exists()
    assert current_revision(data / "trailarr.db") == head()
    key = (data / "api_key").read_text().strip()
    assert key
    status = httpx.get(f"{first.base}/status", timeout=HTTP_TIMEOUT)
    assert status.json()["status"] == "ok"
    docs = httpx.get(f"{first.base}/docs", timeout=HTTP_TIMEOUT)
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert httpx.get(f"{first.base}/api/v1/media", timeout=HTTP_TIMEOUT).status_code == 401
    headers = {"X-API-KEY": key}
    created = httpx.post(
        f"{first.base}/api/v1/media",
        json={"title": "Survivor", "year": 2021, "is_movie": True, "folder_path": "/m/s"},
        headers=headers,
        timeout=HTTP_TIMEOUT,
    )
    assert created.status_code == 201, created.text
    profiles = httpx.get(
        f"{first.base}/api/v1/trailerprofiles", headers=headers, timeout=HTTP_TIMEOUT
    )
    assert [p["name"] for p in profiles.json()] == ["Default"]
    code, took = first.terminate()
    assert code == 0, first.log.read_text(errors="replace")
    assert took < 60  # it stops on its own, well before it would be killed
    assert (data / "logs" / "trailarr.log").stat().st_size > 0

    second = server_factory(data, tmp_path / "second.log")
    second.wait_ready()
    media = httpx.get(
        f"{second.base}/api/v1/media/{created.json()['id']}", headers=headers, timeout=HTTP_TIMEOUT
    )
    assert media.status_code == 200
    assert media.json()["title"] == "Survivor"
    profiles = httpx.get(
        f"{second.base}/api/v1/trailerprofiles", headers=headers, timeout=HTTP_TIMEOUT
    )
    assert [p["name"] for p in profiles.json()] == ["Default"]
    code, _ = second.terminate()
    assert code == 0
    assert not (data / "backups").exists()  # never pending: a new database, then at head
