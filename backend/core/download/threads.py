"""The threads a download's long blocking work runs on, started before they are needed.

A download's fetch-convert-verify step holds a thread for as long as it runs (minutes),
so each download that starts needed a new thread in anyio's worker pool. Python starts a
thread by waiting, on the calling thread, until the new one has run its first lines; under
load (readers' requests, a reconcile, other downloads all wanting the interpreter) that
took the new thread a long while, and the calling thread was the event loop: every request
stalled (bench/load.py: GET /status 0.12–0.34 s at the moment four downloads began; a
py-spy profile showed the loop waiting in `Thread.start`). Here the threads are started at
the app's start, from a worker thread, and live as long as the process (a
ThreadPoolExecutor's workers); a download only hands its work to one.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

MAX_THREADS = 8
"""DOWNLOAD_CONCURRENCY's upper bound: one thread per download that may run at once."""
PRESTART_TIMEOUT_SECONDS = 30.0


class DownloadThreads:
    """A pool of MAX_THREADS threads for the downloads' blocking steps (see the module)."""

    def __init__(self, name: str = "download") -> None:
        self._pool = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix=name)

    def prestart(self, count: int) -> None:
        """Start `count` of the threads now (at most MAX_THREADS). Blocking: call it from a
        worker thread, never from the event loop. Threads started already count."""
        count = max(0, min(count, MAX_THREADS))
        barrier = threading.Barrier(count + 1)
        # Each task holds its thread until all are running, so each submit needs a thread
        # of its own: the pool starts one (or finds an idle one started before).
        waits = [self._pool.submit(barrier.wait, PRESTART_TIMEOUT_SECONDS) for _ in range(count)]
        barrier.wait(PRESTART_TIMEOUT_SECONDS)
        for wait in waits:
            wait.result()

    async def run[T](self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on one of the threads, with the caller's context variables.

        As `anyio.to_thread.run_sync` by default: a cancellation of the caller waits for the
        function to return (it is told to stop by other means: the download's tracker), then
        goes on.
        """
        context = contextvars.copy_context()
        future = asyncio.get_running_loop().run_in_executor(
            self._pool, partial(context.run, function, *args)
        )
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            while not future.done():
                try:
                    await asyncio.wait({future})
                except asyncio.CancelledError:
                    continue
            raise


download_threads = DownloadThreads()
