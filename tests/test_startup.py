"""Start-up: settings errors, backup before upgrade, failed and refused upgrades, a real run."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from alembic import command

import cli
from core.base.database import migrate
from core.base.database.engine import reset_engine
from core.base.database.migrate import (
    BACKUPS_KEPT,
    SCRIPT_LOCATION_ENV,
    MigrationError,
    alembic_config,
    backup_sqlite,
    restore_sqlite,
    upgrade_database,
)
from tests.test_migrations import (
    HOST_REVISION,
    TEST_REVISION,
    current_revision,
    head,
    script_copy_with_revision,
    snapshot,
)

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "backend" / "cli.py"
FAILING_BODY = """
op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True))
op.execute("UPDATE media SET title = 'changed'")
raise RuntimeError("boom from the test migration")
"""


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


def run_cli(env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CLI)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )


def insert_media(db: Path, title: str) -> None:
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(
            "INSERT INTO media (title, year, is_movie, folder_path, monitor, status, added_at,"
            " updated_at) VALUES (?, 2020, 1, '/m', 0, 'missing', '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00')",
            (title,),
        )
        conn.commit()


def set_journal_mode(db: Path, mode: str) -> None:
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute(f"PRAGMA journal_mode={mode}").fetchone()[0] == mode


@pytest.fixture
def db_file(data_dir: Path) -> Path:
    return data_dir / "trailarr.db"


@pytest.fixture
def host_revision_db(db_file: Path) -> Iterator[Path]:
    """The test's database taken back to the host schema, with one media row."""
    command.downgrade(alembic_config(f"sqlite:///{db_file}"), HOST_REVISION)
    insert_media(db_file, "Kept Across Upgrade")
    yield db_file
    reset_engine()


@pytest.mark.parametrize("port", ["70000", "abc"])
def test_bad_app_port_stops_start_up_with_one_line(tmp_path: Path, port: str) -> None:
    result = run_cli(cli_env(tmp_path / "cli-data", APP_PORT=port))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "APP_PORT" in lines[0]
    assert port in lines[0]
    assert not (tmp_path / "cli-data" / "trailarr.db").exists()


def test_unusable_app_data_dir_stops_start_up_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli(cli_env(blocker / "data"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "APP_DATA_DIR" in lines[0]


def test_backup_is_made_before_a_pending_upgrade(host_revision_db: Path, data_dir: Path) -> None:
    state = upgrade_database()

    assert state.current == head()
    assert current_revision(host_revision_db) == head()
    backups = list((data_dir / "backups").glob("trailarr-*.db"))
    assert len(backups) == 1
    assert HOST_REVISION in backups[0].name
    assert current_revision(backups[0]) == HOST_REVISION
    assert [m["title"] for m in snapshot(backups[0])["media"]] == ["Kept Across Upgrade"]
    assert [m["title"] for m in snapshot(host_revision_db)["media"]] == ["Kept Across Upgrade"]


def test_no_backup_for_a_new_database_or_one_already_at_head(
    tmp_path: Path, db_file: Path, data_dir: Path
) -> None:
    upgrade_database()  # already at head
    new_db = tmp_path / "new" / "trailarr.db"
    new_db.parent.mkdir()
    state = upgrade_database(f"sqlite:///{new_db}")

    assert state.current == head()
    assert current_revision(new_db) == head()
    assert not (data_dir / "backups").exists()


def test_backups_keep_the_newest_ten(host_revision_db: Path, data_dir: Path) -> None:
    backups_dir = data_dir / "backups"
    backups_dir.mkdir()
    old = [backups_dir / f"trailarr-2020010{n}T000000000000Z-old.db" for n in range(BACKUPS_KEPT)]
    for path in old:
        path.write_bytes(b"")

    upgrade_database()

    kept = sorted(p.name for p in backups_dir.iterdir())
    assert len(kept) == BACKUPS_KEPT
    assert old[0].name not in kept
    assert old[-1].name in kept
    assert kept[-1].endswith(f"-{HOST_REVISION}.db")

    made = [backup_sqlite(host_revision_db, backups_dir, f"n{n:02d}") for n in range(12)]
    assert sorted(backups_dir.iterdir()) == made[-BACKUPS_KEPT:]


def test_restore_puts_back_the_backup_content(db_file: Path, tmp_path: Path) -> None:
    insert_media(db_file, "Before")
    backup = backup_sqlite(db_file, tmp_path / "backups", "label")
    insert_media(db_file, "After")
    restore_sqlite(backup, db_file)
    assert [m["title"] for m in snapshot(db_file)["media"]] == ["Before"]


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_failed_upgrade_leaves_the_file_byte_identical(
    tmp_path: Path,
    db_file: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    journal_mode: str,
) -> None:
    insert_media(db_file, "Untouched")
    set_journal_mode(db_file, journal_mode)
    original = db_file.read_bytes()
    monkeypatch.setenv(SCRIPT_LOCATION_ENV, str(script_copy_with_revision(tmp_path, FAILING_BODY)))

    with pytest.raises(MigrationError, match="boom from the test migration"):
        upgrade_database()

    assert db_file.read_bytes() == original
    assert len(list((data_dir / "backups").glob("*.db"))) == 1


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_failed_upgrade_that_changed_the_file_is_put_back_byte_identical(
    host_revision_db: Path, monkeypatch: pytest.MonkeyPatch, journal_mode: str
) -> None:
    set_journal_mode(host_revision_db, journal_mode)
    original = host_revision_db.read_bytes()

    def half_done(config: object, revision: str) -> None:
        with closing(sqlite3.connect(host_revision_db)) as conn:
            conn.execute("UPDATE media SET title = 'half-way'")
            conn.execute("DROP TABLE connection")
            conn.commit()
        raise RuntimeError("crashed half-way")

    monkeypatch.setattr(migrate.command, "upgrade", half_done)
    with pytest.raises(MigrationError, match="crashed half-way"):
        upgrade_database()

    assert host_revision_db.read_bytes() == original
    assert not list(host_revision_db.parent.glob("*.pre-upgrade"))


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


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """`cli.main()` configures logging for the process; put the test's logging back."""
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


@pytest.mark.usefixtures("restore_logging")
def test_database_at_an_unknown_revision_is_refused(
    db_file: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with closing(sqlite3.connect(db_file)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
        conn.commit()
    original = db_file.read_bytes()

    code = cli.main()  # in-process: it returns before serving

    assert code != 0
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("trailarr: the database is at revision ffffffffffff")
    assert "does not know" in message
    assert db_file.read_bytes() == original
    assert not (data_dir / "backups").exists()


def test_a_file_that_is_not_a_database_is_refused_clearly(data_dir: Path, db_file: Path) -> None:
    db_file.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(MigrationError, match="cannot read the database revision"):
        upgrade_database()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


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

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"trailarr exited early:\n{self.log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.base}/status", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"trailarr did not answer in {timeout}s:\n{self.log.read_text()}")

    def terminate(self, timeout: float = 15) -> tuple[int, float]:
        """SIGTERM, then the exit code and how long the process took to stop."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


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
    status = httpx.get(f"{first.base}/status", timeout=10)
    assert status.json()["status"] == "ok"
    docs = httpx.get(f"{first.base}/docs", timeout=10)
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert httpx.get(f"{first.base}/api/v1/media", timeout=10).status_code == 401
    headers = {"X-API-KEY": key}
    created = httpx.post(
        f"{first.base}/api/v1/media",
        json={"title": "Survivor", "year": 2021, "is_movie": True, "folder_path": "/m/s"},
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    profiles = httpx.get(f"{first.base}/api/v1/trailerprofiles", headers=headers, timeout=10)
    assert [p["name"] for p in profiles.json()] == ["Default"]
    code, took = first.terminate()
    assert code == 0, first.log.read_text(errors="replace")
    assert took < 10
    assert (data / "logs" / "trailarr.log").stat().st_size > 0

    second = server_factory(data, tmp_path / "second.log")
    second.wait_ready()
    media = httpx.get(f"{second.base}/api/v1/media/{created.json()['id']}", headers=headers)
    assert media.status_code == 200
    assert media.json()["title"] == "Survivor"
    profiles = httpx.get(f"{second.base}/api/v1/trailerprofiles", headers=headers, timeout=10)
    assert [p["name"] for p in profiles.json()] == ["Default"]
    code, _ = second.terminate()
    assert code == 0
    assert not (data / "backups").exists()  # never pending: a new database, then at head
