"""Shared fixtures: every test gets its own data folder and a database built by the migrations."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient

from config import get_settings
from core.base.database.engine import reset_engine
from core.base.database.migrate import alembic_config

pytest_plugins = ["tests.http_server"]

TEST_API_KEY = "test-api-key-0123456789"


@pytest.fixture(scope="session")
def migrated_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file at head, built once by the migrations and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "trailarr.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return path


def reset_app_state() -> None:
    """Forget cached settings and the engine, so that the next use reads the environment."""
    reset_engine()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_db_template: Path
) -> Iterator[Path]:
    """The test's APP_DATA_DIR, holding a fresh copy of the migrated database."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(migrated_db_template, data / "trailarr.db")
    monkeypatch.setenv("APP_DATA_DIR", str(data))
    monkeypatch.setenv("APP_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("ALLOW_LOCAL_SOURCES", "true")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    reset_app_state()
    yield data
    reset_app_state()


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    """A client of the app (lifespan run) that sends the API key."""
    from core.history.tasks import RECONCILE, task_runner
    from main import app

    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as test_client:
        # The app starts a reconciliation at start-up; let it finish so that tests which
        # then change files on disk do not race with it.
        test_client.portal.call(task_runner.wait, RECONCILE)
        yield test_client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
