"""A local HTTP server for download tests: serves a folder with ranges, errors and slowness."""

from __future__ import annotations

import contextlib
import re
import threading
from collections import Counter
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
    ".html": "text/html; charset=utf-8",
}
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 16 * 1024


class VideoServer:
    """Serves the files under `root` on 127.0.0.1 until `close()`.

    `fail(name, status)` makes `name` answer with that status; `slow(name, ...)` throttles it;
    `redirect(name, location)` answers 302; `clear(name)` undoes these; `requests(name)`
    counts the requests it got. `host` is any loopback address (127.0.0.2 stands for
    another machine in the source policy tests).
    """

    def __init__(self, root: Path, *, host: str = "127.0.0.1") -> None:
        self.root = root
        self.host = host
        self._redirects: dict[str, str] = {}
        self._failures: dict[str, int] = {}
        self._failures_left: dict[str, int] = {}
        self._rates: dict[str, int] = {}
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/{quote(name)}"

    def fail(self, name: str, status: int, *, times: int | None = None) -> None:
        """Answer requests for `name` with `status` (404, 429, 500, ...).

        All of them, or only the next `times` requests when given.
        """
        with self._lock:
            self._failures[name] = status
            if times is None:
                self._failures_left.pop(name, None)
            else:
                self._failures_left[name] = times

    def redirect(self, name: str, location: str) -> None:
        """Answer requests for `name` with a 302 to `location`."""
        with self._lock:
            self._redirects[name] = location

    def clear(self, name: str) -> None:
        """Serve `name` normally again: no error answer or redirect, full speed."""
        with self._lock:
            self._redirects.pop(name, None)
            self._failures.pop(name, None)
            self._failures_left.pop(name, None)
            self._rates.pop(name, None)

    def slow(self, name: str, *, bytes_per_second: int) -> None:
        """Send `name` at about `bytes_per_second`."""
        with self._lock:
            self._rates[name] = bytes_per_second

    def requests(self, name: str) -> int:
        """How many requests `name` got so far."""
        with self._lock:
            return self._counts[name]

    def close(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 60

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                server._answer(self, send_body=False)

            def do_GET(self) -> None:
                server._answer(self, send_body=True)

        return Handler

    def _answer(self, handler: BaseHTTPRequestHandler, *, send_body: bool) -> None:
        name = unquote(urlsplit(handler.path).path).lstrip("/")
        with self._lock:
            self._counts[name] += 1
            status = self._failures.get(name)
            rate = self._rates.get(name)
            location = self._redirects.get(name)
            if status is not None and name in self._failures_left:
                self._failures_left[name] -= 1
                if self._failures_left[name] <= 0:
                    del self._failures_left[name]
                    del self._failures[name]
        if status is not None:
            self._send_error(handler, status, send_body=send_body)
            return
        if location is not None:
            handler.send_response(HTTPStatus.FOUND)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        path = (self.root / name).resolve()
        if not name or not path.is_relative_to(self.root.resolve()) or not path.is_file():
            self._send_error(handler, 404, send_body=send_body)
            return

        size = path.stat().st_size
        start, end = 0, size - 1
        partial = False
        range_header = handler.headers.get("Range")
        if range_header:
            match = _RANGE_RE.match(range_header.strip())
            if match and (match[1] or match[2]):
                if match[1]:
                    start = int(match[1])
                    end = min(int(match[2]), size - 1) if match[2] else size - 1
                else:
                    start = max(0, size - int(match[2]))
                partial = True
            if not match or start >= size or start > end:
                handler.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                handler.send_header("Content-Range", f"bytes */{size}")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return

        handler.send_response(HTTPStatus.PARTIAL_CONTENT if partial else HTTPStatus.OK)
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(end - start + 1))
        handler.send_header("Accept-Ranges", "bytes")
        if partial:
            handler.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        handler.end_headers()
        if send_body:
            self._send_file(handler, path, start, end, rate)

    def _send_file(
        self, handler: BaseHTTPRequestHandler, path: Path, start: int, end: int, rate: int | None
    ) -> None:
        remaining = end - start + 1
        chunk_size = min(_CHUNK, rate) if rate else _CHUNK
        try:
            with path.open("rb") as stream:
                stream.seek(start)
                while remaining > 0 and not self._stopping.is_set():
                    chunk = stream.read(min(chunk_size, remaining))
                    if not chunk:
                        break
                    handler.wfile.write(chunk)
                    handler.wfile.flush()
                    remaining -= len(chunk)
                    if rate:
                        self._stopping.wait(len(chunk) / rate)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away, as a cancelled download does

    def _send_error(self, handler: BaseHTTPRequestHandler, status: int, *, send_body: bool) -> None:
        phrase = HTTPStatus(status).phrase
        body = f"{status} {phrase}\n".encode()
        handler.send_response(status, phrase)
        handler.send_header("Content-Type", "text/plain; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            handler.send_header("Retry-After", "3600")
        handler.end_headers()
        if send_body:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                handler.wfile.write(body)


@pytest.fixture
def video_server(tmp_path: Path) -> Iterator[VideoServer]:
    """A VideoServer on 127.0.0.1 serving a fresh folder; shut down after the test."""
    root = tmp_path / "served"
    root.mkdir()
    server = VideoServer(root)
    try:
        yield server
    finally:
        server.close()
