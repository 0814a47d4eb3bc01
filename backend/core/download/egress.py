"""The source policy at connection time: a forward proxy that yt-dlp's requests go through.

Checking a source URL before a download is not enough: the server may redirect to
127.0.0.1, or its name may resolve to a public address when checked and to a private one a
moment later (DNS rebinding). So every yt-dlp run gets its own `EgressGuard`, a small HTTP
proxy on 127.0.0.1 with a one-time password. yt-dlp sends each request to it, redirects
included: plain http as an absolute-form request, https as a CONNECT tunnel. For each, the
guard resolves the host itself, applies the policy of `sources.refusal_reason` to every
address the name has, and connects to an address it checked, so no second lookup can
answer differently. A refused request gets a 403 and the reason is kept in `refusal`, for
the downloader's error.

Why not a library: the proxies on PyPI (proxy.py, mitmproxy) are whole servers with process
pools and their own TLS stacks; what is needed here is one check between the lookup and the
connect, which is most of these few lines anyway.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import secrets
import selectors
import socket
import socketserver
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import cast
from urllib.parse import urlsplit

from app_logger import ModuleLogger
from core.download import sources
from core.exceptions import SourceRefusedError

logger = ModuleLogger("Downloader")

PROXY_USER = "trailarr"
MAX_HEAD_BYTES = 64 * 1024
"""The longest request line and headers accepted from yt-dlp."""
CONNECT_TIMEOUT = 15.0
IDLE_TIMEOUT = 60.0
"""Seconds a connection may stay silent in both directions before the guard drops it."""
_CHUNK = 64 * 1024
# Headers meant for the proxy (or one hop) that are never sent on.
_HOP_HEADERS = frozenset(
    {
        b"proxy-authorization",
        b"proxy-connection",
        b"connection",
        b"keep-alive",
        b"te",
        b"trailer",
        b"upgrade",
    }
)


@dataclass(frozen=True)
class _Request:
    method: bytes
    target: bytes
    version: bytes
    headers: list[tuple[bytes, bytes]]
    rest: bytes
    """Bytes the client sent after the head (the start of a body)."""

    def header(self, name: bytes) -> bytes | None:
        return next((value for key, value in self.headers if key.lower() == name), None)


class _BadRequest(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class EgressGuard:
    """A forward proxy on 127.0.0.1 that applies the source policy to each connection.

    Use as a context manager around one yt-dlp run and pass `proxy_url` as yt-dlp's `proxy`.
    Blocking: it serves from its own threads.
    """

    def __init__(self, *, allow_local: bool) -> None:
        self.allow_local = allow_local
        self._password = secrets.token_urlsafe(24)
        self._expected_auth = b"Basic " + base64.b64encode(
            f"{PROXY_USER}:{self._password}".encode()
        )
        self._lock = threading.Lock()
        self._refusal: str | None = None
        self._unreachable: str | None = None
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def refusal(self) -> str | None:
        """The reason of the first request the policy refused, if any."""
        with self._lock:
            return self._refusal

    @property
    def unreachable(self) -> str | None:
        """Why the last upstream connection failed (host, port and the OS error), if one did."""
        with self._lock:
            return self._unreachable

    @property
    def proxy_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the egress guard is not running")
        port = self._server.server_address[1]
        return f"http://{PROXY_USER}:{self._password}@127.0.0.1:{port}"

    def __enter__(self) -> EgressGuard:
        guard = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                guard._serve(self.request)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="egress-guard",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- one client connection ------------------------------------------------------------

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(IDLE_TIMEOUT)
        try:
            request = _read_head(client)
            if not hmac.compare_digest(
                request.header(b"proxy-authorization") or b"", self._expected_auth
            ):
                raise _BadRequest(407, "proxy authentication required")
            if request.method == b"CONNECT":
                self._tunnel(client, request)
            else:
                self._forward(client, request)
        except _BadRequest as exc:
            _answer(client, exc.status, exc.reason)
        except OSError as exc:
            logger.debug(f"Egress guard: connection ended: {exc}")
        finally:
            client.close()

    def _tunnel(self, client: socket.socket, request: _Request) -> None:
        host, port = _split_host_port(request.target.decode("latin-1"), default_port=443)
        upstream = self._connect(host, port)
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if request.rest:
                upstream.sendall(request.rest)
            _relay(client, upstream)

    def _forward(self, client: socket.socket, request: _Request) -> None:
        parts = urlsplit(request.target.decode("latin-1"))
        if parts.scheme.lower() != "http" or not parts.hostname:
            raise _BadRequest(400, "only absolute http:// requests and CONNECT are served")
        if request.header(b"transfer-encoding") is not None:
            raise _BadRequest(411, "chunked request bodies are not supported")
        port = parts.port or 80
        upstream = self._connect(parts.hostname, port)
        with upstream:
            path = parts.path or "/"
            if parts.query:
                path = f"{path}?{parts.query}"
            lines = [request.method + b" " + path.encode("latin-1") + b" " + request.version]
            has_host = False
            for key, value in request.headers:
                lowered = key.lower()
                if lowered in _HOP_HEADERS:
                    continue
                has_host = has_host or lowered == b"host"
                lines.append(key + b": " + value)
            if not has_host:
                lines.append(b"Host: " + (parts.netloc.rsplit("@", 1)[-1]).encode("latin-1"))
            # One request per connection: a client that reuses its proxy connection for
            # another host must come back through the check.
            lines.append(b"Connection: close")
            upstream.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + request.rest)
            _relay(client, upstream)

    def _connect(self, host: str, port: int) -> socket.socket:
        """A connection to an address of `host` that the policy accepts; 403 otherwise."""
        try:
            addresses = sources.lookup(host)
        except SourceRefusedError as exc:
            raise _BadRequest(502, str(exc)) from exc
        reason = None if self.allow_local else sources.refusal_reason(host, addresses)
        if reason is not None:
            with self._lock:
                self._refusal = self._refusal or reason
            logger.warning(f"Refused a download request to {host}: {reason}")
            raise _BadRequest(403, reason)
        error: OSError | None = None
        for address in addresses:
            try:
                upstream = socket.create_connection((str(address), port), timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                error = exc
                continue
            with self._lock:
                self._unreachable = None  # a later request got through: not the cause
            return upstream
        reason = f"cannot connect to {host}:{port}: {error}"
        with self._lock:
            self._unreachable = reason
        raise _BadRequest(502, reason)


def _read_head(client: socket.socket) -> _Request:
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD_BYTES:
            raise _BadRequest(431, "request head too large")
        chunk = client.recv(_CHUNK)
        if not chunk:
            raise _BadRequest(400, "the request ended before its head")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    line, *header_lines = head.split(b"\r\n")
    fields = line.split(b" ")
    if len(fields) != 3 or not fields[2].startswith(b"HTTP/"):
        raise _BadRequest(400, "malformed request line")
    headers: list[tuple[bytes, bytes]] = []
    for header_line in header_lines:
        key, sep, value = header_line.partition(b":")
        if not sep or not key.strip():
            raise _BadRequest(400, "malformed header")
        headers.append((key.strip(), value.strip()))
    return _Request(fields[0].upper(), fields[1], fields[2], headers, rest)


def _split_host_port(authority: str, *, default_port: int) -> tuple[str, int]:
    """("host", port) from "host:port", "[v6]:port" or "host"."""
    parts = urlsplit(f"//{authority}")
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise _BadRequest(400, f"invalid port in {authority!r}") from exc
    if not parts.hostname:
        raise _BadRequest(400, f"no host in {authority!r}")
    return parts.hostname, port


def _answer(client: socket.socket, status: int, reason: str) -> None:
    phrases = {
        400: "Bad Request",
        403: "Forbidden",
        407: "Proxy Authentication Required",
        411: "Length Required",
        431: "Request Header Fields Too Large",
        502: "Bad Gateway",
    }
    body = f"{reason}\n".encode()
    head = (
        f"HTTP/1.1 {status} {phrases.get(status, 'Error')}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n"
    )
    if status == 407:
        head += f'Proxy-Authenticate: Basic realm="{PROXY_USER}"\r\n'
    with contextlib.suppress(OSError):
        client.sendall(head.encode() + b"\r\n" + body)


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until both sides are done, or one fails or stays silent."""
    for sock in (client, upstream):
        sock.settimeout(IDLE_TIMEOUT)
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        open_sides = 2
        while open_sides:
            events = selector.select(IDLE_TIMEOUT)
            if not events:
                return
            for key, _ in events:
                source = cast(socket.socket, key.fileobj)
                target = cast(socket.socket, key.data)
                try:
                    data = source.recv(_CHUNK)
                except OSError:
                    return
                if not data:
                    selector.unregister(source)
                    open_sides -= 1
                    if source is upstream:
                        return  # the answer is complete: the server closed its side
                    try:
                        target.shutdown(socket.SHUT_WR)
                    except OSError:
                        return
                    continue
                try:
                    target.sendall(data)
                except OSError:
                    return
