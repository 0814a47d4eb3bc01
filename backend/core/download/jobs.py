"""Background download jobs: at most one running per media item."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from app_logger import ModuleLogger
from core.exceptions import ConflictError

logger = ModuleLogger("DownloadJobs")


class DownloadJobs:
    """Runs download coroutines as tasks, keyed by media id."""

    def __init__(self) -> None:
        self._tasks: dict[int, asyncio.Task[Any]] = {}

    def is_running(self, media_id: int) -> bool:
        task = self._tasks.get(media_id)
        return task is not None and not task.done()

    def start(self, media_id: int, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `work` in the background; ConflictError when this media already has a job."""
        if self.is_running(media_id):
            work.close()
            raise ConflictError(f"A trailer download is already running for media {media_id}")
        task = asyncio.create_task(work, name=f"download-media-{media_id}")
        self._tasks[media_id] = task
        task.add_done_callback(lambda t: self._finished(media_id, t))
        return task

    def _finished(self, media_id: int, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(media_id) is task:
            del self._tasks[media_id]
        if not task.cancelled() and task.exception() is not None:
            logger.error(f"Download job for media {media_id} failed: {task.exception()}")

    async def wait(self, media_id: int) -> None:
        """Wait until this media's job, if any, has ended."""
        task = self._tasks.get(media_id)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


download_jobs = DownloadJobs()
