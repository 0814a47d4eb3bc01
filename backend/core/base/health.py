"""Whether the database can be written: the start-up check and the state behind GET /status.

A database that can be read but not written (a wrong owner after a restore, a full disk, a
read-only mount) lets the app start and answer reads, while every change fails. Start-up
refuses such a database (`check_database_writable`); a write that fails that way while the
app runs marks it degraded (`health.record_write_failure`), and `health.current()` probes
again, at most once every `PROBE_INTERVAL_SECONDS`, until a write succeeds. Every engine's
errors are watched (`_watch_engine_errors`): a write refused in a request, a scheduled task,
a download's recording or any other background work marks it alike.

The probe is a real write that commits: on SQLite, `PRAGMA user_version` set to its own
value (opening a transaction is not enough: SQLite grants `BEGIN IMMEDIATE` on a read-only
connection and only refuses the first page it has to write); on PostgreSQL, the revision
row of `alembic_version` set to itself. PostgreSQL's refusals are known by their SQLSTATE:
a read-only transaction or server (a standby, `default_transaction_read_only`), a full disk,
or a role that lost its write privilege.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, ExceptionContext, make_url

from app_logger import ModuleLogger
from config import get_settings
from core.base.database.engine import get_write_engine
from core.notify.bus import ConnectEvent, ConnectEventKind, bus

logger = ModuleLogger("Health")

PROBE_INTERVAL_SECONDS = 10.0
"""While degraded, GET /status tries a write at most this often."""

_WRITE_FAILURES = {
    "SQLITE_READONLY": "attempt to write a readonly database",
    "SQLITE_FULL": "database or disk is full",
    "SQLITE_IOERR": "disk I/O error",
}
"""SQLite errors that mean the database cannot be written, by error name and message."""


class DatabaseNotWritableError(RuntimeError):
    """The database cannot be written; the message says which file and why."""


_POSTGRESQL_WRITE_FAILURES = {
    "25006": "the database is read-only (read_only_sql_transaction)",
    "53100": "the database server's disk is full (disk_full)",
    "42501": "the database role may not write (insufficient_privilege)",
}
"""SQLSTATE codes meaning that PostgreSQL refuses writes."""


def write_failure_reason(error: BaseException) -> str | None:
    """The reason when `error` (or what it wraps) means the database cannot be written."""
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    sqlstate = getattr(orig, "sqlstate", None)  # psycopg's errors carry it
    if isinstance(sqlstate, str):
        return _POSTGRESQL_WRITE_FAILURES.get(sqlstate)
    if not isinstance(orig, sqlite3.DatabaseError):
        return None
    name = getattr(orig, "sqlite_errorname", "") or ""
    message = str(orig)
    for code, known in _WRITE_FAILURES.items():
        if name.startswith(code) or known in message:
            return message or known
    return None


def sqlite_file(url: str) -> Path | None:
    """The SQLite file of a database URL (a `file:` URI included), or None."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        database = urlsplit(database).path
    return Path(database)


def probe_write() -> None:
    """Commit one harmless write: a value set to the value it has."""
    if not get_settings().db_url.startswith("sqlite"):
        with get_write_engine().begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
        return
    with get_write_engine().begin() as connection:
        version = int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)
        connection.exec_driver_sql(f"PRAGMA user_version = {version}")


def check_database_writable() -> None:
    """Raise DatabaseNotWritableError unless the database file, its folder and a write work."""
    url = get_settings().db_url
    path = sqlite_file(url)
    where = str(path) if path is not None else get_settings().db_url_without_password
    fix = "fix its owner/permissions, or free disk space"
    if path is not None:
        for target, what in ((path, "file"), (path.parent, "folder")):
            if target.exists() and not os.access(target, os.W_OK):
                raise DatabaseNotWritableError(
                    f"the database {where} is not writable (its {what} {target} cannot be "
                    f"written: wrong owner or a read-only file system?): {fix}"
                )
    try:
        probe_write()
    except sa_exc.DBAPIError as exc:
        reason = write_failure_reason(exc)
        if reason is None:
            raise
        raise DatabaseNotWritableError(
            f"the database {where} is not writable ({reason}; read-only file system?): {fix}"
        ) from exc


@dataclass(frozen=True)
class Health:
    """What GET /status reports: `reason` says why writes fail, None when they work."""

    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


class HealthState:
    """The last database write failure, until a write succeeds again (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._last_probe = 0.0

    def record_write_failure(self, reason: str) -> None:
        with self._lock:
            if self._reason is None:
                logger.error(f"The database cannot be written: {reason}")
                bus.publish(
                    ConnectEvent(
                        kind=ConnectEventKind.HEALTH,
                        message=f"The database cannot be written: {reason}",
                    )
                )
            self._reason = reason
            self._last_probe = time.monotonic()

    def record_write_success(self) -> None:
        with self._lock:
            if self._reason is not None:
                logger.info("The database can be written again")
            self._reason = None

    def known(self) -> Health | None:
        """The health when no probe is due (it never touches the database): None when one
        is, and then `current` probes."""
        with self._lock:
            due = (
                self._reason is not None
                and time.monotonic() - self._last_probe >= PROBE_INTERVAL_SECONDS
            )
            return None if due else Health(self._reason)

    def current(self) -> Health:
        """The health now; while degraded, probes with a write when one is due (blocking)."""
        with self._lock:
            reason = self._reason
            due = time.monotonic() - self._last_probe >= PROBE_INTERVAL_SECONDS
            if reason is None or not due:
                return Health(reason)
            self._last_probe = time.monotonic()
        try:
            probe_write()
        except sa_exc.DBAPIError as exc:
            failure = write_failure_reason(exc)
            if failure is None:  # busy or something else: no news about writability
                logger.warning(f"The database write probe failed: {exc}")
                return Health(reason)
            self.record_write_failure(failure)
            return Health(failure)
        self.record_write_success()
        return Health()

    def reset(self) -> None:
        with self._lock:
            self._reason = None
            self._last_probe = 0.0


health = HealthState()


@event.listens_for(Engine, "handle_error")
def _watch_engine_errors(context: ExceptionContext) -> None:
    """Any engine's error that means the database cannot be written (see
    `write_failure_reason`) marks the app degraded, wherever the write was: the error itself
    goes on to its caller unchanged."""
    reason = write_failure_reason(context.original_exception)
    if reason is not None:
        health.record_write_failure(reason)
