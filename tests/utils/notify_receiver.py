"""A local receiver of notifications: what Apprise's JSON webhook (`json://`) posts, kept.

Apprise's `json://127.0.0.1:PORT/path` posts `{"version", "title", "message", "type", ...}`
to `http://127.0.0.1:PORT/path`. `NotifyReceiver` keeps each post (its path, whether it had
basic auth, and the JSON) and answers 200. `GET /received` lists them as JSON (what the
browser end-to-end tests read) and `DELETE /received` forgets them.

`hold()` keeps every post waiting without an answer until `release()`: a test then sees that
nothing else waits on a send in flight.

As a program, for the end-to-end tests:

    python -m tests.utils.notify_receiver --port 0

prints `PORT=<n>` once it listens on 127.0.0.1, and serves until interrupted or terminated.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.utils.net import serve_until_stopped
from tests.utils.wait import wait_until

RECEIVED_PATH = "/received"


class NotifyReceiver:
    """Receives JSON posts on 127.0.0.1 (port 0: any free one) until `close()`."""

    def __init__(self, *, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self._received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._released.set()
        self._waiting = 0
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/notify", *, user: str | None = None, password: str = "") -> str:
        """The Apprise URL posting here: `json://[user:password@]127.0.0.1:PORT/path`."""
        auth = f"{user}:{password}@" if user is not None else ""
        return f"json://{auth}{self.host}:{self.port}/{path.lstrip('/')}"

    def received(self, path: str | None = None) -> list[dict[str, Any]]:
        """The posts so far, oldest first (those to `path` only, when given)."""
        with self._lock:
            posts = list(self._received)
        return [post for post in posts if path is None or post["path"] == path]

    def wait_for(self, count: int, path: str | None = None) -> list[dict[str, Any]]:
        """The posts (to `path`) once there are at least `count` of them."""

        def enough() -> list[dict[str, Any]] | None:
            posts = self.received(path)
            return posts if len(posts) >= count else None

        return wait_until(enough, f"{count} notification(s) at {path or 'any path'}")

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def hold(self) -> None:
        """Posts from now on wait, unanswered, until `release()`."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    @property
    def waiting(self) -> int:
        """Posts received and held unanswered right now."""
        with self._lock:
            return self._waiting

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _keep(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            payload: Any = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode("utf-8", errors="replace")
        post = {
            "path": urlsplit(handler.path).path,
            "authorized": handler.headers.get("Authorization") is not None,
            "title": payload.get("title") if isinstance(payload, dict) else None,
            "message": payload.get("message") if isinstance(payload, dict) else None,
            "type": payload.get("type") if isinstance(payload, dict) else None,
            "payload": payload,
        }
        with self._lock:
            self._received.append(post)
            self._waiting += 1
        try:
            self._released.wait()
        finally:
            with self._lock:
                self._waiting -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 60

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self, status: int, body: bytes = b"") -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def do_POST(self) -> None:
                receiver._keep(self)
                self._answer(200, b"{}")

            def do_GET(self) -> None:
                if urlsplit(self.path).path != RECEIVED_PATH:
                    self._answer(404)
                    return
                self._answer(200, json.dumps(receiver.received()).encode())

            def do_DELETE(self) -> None:
                if urlsplit(self.path).path != RECEIVED_PATH:
                    self._answer(404)
                    return
                receiver.clear()
                self._answer(204)

        return Handler


@pytest.fixture
def notify_receiver() -> Iterator[NotifyReceiver]:
    """A NotifyReceiver on 127.0.0.1; closed after the test."""
    receiver = NotifyReceiver()
    try:
        yield receiver
    finally:
        receiver.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    return serve_until_stopped(NotifyReceiver(port=args.port, host=args.host))


if __name__ == "__main__":
    sys.exit(main())
