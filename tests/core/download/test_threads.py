"""The downloads' threads: started ahead, off the event loop; a download's work runs there."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import anyio.to_thread
import pytest

from core.download.threads import MAX_THREADS, DownloadThreads

pytestmark = [pytest.mark.anyio, pytest.mark.no_database]

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


def _download_threads() -> set[threading.Thread]:
    # This test's pool only: other tests' downloads start the app's pool's threads (named
    # "download_N") at any time, and a fresh-clone CI once counted one of those here.
    return {t for t in threading.enumerate() if t.name.startswith("prestart-test")}


async def test_prestarted_threads_are_the_ones_the_work_runs_on() -> None:
    threads = DownloadThreads(name="prestart-test")
    before = _download_threads()
    assert before == set()
    await anyio.to_thread.run_sync(threads.prestart, 3)
    started = _download_threads() - before
    assert len(started) == 3

    names = await asyncio.gather(
        *(threads.run(lambda: threading.current_thread()) for _ in range(3))
    )
    assert set(names) <= started
    await anyio.to_thread.run_sync(threads.prestart, 3)  # running ones count: none more
    assert len(_download_threads() - before) == 3
    await anyio.to_thread.run_sync(threads.prestart, MAX_THREADS + 5)
    assert len(_download_threads() - before) == MAX_THREADS


async def test_the_work_gets_its_arguments_result_errors_and_context() -> None:
    threads = DownloadThreads()
    request_id.set("r-1")
    assert await threads.run(lambda a, b: (a + b, request_id.get()), 2, 3) == (5, "r-1")
    with pytest.raises(ValueError, match="bad"):
        await threads.run(lambda: (_ for _ in ()).throw(ValueError("bad")))


async def test_a_cancelled_caller_waits_for_the_work_to_end() -> None:
    threads = DownloadThreads()
    started, release = threading.Event(), threading.Event()
    ended: list[bool] = []

    def work() -> None:
        started.set()
        release.wait(30)
        ended.append(True)

    task = asyncio.create_task(threads.run(work))
    await anyio.to_thread.run_sync(started.wait, 30)
    task.cancel()
    await asyncio.sleep(0.05)
    assert not task.done()  # still waiting for the thread, as anyio's run_sync does
    task.cancel()  # a second cancel does not cut the wait short either
    await asyncio.sleep(0.05)
    assert not task.done()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ended == [True]
