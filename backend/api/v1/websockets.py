"""Live messages to the web UI over the websocket at /ws."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from api.deps import SESSION_COOKIE, credentials_valid
from app_logger import ModuleLogger

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


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    """Progress and status messages: the API key in the `api_key` query, or a session cookie."""
    authorized = await anyio.to_thread.run_sync(
        credentials_valid,
        websocket.query_params.get("api_key"),
        websocket.cookies.get(SESSION_COOKIE),
    )
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
