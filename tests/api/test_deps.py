"""Every /api/v1 route needs the API key, in the X-API-KEY header or the api_key query.

The sign-in routes under /api/v1/auth/ are the only exceptions (tests/api/v1/test_auth.py covers
them and the session cookie that the other routes accept as well).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.utils.api import SIGN_IN_PREFIX, TEST_API_KEY, all_operations, api_operations, with_ids
from tests.utils.factories import make_media

WRONG_KEY = "not-the-key"
SIGN_IN_OPERATIONS = {
    ("GET", "/api/v1/auth/status"),
    ("POST", "/api/v1/auth/setup"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    # These two need a session and its CSRF token (test_auth.py), never the API key.
    ("POST", "/api/v1/auth/password"),
    ("POST", "/api/v1/auth/logout-all"),
}


def send(client: TestClient, method: str, path: str, **kwargs: object) -> int:
    body: dict[str, object] = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
    response = client.request(method, path, **body, **kwargs)  # type: ignore[arg-type]
    if response.status_code == 401:
        assert "API key" in response.json()["detail"]
    return response.status_code


def test_the_route_list_is_complete() -> None:
    """The enumeration sees every operation the OpenAPI schema documents, and the core ones."""
    from main import app

    operations = all_operations()
    documented = {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/api/v1/")
        for method in item
    }
    assert documented <= operations
    for expected in [
        ("GET", "/api/v1/media"),
        ("POST", "/api/v1/media"),
        ("DELETE", "/api/v1/media/{media_id}"),
        ("GET", "/api/v1/media/{media_id}/downloads"),
        ("POST", "/api/v1/media/{media_id}/download"),
        ("GET", "/api/v1/trailerprofiles"),
        ("POST", "/api/v1/connections"),
        ("GET", "/api/v1/settings"),
        ("POST", "/api/v1/settings/api-key"),
    ]:
        assert expected in operations


def test_the_sign_in_routes_are_the_only_exceptions() -> None:
    exempt = {op for op in all_operations() if op[1].startswith(SIGN_IN_PREFIX)}
    assert exempt == SIGN_IN_OPERATIONS
    assert not exempt & set(api_operations())


def test_every_api_route_refuses_a_missing_or_wrong_key(anonymous: TestClient) -> None:
    media = make_media(title="Must Survive")
    operations = api_operations()
    assert len(operations) >= 15

    refused = {
        (method, path): (
            send(anonymous, method, with_ids(path)),
            send(anonymous, method, with_ids(path), headers={"X-API-KEY": WRONG_KEY}),
            send(anonymous, method, with_ids(path), params={"api_key": WRONG_KEY}),
            send(anonymous, method, with_ids(path), headers={"X-API-KEY": ""}),
        )
        for method, path in operations
    }

    assert {op: codes for op, codes in refused.items() if codes != (401,) * 4} == {}
    still_there = anonymous.get(f"/api/v1/media/{media.id}", headers={"X-API-KEY": TEST_API_KEY})
    assert still_there.json()["title"] == "Must Survive"


def test_key_is_accepted_in_the_header_or_the_query(anonymous: TestClient) -> None:
    assert anonymous.get("/api/v1/media", headers={"X-API-KEY": TEST_API_KEY}).status_code == 200
    assert anonymous.get("/api/v1/media", headers={"x-api-key": TEST_API_KEY}).status_code == 200
    assert anonymous.get("/api/v1/media", params={"api_key": TEST_API_KEY}).status_code == 200
    created = anonymous.post(
        "/api/v1/trailerprofiles", params={"api_key": TEST_API_KEY}, json={"name": "By Query"}
    )
    assert created.status_code == 201


def test_a_wrong_header_does_not_hide_a_right_query_key(anonymous: TestClient) -> None:
    response = anonymous.get(
        "/api/v1/media", headers={"X-API-KEY": WRONG_KEY}, params={"api_key": TEST_API_KEY}
    )
    assert response.status_code == 200


def test_generated_key_is_required_when_none_is_configured(
    anonymous: TestClient, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config import get_settings

    monkeypatch.delenv("APP_API_KEY")
    get_settings.cache_clear()
    key = get_settings().api_key()
    assert (data_dir / "api_key").read_text().strip() == key
    assert anonymous.get("/api/v1/media", headers={"X-API-KEY": TEST_API_KEY}).status_code == 401
    assert anonymous.get("/api/v1/media", headers={"X-API-KEY": key}).status_code == 200


def test_status_and_docs_need_no_key(anonymous: TestClient) -> None:
    status = anonymous.get("/status")
    assert status.status_code == 200
    assert status.json()["status"] == "ok"
    assert status.json()["version"]
    assert anonymous.get("/docs").status_code == 200
    assert "/api/v1/media" in anonymous.get("/openapi.json").json()["paths"]


def test_unknown_api_path_is_a_404_json(anonymous: TestClient) -> None:
    response = anonymous.get("/api/v1/nothing-here", headers={"X-API-KEY": TEST_API_KEY})
    assert response.status_code == 404
    assert "detail" in response.json()
