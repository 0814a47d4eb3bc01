"""The built web UI at /: its files, index.html for client routes, and the API left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config import Settings, get_settings
from config.settings import REPO_ROOT
from tests.utils.api import TEST_API_KEY

INDEX = "<!doctype html><html><body><div id=root></div><script src=/assets/app-3f9a.js></script>"
SCRIPT = "console.log('trailarr');"
ASSET_CACHE = "public, max-age=31536000, immutable"


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A built UI in a temporary folder, with a secret file beside it."""
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX, encoding="utf-8")
    (folder / "assets" / "app-3f9a.js").write_text(SCRIPT, encoding="utf-8")
    (folder / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("do not serve", encoding="utf-8")
    monkeypatch.setenv("FRONTEND_DIST", str(folder))
    get_settings.cache_clear()
    return folder


def is_index(response: object) -> bool:
    from httpx import Response

    assert isinstance(response, Response)
    return response.status_code == 200 and response.text == INDEX


def test_the_default_folder_is_frontend_dist_in_the_repository(data_dir: Path) -> None:
    assert Settings().frontend_dist == REPO_ROOT / "frontend" / "dist"
    assert (REPO_ROOT / "backend" / "main.py").is_file()


def test_index_html_at_the_root(anonymous: TestClient, dist: Path) -> None:
    response = anonymous.get("/")
    assert is_index(response)
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert anonymous.get("/index.html").headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/media/12", "/settings", "/history/downloads?page=2", "/media/"])
def test_client_routes_get_index_html(anonymous: TestClient, dist: Path, path: str) -> None:
    response = anonymous.get(path)
    assert is_index(response)
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_served_with_a_long_cache(anonymous: TestClient, dist: Path) -> None:
    response = anonymous.get("/assets/app-3f9a.js")
    assert response.status_code == 200
    assert response.text == SCRIPT
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == ASSET_CACHE


def test_other_files_are_served_but_revalidated(anonymous: TestClient, dist: Path) -> None:
    response = anonymous.get("/favicon.svg")
    assert response.status_code == 200
    assert response.text == "<svg/>"
    assert response.headers["cache-control"] == "no-cache"


def test_a_missing_asset_is_a_404_not_the_page(anonymous: TestClient, dist: Path) -> None:
    response = anonymous.get("/assets/app-old.js")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_index_html_is_revalidated_with_its_etag(anonymous: TestClient, dist: Path) -> None:
    etag = anonymous.get("/media/3").headers["etag"]
    assert anonymous.get("/", headers={"If-None-Match": etag}).status_code == 304


def test_head_answers_like_get_without_a_body(anonymous: TestClient, dist: Path) -> None:
    response = anonymous.head("/media/12")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) == len(INDEX)


@pytest.mark.parametrize(
    "path", ["/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt", "/%2e%2e/secret.txt"]
)
def test_files_outside_the_folder_are_never_served(
    anonymous: TestClient, dist: Path, path: str
) -> None:
    response = anonymous.get(path)
    assert "do not serve" not in response.text
    assert response.status_code in {200, 404}


def test_the_api_keeps_its_own_answers(anonymous: TestClient, dist: Path) -> None:
    key = {"X-API-KEY": TEST_API_KEY}
    unknown = anonymous.get("/api/v1/nope", headers=key)
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Not Found"}
    assert anonymous.post("/api/v1/nope", headers=key, json={}).status_code == 404
    assert anonymous.get("/api").status_code == 404
    assert anonymous.get("/api/v2/media").json() == {"detail": "Not Found"}
    assert anonymous.delete("/api/v1/media", headers=key).status_code == 405
    assert anonymous.get("/api/v1/media").status_code == 401
    assert anonymous.get("/api/v1/media", headers=key).status_code == 200


def test_server_paths_are_not_the_ui(anonymous: TestClient, dist: Path) -> None:
    assert anonymous.get("/status").json()["status"] == "ok"
    assert "/api/v1/media" in anonymous.get("/openapi.json").json()["paths"]
    docs = anonymous.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert anonymous.get("/redoc").status_code == 200
    assert anonymous.get("/ws").status_code == 404  # plain HTTP to the websocket path
    assert anonymous.get("/docs/nothing").status_code == 404


def test_changes_to_ui_paths_are_refused(anonymous: TestClient, dist: Path) -> None:
    response = anonymous.post("/media/12", json={})
    assert response.status_code == 404
    assert "detail" in response.json()


def test_without_a_build_the_root_says_how_to_build_it(
    anonymous: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTEND_DIST", str(tmp_path / "no-such-folder"))
    get_settings.cache_clear()
    response = anonymous.get("/")
    assert response.status_code == 404
    assert "not built" in response.json()["detail"]
    assert "npm run build" in response.json()["detail"]
    assert "not built" in anonymous.get("/media/12").json()["detail"]
    assert anonymous.get("/status").json()["status"] == "ok"
    assert anonymous.get("/api/v1/nope", headers={"X-API-KEY": TEST_API_KEY}).json() == {
        "detail": "Not Found"
    }


def test_a_folder_without_index_html_is_not_a_build(
    anonymous: TestClient, dist: Path, tmp_path: Path
) -> None:
    (dist / "index.html").unlink()
    response = anonymous.get("/favicon.svg")
    assert response.status_code == 404
    assert "not built" in response.json()["detail"]


def test_a_build_made_while_the_server_runs_is_served(
    anonymous: TestClient, dist: Path, tmp_path: Path
) -> None:
    (dist / "index.html").unlink()
    assert anonymous.get("/").status_code == 404
    (dist / "index.html").write_text(INDEX, encoding="utf-8")
    assert is_index(anonymous.get("/"))
