"""The database engine and sessions.

SQLite connections enforce foreign keys, use WAL with `synchronous=NORMAL` and a busy
timeout, and run real transactions: SQLAlchemy emits BEGIN itself (deferred for readers,
IMMEDIATE for writers), so that DDL is transactional and concurrent writers wait for each
other instead of failing with "database is locked".

PostgreSQL keeps the same discipline. Its default isolation, READ COMMITTED, lets two
writers that read then write (count the attempts, then store one more; look for a record,
then insert it) interleave and lose an update. So a writer's transaction first takes one
transaction-scoped advisory lock (`WRITER_LOCK`), held until its COMMIT or ROLLBACK:
writers run one at a time, each seeing everything the one before it committed, exactly as
under SQLite's BEGIN IMMEDIATE. Readers take no lock and never wait; their transactions
are REPEATABLE READ, so that the statements of one read see one state, as a read
transaction does on SQLite (a read-only transaction there never fails to serialize). The
unique indexes (one present record per path, one wanted row per media and profile, ...)
stay the second guard, for a write made outside `write_session`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from config import get_settings
from core.base.database.models.download import declare_postgresql_forms

BUSY_TIMEOUT_MS = 30_000
POOL_SIZE = 10
"""PostgreSQL connections kept open: the worker threads that read and write at once (the
web requests, a task, the downloads) rarely need more."""
POOL_OVERFLOW = 20
"""More connections opened for a burst (20 clients reading the history), then closed."""
WRITER_LOCK = 0x7472_6C72_7772_6974
"""The key of PostgreSQL's advisory lock that a writer's transaction holds (any 64-bit
number no other program on the database uses; these are the bytes of "trlrwrit")."""
WRITER_LOCK_TIMEOUT = f"{BUSY_TIMEOUT_MS}ms"
"""How long a PostgreSQL writer waits for the lock (or a row lock) before it fails: as
SQLite's busy timeout."""
READER_ISOLATION = "REPEATABLE READ"
WRITER_ISOLATION = "READ COMMITTED"
"""A PostgreSQL writer's statements each see the latest commits: its snapshot must not be
older than the moment it got the writers' lock."""
_IMMEDIATE = "trailarr_begin_immediate"
_NO_BEGIN = "trailarr_no_begin"

_lock = threading.Lock()
_engine: Engine | None = None
_write_engine: Engine | None = None


def create_db_engine(
    url: str, *, foreign_keys: bool = True, pooled: bool = True, wal: bool = True
) -> Engine:
    """An engine for `url`; SQLite connections get the pragmas and explicit BEGIN.

    `wal=False` leaves the file's journal mode as it is (the migrations use it, so that an
    upgrade that fails leaves the file byte for byte as it was).
    """
    if not url.startswith("sqlite"):
        declare_postgresql_forms()
        if not pooled:
            return create_engine(url, poolclass=NullPool)
        engine = create_engine(
            url,
            pool_pre_ping=True,  # a server restarted meanwhile: reconnect, not an error
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=30,
            isolation_level=READER_ISOLATION,
        )

        @event.listens_for(engine, "begin")
        def _on_begin_postgresql(conn: Any) -> None:
            if conn.get_execution_options().get(_IMMEDIATE, False):
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITER_LOCK_TIMEOUT}'")
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")

        return engine
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    }
    if not pooled:
        kwargs["poolclass"] = NullPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module (BEGIN is emitted below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if wal and ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(_NO_BEGIN, False):
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_IMMEDIATE, False) else "BEGIN")

    return engine


def get_engine() -> Engine:
    """The app's engine for the configured database, made on first use."""
    global _engine, _write_engine
    with _lock:
        if _engine is None:
            _engine = create_db_engine(get_settings().db_url)
            writer: dict[str, Any] = {_IMMEDIATE: True}
            if _engine.dialect.name == "postgresql":
                writer["isolation_level"] = WRITER_ISOLATION
            _write_engine = _engine.execution_options(**writer)
        return _engine


def get_write_engine() -> Engine:
    """The app's engine for writers: their transactions start with BEGIN IMMEDIATE on
    SQLite, and with the writers' advisory lock on PostgreSQL."""
    get_engine()
    assert _write_engine is not None
    return _write_engine


def reset_engine() -> None:
    """Dispose of the engine, so that the next use connects to the configured database anew."""
    global _engine, _write_engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
        _write_engine = None


@contextmanager
def read_session() -> Iterator[Session]:
    """A session for reading; commits on success.

    Writes belong in `write_session`, even a lone INSERT: a trigger that writes a full-text
    index reads that index first, and a deferred transaction that read before it writes
    fails at once ("database is locked") when another writer committed in between.
    """
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session
        session.commit()


@contextmanager
def write_session() -> Iterator[Session]:
    """A writer's session: one writer at a time (BEGIN IMMEDIATE on SQLite, the advisory
    lock on PostgreSQL); commits on success."""
    with Session(get_write_engine(), expire_on_commit=False) as session:
        yield session
        session.commit()


@contextmanager
def single_read() -> Iterator[Connection]:
    """A Core connection for reads of one statement each, outside any transaction.

    SQLite runs a lone SELECT in a read transaction of its own, so one statement sees one
    consistent state without BEGIN and COMMIT around it; skipping them and the ORM session
    makes a small read about twice as fast. Use `read_session` when several statements must
    see the same state. On PostgreSQL the connection is in autocommit for the same reason:
    psycopg would otherwise open a transaction at the first statement.
    """
    with get_engine().connect() as connection:
        options: dict[str, Any] = {_NO_BEGIN: True}
        if connection.dialect.name == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        connection.execution_options(**options)
        yield connection
