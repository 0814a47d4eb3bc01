"""The websocket at /ws: a session cookie counts only from the app's own origin."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

import main  # noqa: F401  # at collection: its first import runs `file` and `ldconfig` (pycryptodome)
from tests.utils.api import TEST_API_KEY

FOREIGN = "https://evil.example"
OWN = "http://testserver"  # the TestClient's base URL: ws://testserver/ws


@pytest.fixture
def browser(anonymous: TestClient) -> TestClient:
    """A browser signed in to the web UI: it holds the session cookie, not the API key."""
    response = anonymous.post(
        "/api/v1/auth/setup",
        json={"username": "admin", "password": "correct horse battery"},
        headers={"X-API-KEY": TEST_API_KEY},  # proves ownership, as the setup token does
    )
    assert response.status_code == 201, response.text
    assert anonymous.cookies.get("trailarr_session")
    return anonymous


def refused(client: TestClient, url: str, headers: dict[str, str]) -> int:
    """The close code of a websocket that the server closes before accepting."""
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(url, headers=headers),
    ):
        pass
    return closed.value.code


def accepted(client: TestClient, url: str, headers: dict[str, str]) -> None:
    with client.websocket_connect(url, headers=headers) as ws:
        ws.send_text("ping")  # the server keeps the connection: it reads and ignores text


def test_a_foreign_origin_with_the_session_cookie_is_refused(browser: TestClient) -> None:
    assert refused(browser, "/ws", {"Origin": FOREIGN}) == 1008


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://testserver",  # another scheme
        "http://testserver:8080",  # another port
        "http://testserver.evil.example",
        "null",  # a sandboxed frame or a file: page
    ],
)
def test_any_other_origin_with_the_session_cookie_is_refused(
    browser: TestClient, origin: str
) -> None:
    assert refused(browser, "/ws", {"Origin": origin}) == 1008


@pytest.mark.parametrize("origin", [OWN, "HTTP://TestServer", "http://testserver:80"])
def test_the_apps_own_origin_with_the_session_cookie_is_accepted(
    browser: TestClient, origin: str
) -> None:
    accepted(browser, "/ws", {"Origin": origin})


def test_no_origin_with_the_session_cookie_is_accepted(browser: TestClient) -> None:
    accepted(browser, "/ws", {})  # not a browser: nothing ambient to abuse


def test_the_origin_the_browser_used_behind_a_reverse_proxy_is_accepted(
    browser: TestClient,
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "trailarr.example"}
    accepted(browser, "/ws", {"Origin": "https://trailarr.example", **forwarded})
    assert refused(browser, "/ws", {"Origin": FOREIGN, **forwarded}) == 1008


def test_a_foreign_origin_with_the_api_key_is_accepted(anonymous: TestClient) -> None:
    accepted(anonymous, f"/ws?api_key={TEST_API_KEY}", {"Origin": FOREIGN})


def test_a_foreign_origin_with_a_wrong_api_key_is_refused(anonymous: TestClient) -> None:
    assert refused(anonymous, "/ws?api_key=wrong", {"Origin": FOREIGN}) == 1008
