"""PostgreSQL for tests: a fresh database per test, on the server `TEST_POSTGRES_URL` names.

`TEST_POSTGRES_URL` is a SQLAlchemy URL (`postgresql+psycopg://user:pass@host:port/postgres`)
of a role that may create databases; `scripts/postgres.sh` starts a local cluster and
prints one. Without it, the tests marked `postgresql` are skipped, except in CI (`CI=true`),
where a missing server is a failure: those tests must never silently not run there.

`postgres_url` gives a test a database of its own, copied from a template that the
migrations built once per worker (`CREATE DATABASE ... TEMPLATE`, a file copy on the
server), and dropped after. That costs about a third of a second, so the suite's PostgreSQL
pass (`postgres_test_url`, through conftest's `data_dir`) reuses one such copy per worker
and empties it before each test instead: other sessions on it are ended, every table is
emptied and every sequence restarted (about 15 ms). A test that changed the schema (its
columns, indexes, extensions or revision) leaves a copy that is dropped and made anew.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import URL, Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from core.base.database.migrate import alembic_config

URL_ENV = "TEST_POSTGRES_URL"


def server_url() -> URL | None:
    """The test server's admin URL, or None when no server is configured."""
    value = os.environ.get(URL_ENV)
    return make_url(value) if value else None


def require_server() -> URL:
    """The server's URL; skips the test without one (fails it in CI)."""
    url = server_url()
    if url is None:
        message = f"{URL_ENV} is not set: no PostgreSQL server for this test"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (in CI, scripts/postgres.sh starts one)", pytrace=False)
        pytest.skip(message)
    return url


def _admin(url: URL, sql: str) -> None:
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


def create_database(server: URL, *, template: str | None = None) -> URL:
    """A new, uniquely named database on `server` (a copy of `template` when given)."""
    name = f"trailarr_test_{uuid.uuid4().hex[:16]}"
    copy = f" TEMPLATE {template}" if template else ""
    _admin(server, f"CREATE DATABASE {name}{copy}")
    return server.set(database=name)


def drop_database(server: URL, name: str) -> None:
    _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def alter_database(url: str, setting: str) -> None:
    """ALTER DATABASE (of `url`) `setting`, as the server's admin; new sessions take it."""
    name = make_url(url).database
    _admin(require_server(), f"ALTER DATABASE {name} {setting}")


def as_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A database at head on the test server, made once per worker, to copy for each test."""
    server = require_server()
    url = create_database(server)
    assert url.database is not None
    try:
        command.upgrade(alembic_config(as_text(url)), "head")
        yield url.database
    finally:
        drop_database(server, url.database)


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """The URL of a fresh database at head, for this test only."""
    server = require_server()
    url = create_database(server, template=postgres_template)
    assert url.database is not None
    try:
        yield as_text(url)
    finally:
        drop_database(server, url.database)


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """The URL of a fresh, empty database (no tables), for this test only."""
    server = require_server()
    url = create_database(server)
    assert url.database is not None
    try:
        yield as_text(url)
    finally:
        drop_database(server, url.database)


SCHEMA_FINGERPRINT = text(
    "SELECT (SELECT string_agg(version_num, ',') FROM alembic_version),"
    " (SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'),"
    " (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'),"
    " (SELECT count(*) FROM pg_extension)"
)


class ReusedDatabase:
    """A copy of the template for one worker's tests, emptied before each of them."""

    def __init__(self, server: URL, template: str) -> None:
        self._server, self._template = server, template
        self._url: URL | None = None
        self._engine: Engine | None = None
        self._schema: tuple[Any, ...] = ()
        self._empty = ""

    def _make(self) -> None:
        self.close()
        self._url = create_database(self._server, template=self._template)
        self._engine = create_engine(self._url, poolclass=NullPool)
        with self._engine.connect() as conn:
            self._schema = tuple(conn.execute(SCHEMA_FINGERPRINT).one())
            tables = (
                conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                        " AND tablename <> 'alembic_version'"
                    )
                )
                .scalars()
                .all()
            )
            sequences = (
                conn.execute(
                    text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
                )
                .scalars()
                .all()
            )
            # Foreign keys are not checked while every table is emptied (replica role).
            self._empty = "SET LOCAL session_replication_role = replica;" + "".join(
                [f'DELETE FROM "{table}";' for table in tables]
                + [f'ALTER SEQUENCE "{sequence}" RESTART;' for sequence in sequences]
            )
            seeded = [t for t in tables if conn.execute(text(f'SELECT 1 FROM "{t}"')).first()]
            assert not seeded, f"the template holds rows in {seeded}: they would be lost"

    def _emptied(self, conn: Connection) -> bool:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        if tuple(conn.execute(SCHEMA_FINGERPRINT).one()) != self._schema:
            return False
        conn.exec_driver_sql(self._empty)
        return True

    def checkout(self) -> str:
        """The URL of the copy, empty and at head (made anew when it cannot be)."""
        if self._engine is None:
            self._make()
        else:
            try:
                with self._engine.begin() as conn:
                    clean = self._emptied(conn)
            except DBAPIError:
                clean = False
            if not clean:
                self._make()
        assert self._url is not None
        return as_text(self._url)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._url is not None and self._url.database is not None:
            drop_database(self._server, self._url.database)
            self._url = None


@pytest.fixture(scope="session")
def postgres_reused(postgres_template: str) -> Iterator[ReusedDatabase]:
    reused = ReusedDatabase(require_server(), postgres_template)
    try:
        yield reused
    finally:
        reused.close()


@pytest.fixture
def postgres_test_url(postgres_reused: ReusedDatabase) -> str:
    """The URL of an empty database at head for this test: the worker's reused copy."""
    return postgres_reused.checkout()
