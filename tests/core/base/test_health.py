"""Whether the database can be written: the start-up check and the degraded state."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, InternalError, OperationalError

from config import get_settings
from core.base import health as health_module
from core.base.database.engine import reset_engine, single_read
from core.base.database.manager.task import TaskManager
from core.base.database.models.base import utc_now
from core.base.health import (
    DatabaseNotWritableError,
    check_database_writable,
    health,
    sqlite_file,
    write_failure_reason,
)
from tests.utils.factories import make_download


def read_only_url(db: Path) -> str:
    """The database opened read-only by SQLite itself: root cannot write it either."""
    return f"sqlite:///file:{db}?mode=ro&uri=true"


def use_database(monkeypatch: pytest.MonkeyPatch, url: str | None) -> None:
    if url is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", url)
    reset_engine()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def fresh_health() -> Iterator[None]:
    health.reset()
    yield
    health.reset()


def wrapped(message: str) -> OperationalError:
    """A SQLite error as SQLAlchemy raises it."""
    return OperationalError("INSERT INTO media ...", {}, sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    "message",
    ["attempt to write a readonly database", "database or disk is full", "disk I/O error"],
)
def test_errors_that_mean_the_database_cannot_be_written(message: str) -> None:
    assert write_failure_reason(wrapped(message)) == message
    assert write_failure_reason(sqlite3.OperationalError(message)) == message


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (psycopg.errors.ReadOnlySqlTransaction, "read-only (read_only_sql_transaction)"),
        (psycopg.errors.DiskFull, "disk is full (disk_full)"),
        (psycopg.errors.InsufficientPrivilege, "may not write (insufficient_privilege)"),
    ],
)
def test_postgresql_refusals_of_writes_are_known_by_their_sqlstate(
    error: type[psycopg.Error], reason: str
) -> None:
    wrapped_error = InternalError("INSERT INTO media ...", {}, error("refused"))
    assert reason in (write_failure_reason(wrapped_error) or "")
    assert write_failure_reason(psycopg.errors.UniqueViolation("duplicate")) is None
    assert write_failure_reason(psycopg.errors.SerializationFailure("retry")) is None


def test_other_errors_are_not_write_failures() -> None:
    assert write_failure_reason(wrapped("database is locked")) is None
    assert write_failure_reason(wrapped("no such table: media")) is None
    integrity = IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert write_failure_reason(integrity) is None
    assert write_failure_reason(ValueError("attempt to write a readonly database")) is None


def test_sqlite_file_of_plain_and_uri_urls(tmp_path: Path) -> None:
    db = tmp_path / "trailarr.db"
    assert sqlite_file(f"sqlite:///{db}") == db
    assert sqlite_file(read_only_url(db)) == db
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql://u:p@localhost/trailarr") is None


def test_a_writable_database_passes_the_check(db_file: Path) -> None:
    check_database_writable()
    assert db_file.exists()


def test_a_database_that_refuses_writes_fails_the_check(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(monkeypatch, read_only_url(db_file))

    with pytest.raises(DatabaseNotWritableError) as refused:
        check_database_writable()

    message = str(refused.value)
    assert message.startswith(f"the database {db_file} is not writable")
    assert "attempt to write a readonly database" in message
    assert "owner/permissions" in message


def test_opening_a_write_transaction_is_not_proof_of_writability(db_file: Path) -> None:
    """Why the check commits a write: SQLite grants BEGIN IMMEDIATE on a read-only database."""
    connection = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            connection.execute("PRAGMA user_version = 0")
    finally:
        connection.close()


@pytest.mark.sqlite_only(
    reason="the permissions of SQLite's file and folder; a PostgreSQL server keeps its own files"
)
@pytest.mark.parametrize("unwritable", ["file", "folder"])
def test_a_file_or_folder_the_process_may_not_write_fails_the_check(
    db_file: Path, monkeypatch: pytest.MonkeyPatch, unwritable: str
) -> None:
    # The tests run as root, whom permissions do not stop: os.access answers as for a
    # process of another user after a restore that changed the owner.
    target = db_file if unwritable == "file" else db_file.parent
    real_access = os.access

    def access(path: str | os.PathLike[str], mode: int, **kwargs: object) -> bool:
        if Path(str(path)) == target and mode == os.W_OK:
            return False
        return real_access(path, mode)

    monkeypatch.setattr(health_module.os, "access", access)

    with pytest.raises(DatabaseNotWritableError, match=f"its {unwritable} {target} cannot be"):
        check_database_writable()


def test_degraded_until_a_probe_write_succeeds(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probes: list[bool] = []
    real_probe = health_module.probe_write

    def counted_probe() -> None:
        probes.append(True)
        real_probe()

    monkeypatch.setattr(health_module, "probe_write", counted_probe)
    assert health.current().ok
    assert probes == []  # healthy: no probe write

    health.record_write_failure("attempt to write a readonly database")
    assert health.current().reason == "attempt to write a readonly database"
    assert probes == []  # a probe was not due yet: the failure itself was the last news

    monkeypatch.setattr(health_module, "PROBE_INTERVAL_SECONDS", 0.0)
    use_database(monkeypatch, read_only_url(db_file))
    assert health.current().reason == "attempt to write a readonly database"
    assert len(probes) == 1  # the probe wrote for real and failed

    use_database(monkeypatch, None)
    assert health.current().ok
    assert len(probes) == 2


def test_a_write_refused_outside_any_request_marks_the_app_degraded(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheduled task recording its start (or a download recording its trailer): no
    request's error handler sees it, the engine does."""
    monkeypatch.setattr(health_module, "PROBE_INTERVAL_SECONDS", 3600.0)  # no probe meanwhile
    use_database(monkeypatch, read_only_url(db_file))
    with pytest.raises(OperationalError, match="readonly"):
        TaskManager().record_start("reconcile", utc_now())
    assert health.current().reason == "attempt to write a readonly database"


def test_other_database_errors_leave_the_app_healthy() -> None:
    with pytest.raises(IntegrityError):  # a media that does not exist: a foreign key
        make_download(987654)
    with pytest.raises(DBAPIError, match="no_such_table"), single_read() as connection:
        connection.exec_driver_sql("SELECT * FROM no_such_table")
    assert health.current().ok
