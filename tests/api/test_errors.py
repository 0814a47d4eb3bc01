"""Errors as JSON answers: a database that cannot be written is 503 and GET /status degraded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

import main  # noqa: F401  # at collection: its first import runs `file` and `ldconfig` (pycryptodome)
from config import get_settings
from core.base import health as health_module
from core.base.database.engine import reset_engine
from core.base.database.manager.base import MediaDatabaseManager
from core.base.health import health
from tests.conftest import on_postgresql
from tests.utils.api import media_body
from tests.utils.postgres import alter_database

READ_ONLY = "attempt to write a readonly database"


@pytest.fixture(autouse=True)
def fresh_health() -> Iterator[None]:
    health.reset()
    yield
    health.reset()


def fail_writes(monkeypatch: pytest.MonkeyPatch, message: str = READ_ONLY) -> None:
    """Creating media fails as SQLAlchemy reports a SQLite error."""

    def create(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("INSERT INTO media ...", {}, sqlite3.OperationalError(message))

    monkeypatch.setattr(MediaDatabaseManager, "create", create)


def use_database(monkeypatch: pytest.MonkeyPatch, url: str | None) -> None:
    if url is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", url)
    reset_engine()
    get_settings.cache_clear()


def assert_degraded(client: TestClient, reason: str) -> None:
    status = client.get("/status")
    assert status.status_code == 503
    assert status.json() == {
        "status": "degraded",
        "version": get_settings().version,
        "reason": reason,
    }


@pytest.mark.usefixtures("media_root")  # the folder of media_body lies in it
def test_a_write_the_database_refuses_is_503_and_status_degraded(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/status").json()["status"] == "ok"
    fail_writes(monkeypatch)

    response = client.post("/api/v1/media", json=media_body())

    assert response.status_code == 503
    detail = response.json()["detail"]
    assert detail.startswith(f"The database cannot be written: {READ_ONLY}")
    assert "check disk space and permissions" in detail
    assert_degraded(client, READ_ONLY)


@pytest.mark.usefixtures("media_root")  # the folder of media_body lies in it
def test_status_recovers_once_a_probe_write_succeeds(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    create = MediaDatabaseManager.create
    fail_writes(monkeypatch, "database or disk is full")
    assert client.post("/api/v1/media", json=media_body()).status_code == 503
    assert_degraded(client, "database or disk is full")  # no probe due yet

    monkeypatch.setattr(MediaDatabaseManager, "create", create)  # the disk has room again
    monkeypatch.setattr(health_module, "PROBE_INTERVAL_SECONDS", 0.0)

    status = client.get("/status")
    assert status.status_code == 200
    assert status.json() == {"status": "ok", "version": get_settings().version}
    assert client.post("/api/v1/media", json=media_body()).status_code == 201


@pytest.mark.sqlite_only(reason="a read-only SQLite file; a PostgreSQL server keeps its own files")
@pytest.mark.usefixtures("media_root")  # the folder of media_body lies in it
def test_a_really_read_only_database_is_503_then_recovers(
    client: TestClient, db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health_module, "PROBE_INTERVAL_SECONDS", 0.0)
    # SQLite's read-only mode: the same refusal as a read-only mount, even for root.
    use_database(monkeypatch, f"sqlite:///file:{db_file}?mode=ro&uri=true")

    response = client.post("/api/v1/media", json=media_body())
    assert response.status_code == 503, response.text
    assert READ_ONLY in response.json()["detail"]
    assert client.get("/api/v1/media").status_code == 200  # reads still work
    assert_degraded(client, READ_ONLY)  # the probe write failed as well

    use_database(monkeypatch, None)
    assert client.get("/status").json()["status"] == "ok"
    assert client.post("/api/v1/media", json=media_body()).status_code == 201


@pytest.mark.usefixtures("media_root")  # the folder of media_body lies in it
def test_a_read_only_postgresql_database_is_503_then_recovers(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's counterpart of the read-only file: a database whose sessions are
    read-only (as on a standby, or with default_transaction_read_only)."""
    if not on_postgresql():
        pytest.skip("runs in the PostgreSQL pass, on the app's own database")
    monkeypatch.setattr(health_module, "PROBE_INTERVAL_SECONDS", 0.0)
    read_only = "the database is read-only (read_only_sql_transaction)"
    url = get_settings().db_url
    try:
        alter_database(url, "SET default_transaction_read_only = on")
        reset_engine()  # new sessions take the setting

        response = client.post("/api/v1/media", json=media_body())
        assert response.status_code == 503, response.text
        assert read_only in response.json()["detail"]
        assert client.get("/api/v1/media").status_code == 200  # reads still work
        assert_degraded(client, read_only)  # the probe write failed as well
    finally:
        alter_database(url, "RESET default_transaction_read_only")
        reset_engine()
    assert client.get("/status").json()["status"] == "ok"
    assert client.post("/api/v1/media", json=media_body()).status_code == 201


@pytest.mark.usefixtures("media_root")  # the folder of media_body lies in it
def test_other_database_errors_stay_internal_errors(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_writes(monkeypatch, "no such table: media")
    unchecked = TestClient(client.app, headers=client.headers, raise_server_exceptions=False)

    response = unchecked.post("/api/v1/media", json=media_body())

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal error; the server log has the details"}
    assert client.get("/status").json()["status"] == "ok"
