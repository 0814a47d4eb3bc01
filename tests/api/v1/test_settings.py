"""The settings routes: what the server runs with, and a new API key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from config import Settings, get_settings
from config.settings import APP_VERSION
from tests.utils.api import TEST_API_KEY
from tests.utils.auth import setup_body


def test_settings_show_the_key_and_where_the_data_is(client: TestClient, data_dir: Path) -> None:
    database = f"sqlite:///{data_dir.resolve() / 'trailarr.db'}"
    if postgres := os.environ.get("DATABASE_URL"):  # the suite runs on PostgreSQL
        url = make_url(postgres)
        assert url.password and not url.query
        database = f"{url.drivername}://{url.username}@{url.host}:{url.port}/{url.database}"
    response = client.get("/api/v1/settings")
    assert response.status_code == 200
    assert response.json() == {
        "api_key": TEST_API_KEY,
        "api_key_from_env": True,
        "app_data_dir": str(data_dir.resolve()),
        "version": APP_VERSION,
        "database": database,
        "allow_local_sources": True,
    }


def test_the_database_url_is_shown_without_its_password(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Settings are read anew; the engine made at start keeps using the test database.
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bob:hunter2@db:5432/trailarr")
    monkeypatch.setenv("ALLOW_LOCAL_SOURCES", "false")
    get_settings.cache_clear()
    shown = client.get("/api/v1/settings").json()
    assert shown["database"] == "postgresql+psycopg://bob@db:5432/trailarr"
    assert "hunter2" not in str(shown)
    assert shown["allow_local_sources"] is False


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://bob:p%40ss@db/trailarr?sslmode=require", "bob@db/trailarr"),
        ("postgresql+psycopg://bob@db/trailarr", "postgresql+psycopg://bob@db/trailarr"),
        ("sqlite:////srv/trailarr/trailarr.db", "sqlite:////srv/trailarr/trailarr.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
    ],
)
def test_db_url_without_password(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, url: str, shown: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    result = Settings().db_url_without_password
    assert shown in result
    assert "p%40ss" not in result and "p@ss" not in result


def test_a_key_from_the_environment_cannot_be_regenerated(
    client: TestClient, data_dir: Path
) -> None:
    response = client.post("/api/v1/settings/api-key")
    assert response.status_code == 409
    assert "APP_API_KEY" in response.json()["detail"]
    assert not (data_dir / "api_key").exists()
    assert client.get("/api/v1/settings").json()["api_key"] == TEST_API_KEY


def test_regenerating_replaces_the_key_at_once(
    client: TestClient, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_API_KEY")
    get_settings.cache_clear()
    old = get_settings().api_key()
    client.headers["X-API-KEY"] = old
    shown = client.get("/api/v1/settings").json()
    assert shown["api_key"] == old
    assert shown["api_key_from_env"] is False

    response = client.post("/api/v1/settings/api-key")
    assert response.status_code == 200
    new = response.json()["api_key"]
    assert new != old and len(new) >= 32
    assert (data_dir / "api_key").read_text().strip() == new

    assert client.get("/api/v1/media").status_code == 401  # still sending the old key
    client.headers["X-API-KEY"] = new
    assert client.get("/api/v1/settings").json()["api_key"] == new


def test_regenerating_from_the_web_ui_needs_the_csrf_token(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from main import app

    monkeypatch.delenv("APP_API_KEY")
    get_settings.cache_clear()
    old = get_settings().api_key()
    with TestClient(app) as browser:
        credentials = setup_body(get_settings().app_data_dir, "admin", "long enough")
        assert browser.post("/api/v1/auth/setup", json=credentials).status_code == 201
        assert browser.get("/api/v1/settings").json()["api_key"] == old
        assert browser.post("/api/v1/settings/api-key").status_code == 403
        assert get_settings().api_key() == old
        csrf = {"X-CSRF-Token": browser.cookies["trailarr_csrf"]}
        response = browser.post("/api/v1/settings/api-key", headers=csrf)
        assert response.status_code == 200
        assert response.json()["api_key"] == get_settings().api_key() != old
