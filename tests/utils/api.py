"""Requests to the HTTP API and checks of its answers."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import iter_route_contexts

TEST_API_KEY = "test-api-key-0123456789"
"""The API key that every test's app is configured with."""
SIGN_IN_PREFIX = "/api/v1/auth/"
"""The sign-in routes: the only /api/v1 routes open without credentials."""
TOO_BIG = 2**70
"""An integer past SQLite's 64 bits."""


def media_body(**overrides: Any) -> dict[str, Any]:
    """A valid body for POST /api/v1/media, with `overrides`."""
    body: dict[str, Any] = {
        "title": "Arrival",
        "year": 2016,
        "is_movie": True,
        "folder_path": "/media/movies/Arrival (2016)",
    }
    body.update(overrides)
    return body


def assert_4xx(response: Any, status: int | None = None) -> Any:
    """The answer is a client error (`status` when given) with a detail; the detail."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert detail
    return detail


def all_operations() -> set[tuple[str, str]]:
    """(method, path) of every /api/v1 route of `main.app`, included routers resolved."""
    from main import app

    operations: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path.startswith("/api/v1/"):
            operations.update((method, path) for method in route.methods or () if method != "HEAD")
    return operations


def api_operations() -> list[tuple[str, str]]:
    """Every /api/v1 operation that needs credentials: all but the sign-in routes."""
    return sorted(op for op in all_operations() if not op[1].startswith(SIGN_IN_PREFIX))


def with_ids(path: str) -> str:
    """The path with 1 for each of its parameters."""
    return re.sub(r"\{[^}]+\}", "1", path)
