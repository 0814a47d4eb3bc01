"""The routes made ready ahead of their first request (api/warm_up.py), not by it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import routing as fastapi_routing
from fastapi.testclient import TestClient

from api.warm_up import prepare_routes
from tests.conftest import TEST_API_KEY

PROTECTED_GETS = ("/api/v1/downloads", "/api/v1/media", "/api/v1/tasks", "/api/v1/settings")


def _no_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, building a route fails the request."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("built on a request")

    monkeypatch.setattr(fastapi_routing._EffectiveRouteContext, "from_api_route", refuse)


def test_after_it_no_request_builds_a_route(monkeypatch: pytest.MonkeyPatch) -> None:
    from main import create_app

    app = create_app()
    endpoints = prepare_routes(app)
    assert endpoints >= 80  # every route of the app, the included routers' too
    # Each endpoint's context (its source file and line, for error messages) is read too.
    cache = fastapi_routing._endpoint_context_cache
    status_route = next(r for r in app.routes if getattr(r, "path", "") == "/status")
    assert cache[id(status_route.endpoint)]["function"] == "status"
    _no_builds(monkeypatch)
    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as client:
        assert client.get("/status").status_code == 200
        for path in PROTECTED_GETS:
            assert client.get(path).status_code == 200, path


def test_without_it_the_first_request_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """What it saves (and the check that the test above can fail)."""
    from main import create_app

    app = create_app()
    _no_builds(monkeypatch)
    with (
        TestClient(
            app, headers={"X-API-KEY": TEST_API_KEY}, raise_server_exceptions=True
        ) as client,
        pytest.raises(AssertionError, match="built on a request"),
    ):
        client.get("/api/v1/downloads")


def test_a_failure_leaves_the_building_to_the_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    from main import create_app

    app = create_app()
    _no_builds(monkeypatch)
    assert prepare_routes(app) == 0
