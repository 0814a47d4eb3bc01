"""PostgreSQL for tests: a fresh database per test, on the server `TEST_POSTGRES_URL` names.

`TEST_POSTGRES_URL` is a SQLAlchemy URL (`postgresql+psycopg://user:pass@host:port/postgres`)
of a role that may create databases; `scripts/postgres.sh` starts a local cluster and
prints one. Without it, the tests marked `postgresql` are skipped, except in CI (`CI=true`),
where a missing server is a failure: those tests must never silently not run there.

Each test gets a database of its own, copied from a template that the migrations built once
per worker (`CREATE DATABASE ... TEMPLATE`, a file copy on the server), and dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import URL, create_engine, make_url, text
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
