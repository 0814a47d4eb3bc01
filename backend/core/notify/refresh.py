"""The media-server refresher: after a trailer is added, replaced or deleted, every enabled
media server rescans that media's folder (not its whole library).

It subscribes to the Connect bus: a `downloaded`, `trailer_deleted` or `trailer_missing`
event that names a folder puts the folder in the refresher's own queue, and returns at once
(a download never waits for a media server). Its background task (started and stopped with
the app) waits `MEDIA_SERVER_REFRESH_DELAY_SECONDS` after the first event for a folder, so
that the events of that window (a trailer replaced: the old one deleted, the new one
downloaded) make one rescan of that folder on each server. The servers are asked at the
same time; a server that fails is logged with what to do, and never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib

import anyio

from app_logger import ModuleLogger
from config import get_settings
from core.base.database.manager.mediaserver import MediaServerManager
from core.base.database.models.mediaserver import MediaServerRead
from core.notify.bus import ConnectBus, ConnectEvent, ConnectEventKind
from core.notify.bus import bus as connect_bus
from core.notify.mediaservers import PRODUCTS, refresh_folders

logger = ModuleLogger("MediaServers")

REFRESH_EVENTS = frozenset(
    {
        ConnectEventKind.DOWNLOADED,
        ConnectEventKind.TRAILER_DELETED,
        ConnectEventKind.TRAILER_MISSING,
    }
)


class MediaServerRefresher:
    """Coalesces folder changes and has every enabled media server rescan them."""

    def __init__(self, bus: ConnectBus = connect_bus) -> None:
        self._bus = bus
        self.delay = 0.0
        """Seconds between the first event for a folder and its rescan."""
        self._queue: asyncio.Queue[str] | None = None
        self._idle: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, delay: float | None = None) -> None:
        """Subscribe, and start the task (the saved tokens are hidden from the logs by the
        app's start-up, with the other secrets: main.running)."""
        if self._task is not None and self._task.get_loop() is asyncio.get_running_loop():
            return  # started already (a task of another, ended loop is left behind)
        if delay is None:
            delay = get_settings().media_server_refresh_delay_seconds
        self.delay = delay
        self._queue = asyncio.Queue()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task = asyncio.create_task(self._run(), name="media-server-refresher")
        self._bus.subscribe(self.on_event)

    async def stop(self) -> None:
        """Unsubscribe and end the task; folders still waiting are not rescanned."""
        self._bus.unsubscribe(self.on_event)
        task, self._task = self._task, None
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if self._queue is not None and not self._queue.empty():
            logger.debug(f"{self._queue.qsize()} media-server rescans dropped at shutdown")
        self._queue = None
        if self._idle is not None:
            self._idle.set()

    def on_event(self, event: ConnectEvent) -> None:
        """The bus subscriber: queue the event's folder; returns at once."""
        if event.kind not in REFRESH_EVENTS or not event.folder_path:
            return
        if self._queue is None or self._idle is None:
            return
        self._idle.clear()
        self._queue.put_nowait(event.folder_path)

    async def wait_idle(self) -> None:
        """Until no folder is queued, waiting or being rescanned."""
        if self._idle is not None:
            await self._idle.wait()

    async def _run(self) -> None:
        assert self._queue is not None and self._idle is not None
        queue, idle = self._queue, self._idle
        loop = asyncio.get_running_loop()
        waiting: dict[str, float] = {}
        """Folder -> when it is due (the loop's clock)."""
        while True:
            while not queue.empty():
                waiting.setdefault(queue.get_nowait(), loop.time() + self.delay)
            now = loop.time()
            due = [folder for folder, at in waiting.items() if at <= now]
            if due:
                for folder in due:
                    del waiting[folder]
                await self.refresh(due)
                continue
            if not waiting:
                idle.set()
                folder = await queue.get()
            else:
                try:
                    folder = await asyncio.wait_for(queue.get(), min(waiting.values()) - now)
                except TimeoutError:
                    continue
            waiting.setdefault(folder, loop.time() + self.delay)

    async def refresh(self, folders: list[str]) -> None:
        """Every enabled server rescans these folders (as Trailarr sees them); never raises."""
        try:
            servers = await anyio.to_thread.run_sync(
                lambda: MediaServerManager().read_all(enabled_only=True)
            )
        except Exception as exc:
            logger.error(f"Could not read the media servers; {len(folders)} rescans skipped: {exc}")
            return
        await asyncio.gather(*(self._refresh_one(server, folders) for server in servers))

    async def _refresh_one(self, server: MediaServerRead, folders: list[str]) -> None:
        label = f"{server.name} ({PRODUCTS[server.kind]})"
        try:
            results = await refresh_folders(server, folders)
        except Exception as exc:  # a bug must not stop the other servers or the task
            logger.exception(f"Media server {label}: the rescan failed: {exc}")
            return
        for result in results:
            if result.error is None:
                logger.info(f"Media server {label} rescans {result.done}")
            else:
                logger.warning(
                    f"Media server {label} did not rescan {result.server_folder}"
                    f" (Trailarr's {result.folder}): {result.error.detail}"
                )


media_server_refresher = MediaServerRefresher()
