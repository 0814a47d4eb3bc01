"""Live messages to the web UI over the websocket at /ws.

A browser sends the session cookie with a websocket opened by any page, of any site, and
websockets are not bound by the same-origin policy: a connection that relies on the cookie is
refused unless its `Origin` is the app's own (or absent, as from a non-browser client). The
API key is not ambient (a page of another site does not have it), so it needs no such check.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from api.deps import SESSION_COOKIE, key_matches
from app_logger import ModuleLogger
from core.auth.service import current_session

logger = ModuleLogger("WebSockets")
router = APIRouter()


class WebSocketManager:
    """Keeps the open websockets and sends every broadcast to each of them."""

    def __init__(self) -> None:
        self._sockets: set[WebSocket] = set()

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self._sockets.add(websocket)

    def disconnect(self, websocket: WebSocket) -> None:
        self._sockets.discard(websocket)

    @property
    def count(self) -> int:
        return len(self._sockets)

    async def broadcast(self, message: str, type: str = "Info", **data: Any) -> None:
        """Send `{"type", "message", ...data}` to every client; a dead client is dropped."""
        payload = {"type": type, "message": message, **data}
        sockets = list(self._sockets)
        if not sockets:
            return
        results = await asyncio.gather(
            *(ws.send_json(payload) for ws in sockets), return_exceptions=True
        )
        for ws, result in zip(sockets, results, strict=True):
            if isinstance(result, BaseException):
                self.disconnect(ws)


ws_manager = WebSocketManager()


_DEFAULT_PORTS = {"http": 80, "https": 443}
_HTTP_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, ws and wss read as http and https; None when unusable."""
    try:
        parts = urlsplit(url)
        scheme = _HTTP_SCHEME.get(parts.scheme.lower())
        port = parts.port
    except ValueError:
        return None
    if scheme is None or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _first(value: str | None) -> str | None:
    """The first entry of a comma-separated forwarding header, or None."""
    first = (value or "").split(",")[0].strip()
    return first or None


def same_origin(websocket: WebSocket) -> bool:
    """Whether the `Origin` header is absent or the app's own (from Host and the scheme).

    Behind a reverse proxy, X-Forwarded-Proto and X-Forwarded-Host name the address the
    browser used. They are taken at their word: a page of another site cannot set headers on
    a websocket, and a client that is not a browser can send any Origin anyway.
    """
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    headers = websocket.headers
    scheme = _first(headers.get("x-forwarded-proto")) or websocket.url.scheme
    host = _first(headers.get("x-forwarded-host")) or headers.get("host") or websocket.url.netloc
    own = _origin(f"{scheme}://{host}")
    return own is not None and _origin(origin) == own


def _authorized(websocket: WebSocket) -> bool:
    """The API key, or a live session cookie sent from the app's own origin."""
    if key_matches(websocket.query_params.get("api_key")):
        return True
    if not same_origin(websocket):
        logger.warning(f"Refused a websocket from another origin: {websocket.headers['origin']!r}")
        return False
    return current_session(websocket.cookies.get(SESSION_COOKIE)) is not None


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    """Progress and status messages: the API key in the `api_key` query, or a session cookie.

    A session cookie counts only when the `Origin` header is absent or the app's own.
    """
    authorized = await anyio.to_thread.run_sync(_authorized, websocket)
    if not authorized:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    await ws_manager.connect(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        ws_manager.disconnect(websocket)
