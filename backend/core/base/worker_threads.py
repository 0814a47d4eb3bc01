"""anyio's worker threads kept ready for the requests, rather than started as they come.

Every sync route, every sync dependency, the serialisation of a sync route's answer and
the app's own `anyio.to_thread.run_sync` calls run on anyio's worker threads. anyio starts
a thread whenever none is idle, and starts it on the event loop: Python's `Thread.start`
waits until the new thread has run its first lines, and under load (four conversions, a
reconcile, twenty readers) the new thread waits for the interpreter behind every busy one.
Meanwhile the loop answers nothing: `GET /status` stalled 120-150 ms at the moment downloads
began (bench/load.py; py-spy showed the loop in `Thread.start`). And anyio ends a thread
that has been idle for 10 s the next time it hands out work, so the pool shrank back after
every quiet moment and the next burst paid for its threads again.

Here the threads are started once, during start-up (before the app serves), and idle
threads are kept for the process's life: the pool only grows, up to anyio's limit (40
threads at once by default), and a thread started under load is started once.
"""

from __future__ import annotations

import sys
import threading

import anyio
import anyio.to_thread

from app_logger import ModuleLogger

logger = ModuleLogger("Threads")

READY_THREADS = 16
"""Worker threads started with the app: the requests, downloads' short steps, reconcile and
a sync that may want one at the same moment on a home server."""
PRESTART_TIMEOUT_SECONDS = 30.0


def _keep_idle_threads() -> bool:
    """anyio's idle threads are never ended for being idle; False where anyio has no such
    setting (another version): its threads are then ended as anyio decides."""
    try:
        from anyio._backends._asyncio import WorkerThread
    except ImportError:
        return False
    if not isinstance(getattr(WorkerThread, "MAX_IDLE_TIME", None), int | float):
        return False
    WorkerThread.MAX_IDLE_TIME = sys.maxsize  # seconds: never, in practice
    return True


async def keep_worker_threads_ready(count: int = READY_THREADS) -> None:
    """Start `count` of anyio's worker threads now (threads idle already count) and keep
    idle ones for the process's life. Called on the event loop during start-up."""
    if not _keep_idle_threads():
        logger.debug("anyio's idle worker threads are ended as anyio decides (no setting)")
    count = max(1, min(count, int(anyio.to_thread.current_default_thread_limiter().total_tokens)))
    barrier = threading.Barrier(count)
    # Each call holds its thread until all are running, so each needs a thread of its own:
    # anyio hands out an idle one or starts one.
    try:
        async with anyio.create_task_group() as group:
            for _ in range(count):
                group.start_soon(
                    lambda: anyio.to_thread.run_sync(barrier.wait, PRESTART_TIMEOUT_SECONDS)
                )
    except* threading.BrokenBarrierError:
        logger.warning(
            f"Only some of the {count} worker threads were ready within "
            f"{PRESTART_TIMEOUT_SECONDS:.0f} s: the others start as requests need them"
        )
