"""Taking a backup: a consistent copy while the app writes, one at a time, pg_dump on
PostgreSQL, and the scheduled `backup` task run by the task runner like the others."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config import get_settings
from core.backup import take
from core.backup.errors import BackupError
from core.backup.files import BackupKind, BackupSettingsUpdate, list_backups, update_settings
from core.backup.take import take_backup
from tests.conftest import reset_app_state
from tests.utils.api import TEST_API_KEY
from tests.utils.db import connect, set_journal_mode
from tests.utils.factories import make_media
from tests.utils.wait import wait_until

BATCH = 50
PADDING = 1000


@pytest.fixture
def on_postgresql_here(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> Iterator[str]:
    """The app on a PostgreSQL database of its own (whatever engine the suite runs on)."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_app_state()
    yield postgres_url
    reset_app_state()


class Writer(threading.Thread):
    """Writes batches of BATCH rows, one transaction each, until stopped."""

    def __init__(self, db: Path) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.committed = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with connect(self.db) as conn:
                conn.execute("PRAGMA busy_timeout = 30000")
                conn.execute("PRAGMA wal_autocheckpoint = 0")  # rows stay in the WAL
                while not self.stop.is_set():
                    batch = self.committed + 1
                    with conn:  # one transaction
                        conn.executemany(
                            "INSERT INTO batch_check (batch, n, padding) VALUES (?, ?, ?)",
                            [(batch, n, b"p" * PADDING) for n in range(BATCH)],
                        )
                    self.committed = batch
        except BaseException as exc:
            self.error = exc


def batches(backup: Path) -> dict[int, int]:
    with connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return dict(conn.execute("SELECT batch, count(*) FROM batch_check GROUP BY batch"))


@pytest.mark.sqlite_only(reason="SQLite's online backup of the database file")
def test_a_backup_taken_while_rows_are_written_is_consistent(db_file: Path) -> None:
    set_journal_mode(db_file, "wal")  # as the app runs it
    with connect(db_file) as conn:
        conn.execute("CREATE TABLE batch_check (batch INTEGER, n INTEGER, padding BLOB)")
        conn.commit()
    writer = Writer(db_file)
    writer.start()
    try:
        wait_until(lambda: writer.committed >= 20 or writer.error, "rows written")
        taken = []
        for _ in range(5):
            before = writer.committed
            backup = take_backup(BackupKind.MANUAL)
            taken.append((before, get_settings().backups_dir / backup.name))
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None, writer.error

    for committed_before, path in taken:
        counts = batches(path)
        # Every batch whole (one commit or none of it), and nothing committed before the
        # backup began is missing (a copy of the file alone would miss what is in the WAL).
        assert set(counts.values()) == {BATCH}
        assert set(range(1, committed_before + 1)) <= set(counts)
        assert sorted(counts) == list(range(1, max(counts) + 1))
    assert writer.committed > taken[-1][0]  # the writer went on while backups were taken


@pytest.mark.slow  # pg_dump, when the suite runs on PostgreSQL
def test_only_the_newest_scheduled_and_manual_backups_are_kept() -> None:
    update_settings(BackupSettingsUpdate(keep=3))
    made = [take_backup(BackupKind.SCHEDULED if n % 2 else BackupKind.MANUAL) for n in range(5)]

    listed = [b.name for b in list_backups()]

    assert listed == [b.name for b in reversed(made[-3:])]


def test_a_backup_while_one_is_being_taken_is_a_conflict() -> None:
    with take._running, pytest.raises(BackupError) as refused:
        take_backup(BackupKind.MANUAL)
    assert refused.value.status_code == 409
    assert "being taken already" in refused.value.detail
    assert list_backups() == []


@pytest.mark.sqlite_only(reason="the SQLite database file")
def test_a_missing_database_file_is_not_made_by_the_backup(db_file: Path) -> None:
    db_file.unlink()

    with pytest.raises(BackupError, match="no database file"):
        take_backup(BackupKind.MANUAL)

    assert not db_file.exists()
    assert list_backups() == []


@pytest.mark.sqlite_only(reason="the SQLite database file")
def test_a_failed_copy_leaves_nothing_half_written(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: Any) -> Path:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(take, "backup_sqlite", fail)

    with pytest.raises(BackupError, match="disk I/O error"):
        take_backup(BackupKind.MANUAL)

    assert list(get_settings().backups_dir.iterdir()) == []


@pytest.mark.slow  # pg_dump and pg_restore
def test_postgresql_is_backed_up_with_pg_dump(on_postgresql_here: str) -> None:
    make_media(title="In The Dump")

    backup = take_backup(BackupKind.MANUAL)

    assert backup.name.endswith("-manual.pgdump") and backup.format == "pgdump"
    path = get_settings().backups_dir / backup.name
    listing = subprocess.run(
        ["pg_restore", "--list", str(path)], capture_output=True, text=True, check=True
    )
    assert "TABLE DATA public media" in listing.stdout
    contents = subprocess.run(
        ["pg_restore", "--data-only", "--table=media", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "In The Dump" in contents.stdout


def wait_idle(client: TestClient, name: str) -> dict[str, Any]:
    def idle() -> dict[str, Any] | None:
        state: dict[str, Any] = client.get(f"/api/v1/tasks/{name}").json()
        return None if state["running"] else state

    return wait_until(idle, f"the end of task {name}", interval=0.02)


@pytest.mark.slow  # pg_dump on PostgreSQL
def test_the_backup_task_runs_through_the_task_runner(client: TestClient) -> None:
    task = client.get("/api/v1/tasks/backup").json()
    assert task["enabled"] is True and task["interval_minutes"] == 7 * 24 * 60

    assert client.post("/api/v1/tasks/backup").status_code == 202
    state = wait_idle(client, "backup")

    assert state["last_error"] is None
    [backup] = list_backups()
    assert backup.type == BackupKind.SCHEDULED
    assert state["last_summary"] == {"name": backup.name, "size": backup.size, "removed": []}


@pytest.mark.slow  # a database server
def test_without_pg_dump_the_task_fails_with_a_clear_message(
    on_postgresql_here: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from main import app

    monkeypatch.setenv("PATH", "/nonexistent")
    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as client:
        assert client.post("/api/v1/tasks/backup").status_code == 202
        state = wait_idle(client, "backup")
        refused = client.post("/api/v1/backups")

    assert state["last_error"].startswith("BackupError: pg_dump is not on PATH")
    assert refused.status_code == 409
    assert "pg_dump is not on PATH" in refused.json()["detail"]
    assert list_backups() == []
