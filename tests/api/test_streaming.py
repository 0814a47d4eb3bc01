"""ReadAheadResponse: the next chunk is read while the one before is sent, in order, at most
`ahead` chunks ahead; an early end closes the iterator and leaves no read running."""

from __future__ import annotations

import threading
from collections.abc import Iterator, MutableMapping
from typing import Any

import anyio
import anyio.to_thread
import pytest

from api.streaming import ReadAheadResponse

pytestmark = [pytest.mark.anyio, pytest.mark.no_database]


class Chunks:
    """A blocking iterator of b"0", b"1", ...: counts the reads begun, tells when one begins,
    and records being closed."""

    def __init__(self, count: int, *, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.reads = 0
        self.closed = False
        self.reading = False
        self.read_begun = threading.Condition()

    def wait_reads(self, reads: int) -> bool:
        with self.read_begun:
            return self.read_begun.wait_for(lambda: self.reads >= reads, timeout=30)

    def __iter__(self) -> Iterator[bytes]:
        try:
            for n in range(self.count):
                self.reading = True  # in next(), on a worker thread, until the yield
                with self.read_begun:
                    self.reads += 1
                    self.read_begun.notify_all()
                if n == self.fail_at:
                    raise ValueError("the database went away")
                self.reading = False
                yield str(n).encode()
        finally:
            self.closed = True


def bodies(sent: list[MutableMapping[str, Any]]) -> list[bytes]:
    return [m["body"] for m in sent if m["type"] == "http.response.body"]


async def test_the_next_chunk_is_read_while_the_one_before_is_sent() -> None:
    chunks = Chunks(4)
    sent: list[MutableMapping[str, Any]] = []
    overlapped: list[bool] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        body = message.get("body")
        if body == b"0":
            # Starlette's own streaming reads chunk 1 only after this send returns.
            overlapped.append(await anyio.to_thread.run_sync(chunks.wait_reads, 2))
        sent.append(message)

    response = ReadAheadResponse(iter(chunks), media_type="text/plain")
    with anyio.fail_after(60):
        await response.stream_response(send)
    assert overlapped == [True]
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    assert bodies(sent) == [b"0", b"1", b"2", b"3", b""]
    assert [m["more_body"] for m in sent[1:]] == [True, True, True, True, False]
    assert chunks.closed


@pytest.mark.parametrize("ahead", [1, 3])
async def test_no_more_than_ahead_chunks_are_read_ahead(ahead: int) -> None:
    chunks = Chunks(8)
    most_ahead: list[int] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] != "http.response.body" or not message["more_body"]:
            return
        sending = int(message["body"]) + 1  # reads of the chunks up to this one
        expected = min(sending + ahead, chunks.count)
        assert await anyio.to_thread.run_sync(chunks.wait_reads, expected)
        await anyio.sleep(0.05)  # time for a read too many, were one to start
        most_ahead.append(chunks.reads - sending)

    with anyio.fail_after(60):
        await ReadAheadResponse(iter(chunks), ahead=ahead).stream_response(send)
    assert max(most_ahead) == ahead
    assert most_ahead[-ahead:] == list(range(ahead - 1, -1, -1))  # the last ones: fewer left


async def test_a_send_that_fails_stops_the_reading_and_closes_the_iterator() -> None:
    chunks = Chunks(50)
    sent: list[bytes] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if len(sent) == 2:
                raise OSError("the client went away")
            sent.append(message["body"])

    with anyio.fail_after(60), pytest.raises(OSError, match="went away"):
        await ReadAheadResponse(iter(chunks), ahead=2).stream_response(send)
    assert sent == [b"0", b"1"]
    assert chunks.closed and not chunks.reading  # no read left running
    assert chunks.reads <= 3 + 2  # the one failed, the two ahead of it


async def test_a_cancelled_response_stops_the_reading_and_closes_the_iterator() -> None:
    """As when the client disconnects (ASGI spec 2.3: Starlette cancels the streaming)."""
    chunks = Chunks(50)
    first = anyio.Event()

    async def send(message: MutableMapping[str, Any]) -> None:
        if message.get("body") == b"0":
            first.set()
            await anyio.sleep_forever()

    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            group.start_soon(ReadAheadResponse(iter(chunks)).stream_response, send)
            await first.wait()
            group.cancel_scope.cancel()
    assert chunks.closed and not chunks.reading
    assert chunks.reads <= 2


async def test_an_error_of_the_iterator_ends_the_response_with_it() -> None:
    chunks = Chunks(5, fail_at=2)
    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    with anyio.fail_after(60), pytest.raises(ValueError, match="went away"):
        await ReadAheadResponse(iter(chunks)).stream_response(send)
    assert bodies(sent) == [b"0", b"1"]  # never an end: the client sees a cut response
    assert chunks.closed
