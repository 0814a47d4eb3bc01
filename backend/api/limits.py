"""A limit on the size of request bodies, enforced before the body is read.

A pure ASGI middleware (not `BaseHTTPMiddleware`, which would read the body through a second
task): a request that declares a Content-Length over `MAX_BODY_BYTES` is answered 413 at once,
before authentication and without reading a byte of its body; a body sent without a length
(chunked) is counted as it arrives and answered 413 as soon as the count passes the limit, so
the app never holds more than the limit. Websocket and lifespan scopes pass through.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
"""1 MiB: far more than any JSON body of this API needs (they are a few kilobytes at most)."""
TOO_LARGE_DETAIL = "The request body is larger than {limit} bytes"
RESTORE_UPLOAD_MAX_BYTES = 4 * 1024**3
"""4 GiB: a database uploaded to be restored (a large library's is a few hundred MB)."""
ROUTE_BODY_LIMITS: dict[tuple[str, str], int] = {
    ("POST", "/api/v1/backups/restore"): RESTORE_UPLOAD_MAX_BYTES,
}
"""The exceptions to MAX_BODY_BYTES, (method, path) -> limit. Such a route must read its
body only after authentication, as a stream to disk (api/v1/backups.py does)."""


class _BodyTooLarge(Exception):
    """Raised from `receive` once the body passes the limit."""


class BodyLimitMiddleware:
    """Answer 413 to requests whose body is larger than `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = ROUTE_BODY_LIMITS.get((scope["method"], scope["path"]), self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, receive, send, limit)
            return

        received = 0
        too_large = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if too_large:
                # The app answered an error of its own after reading failed: ours replaces it.
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not too_large:  # the app's own error; an error from our limit is answered below
                raise
        if too_large and not response_started:
            await _too_large(scope, receive, send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = JSONResponse(
        status_code=413,
        content={"detail": TOO_LARGE_DETAIL.format(limit=limit)},
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)
