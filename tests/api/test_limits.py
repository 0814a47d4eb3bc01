"""The request body limit: 413 before the body is read, before authentication."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.limits import MAX_BODY_BYTES
from main import app
from tests.utils.api import media_body
from tests.utils.server import Server
from tests.utils.wait import WAIT_SECONDS

MIB = 1024 * 1024
HUGE = 150 * MIB


class Body:
    """A request body of `total` bytes made on demand; counts the bytes the app pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total = total
        self.chunk = b"x" * chunk
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            part = self.chunk[: self.total - self.pulled]
            self.pulled += len(part)
            yield part


async def post(body: Body, headers: dict[str, str] | None = None) -> httpx.Response:
    """POST /api/v1/media without credentials, the body streamed into the app in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.post("/api/v1/media", content=body, headers=headers)


@pytest.mark.anyio
async def test_a_declared_huge_body_is_refused_unread_and_before_authentication() -> None:
    body = Body(HUGE)

    response = await post(body, headers={"Content-Length": str(HUGE)})

    assert response.status_code == 413  # not 401: the size is judged first
    assert "larger than" in response.json()["detail"]
    assert body.pulled == 0


@pytest.mark.anyio
async def test_a_chunked_body_over_the_limit_is_refused_once_it_passes_the_limit() -> None:
    body = Body(HUGE)

    response = await post(body)  # an async iterable without a length: sent chunked

    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert MAX_BODY_BYTES < body.pulled <= MAX_BODY_BYTES + len(body.chunk)


@pytest.mark.anyio
async def test_a_chunked_body_of_exactly_the_limit_reaches_the_app() -> None:
    body = Body(MAX_BODY_BYTES)

    response = await post(body)

    assert response.status_code == 401  # read in full, then refused for the missing key
    assert body.pulled == MAX_BODY_BYTES


@pytest.mark.usefixtures("media_root")  # the folder of media_body lies in it
def test_a_normal_json_request_still_works(client: TestClient) -> None:
    created = client.post("/api/v1/media", json=media_body())
    assert created.status_code == 201, created.text
    assert client.get(f"/api/v1/media/{created.json()['id']}").json()["title"] == "Arrival"


def memory_kib(pid: int, field: str) -> int:
    """A memory figure of a process from /proc/<pid>/status (VmRSS, VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def send_huge_post(port: int, *, chunked: bool) -> bytes:
    """POST 150 MB without credentials over a raw socket; the start of the answer.

    The body is sent from a second thread while this one reads the answer, so that a server
    that answers early is heard whatever happens to the rest of the upload.
    """
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {HUGE}"
    head = (
        f"POST /api/v1/media HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()
    piece = b"x" * MIB
    if chunked:
        piece = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"

    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS) as sock:
        sock.sendall(head)

        def upload() -> None:
            try:
                for _ in range(HUGE // MIB):
                    sock.sendall(piece)
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server answered and closed the connection: expected

        sender = threading.Thread(target=upload, daemon=True)
        sender.start()
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
        sender.join(WAIT_SECONDS)
        return answer


@pytest.mark.slow
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_the_real_server_does_not_take_a_huge_body_into_memory(
    tmp_path: Path,
    server_factory: type[Server],
    chunked: bool,
) -> None:
    data = tmp_path / "server-data"
    data.mkdir()
    server = server_factory(data, tmp_path / "server.log")
    server.wait_ready()
    pid = server.process.pid
    before = memory_kib(pid, "VmRSS")

    answer = send_huge_post(server.port, chunked=chunked)

    # VmHWM is the peak resident size: it catches a body held for a moment and freed since.
    grown_mib = (memory_kib(pid, "VmHWM") - before) / 1024
    assert grown_mib < 50, f"the server grew by {grown_mib:.0f} MiB"
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert httpx.get(f"{server.base}/status", timeout=WAIT_SECONDS).status_code == 200
