"""Syncs of one connection started from the API, in the background (one at a time each).

`POST /api/v1/connections/{id}/refresh` starts `sync_connection` in a worker thread and
answers at once; the event loop never waits for it. The app stops them at shutdown
(`cancel_all`, wired in main.py) the way the task runner stops its tasks.
"""

from __future__ import annotations

import asyncio
import threading
from functools import partial

import anyio

from app_logger import ModuleLogger
from core.arr.sync import SyncSummary, is_syncing, sync_connection
from core.base.notifier import notifier
from core.exceptions import AppError, ConflictError
from core.history.reconcile import StopRequested
from core.tasks.registry import download_missing_now

logger = ModuleLogger("ArrRefresh")
STOP_TIMEOUT = 15.0


class ConnectionRefreshes:
    """The background syncs of single connections; `start` must run on the event loop."""

    def __init__(self) -> None:
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stop = threading.Event()
        self.last: dict[int, SyncSummary | str] = {}
        """Per connection: the summary of its last refresh, or why it failed."""

    def is_running(self, connection_id: int) -> bool:
        task = self._tasks.get(connection_id)
        running = task is not None and not task.done() and not task.get_loop().is_closed()
        return running or is_syncing(connection_id)

    def start(self, connection_id: int) -> None:
        """Start the sync of the connection; ConflictError while one of it runs."""
        if self.is_running(connection_id):
            raise ConflictError(f"A sync of connection {connection_id} is already running")
        self._tasks[connection_id] = asyncio.create_task(
            self._run(connection_id), name=f"refresh-{connection_id}"
        )

    async def _run(self, connection_id: int) -> None:
        job = partial(sync_connection, connection_id, stop=self._stop)
        try:
            summary = await anyio.to_thread.run_sync(job)
        except StopRequested:
            self.last[connection_id] = "Stopped: the app was shutting down"
            return
        except AppError as exc:
            self.last[connection_id] = exc.detail
            logger.warning(f"Refresh of connection {connection_id} failed: {exc.detail}")
            await notifier.send(f"Refresh failed: {exc.detail}", "Error")
            return
        except Exception as exc:
            self.last[connection_id] = f"{type(exc).__name__}: {exc}"
            logger.exception(f"Refresh of connection {connection_id} failed: {exc}")
            await notifier.send("Refresh failed: see the logs", "Error")
            return
        self.last[connection_id] = summary
        if summary.added or summary.updated:
            await anyio.to_thread.run_sync(
                download_missing_now, f"the refresh of {summary.connection_name} brought media"
            )
        await notifier.send(
            f"Synced {summary.connection_name}: {summary.added} added, {summary.updated} "
            f"updated, {summary.removed} removed, {summary.skipped} skipped",
            "Success",
            connection_id=connection_id,
        )

    async def wait(self, connection_id: int) -> None:
        task = self._tasks.get(connection_id)
        if task is not None and not task.done():
            await asyncio.gather(task, return_exceptions=True)

    async def cancel_all(self) -> None:
        """Ask the running syncs to stop, wait for them (at most STOP_TIMEOUT s)."""
        running = [t for t in self._tasks.values() if not t.done() and not t.get_loop().is_closed()]
        self._stop.set()
        if running:
            _done, pending = await asyncio.wait(running, timeout=STOP_TIMEOUT)
            for task in pending:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        self._tasks.clear()
        self._stop = threading.Event()


connection_refreshes = ConnectionRefreshes()
