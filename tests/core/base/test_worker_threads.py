"""anyio's worker threads: started during start-up, and kept when idle (not ended after 10 s)."""

from __future__ import annotations

import threading

import anyio
import anyio.to_thread
import pytest

from core.base.worker_threads import keep_worker_threads_ready

pytestmark = [pytest.mark.anyio, pytest.mark.no_database]


def _workers() -> set[threading.Thread]:
    """anyio's worker threads in this process: this test's event loop's, and any that an
    earlier test's loop has not ended yet (they end soon after their loop: only a thread
    that appears is this test's doing, not one that goes)."""
    return {t for t in threading.enumerate() if t.name == "AnyIO worker thread"}


async def _run_at_once(count: int) -> set[threading.Thread]:
    """The threads `count` calls held at the same moment ran on."""
    barrier = threading.Barrier(count)
    used: set[threading.Thread] = set()

    def hold() -> None:
        used.add(threading.current_thread())
        barrier.wait(30)

    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(anyio.to_thread.run_sync, hold)
    return used


async def test_the_threads_are_started_ahead_and_a_burst_starts_none() -> None:
    await keep_worker_threads_ready(6)
    ready = _workers()
    assert len(ready) >= 6

    used = await _run_at_once(6)
    assert used <= ready  # six requests at once: every one on a thread started ahead
    assert _workers() <= ready

    await keep_worker_threads_ready(6)  # idle ones count: none more
    assert _workers() <= ready


async def test_idle_threads_are_kept_past_anyios_idle_limit() -> None:
    from anyio._backends._asyncio import WorkerThread

    await keep_worker_threads_ready(4)
    ready = await _run_at_once(4)  # this loop's four, and no earlier loop's
    assert len(ready) == 4
    # As if every thread had been idle for an hour: anyio would end all but the one it
    # hands the next call to (its limit is 10 s).
    for thread in ready:
        assert isinstance(thread, WorkerThread)
        thread.idle_since -= 3600
    await anyio.to_thread.run_sync(lambda: None)
    await anyio.sleep(0.1)
    assert {t for t in ready if t.is_alive()} == ready
    used = await _run_at_once(4)
    assert used <= ready
