"""A streamed response whose next chunk is read while the one before is being sent.

Starlette streams a blocking iterator one step at a time: it asks a worker thread for a
chunk, sends it, and only then asks for the next. For an export that is one batch read
from the database, then a wait while the client takes that batch in, then the next read:
the two never overlap. Here a reader reads the chunks one after the other, in worker
threads, while the chunks read before are sent; at most `ahead` chunks wait in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping

import anyio
import anyio.to_thread
from starlette.responses import StreamingResponse
from starlette.types import Send

_Ready = asyncio.Queue[tuple[bytes | None, Exception | None]]
"""The chunks read, in order: (chunk, None) each, then (None, None) at the end, or
(None, error) when the iterator failed."""


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


class ReadAheadResponse(StreamingResponse):
    """A StreamingResponse over a blocking iterator of bytes: each chunk is read in a worker
    thread, up to `ahead` chunks ahead of the one being sent (so at most `ahead` + 1 chunks
    are held at once).

    When the response ends early (the client goes, a send fails), the read in progress is
    let finish (a thread cannot be stopped), none starts after it, and the iterator is
    closed (a generator's `finally` blocks run). An error of the iterator ends the
    response as Starlette's own streaming does: raised where the chunk would have gone.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        *,
        ahead: int = 1,
        media_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__((), media_type=media_type, headers=headers)
        self._chunks = chunks
        self._ahead = max(1, ahead)
        self._stopping = False

    async def _read(self, ready: _Ready, room: asyncio.Semaphore) -> None:
        # Never cancelled from outside: a cancelled wait for a worker thread could return
        # while the thread still runs the iterator, which could then not be closed.
        try:
            while True:
                await room.acquire()
                if self._stopping:
                    return
                chunk = await anyio.to_thread.run_sync(_next_chunk, self._chunks)
                ready.put_nowait((chunk, None))
                if chunk is None:
                    return
        except Exception as error:  # handed to the sender, which raises it
            ready.put_nowait((None, error))

    async def stream_response(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        ready: _Ready = asyncio.Queue()
        room = asyncio.Semaphore(self._ahead)
        reader = asyncio.ensure_future(self._read(ready, room))
        try:
            while True:
                chunk, error = await ready.get()
                room.release()  # this chunk is no longer ahead: the next may be read
                if error is not None:
                    raise error
                if chunk is None:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            with anyio.CancelScope(shield=True):
                self._stopping = True
                room.release()  # a reader waiting for room wakes, and stops
                await asyncio.wait({reader})
                await anyio.to_thread.run_sync(_close, self._chunks)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
