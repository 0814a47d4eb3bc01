"""The download queue: every trailer download waits here for a slot, runs, and leaves.

Downloads started by hand and by the download-missing engine alike are queued. At most
`DOWNLOAD_CONCURRENCY` run at once (default 1), two of the same media never at once
(they write into the same folder), and a media and profile is queued at most once: a
second request is refused (ConflictError, 409). Each item is a `Tracker`: its stage and
progress are pushed to the live messages as they change (a "Queue" message with the item;
at most every `PUSH_SECONDS` within a stage), and its end as a "Queue" message with
`removed`. `cancel` stops an item in any stage but the last (moving the trailer into
place): a waiting item leaves at once, a running one stops its programs and removes its
work folder before `cancel` returns.

Written here rather than with a job-queue library: the queue lives in the process (a
restart's lost downloads are found again by the engine's next run), its items are
coroutines of this event loop, and what it needs beyond `anyio.CapacityLimiter` is the
per-media exclusion and the cancel semantics above.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

import anyio
from pydantic import BaseModel, Field

from app_logger import ModuleLogger
from config import get_settings
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.models.base import utc_now
from core.base.database.models.media import MediaRead
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.base.notifier import notifier
from core.download.sources import Source
from core.download.stages import CANCELLED_REASON, Stage, Tracker
from core.download.trailer import DownloadResult, download_trailer
from core.exceptions import ConflictError, NotFoundError

logger = ModuleLogger("DownloadQueue")

PUSH_SECONDS = 0.5
"""The least time between two live messages of one item within a stage."""
CANCEL_WAIT_SECONDS = 60.0
"""How long `cancel` waits for a running item to stop (a search cannot be interrupted)."""

Origin = Literal["manual", "engine"]


class QueueItemRead(BaseModel):
    """A download waiting or running in the queue."""

    id: int
    media_id: int
    media_title: str
    profile_id: int
    profile_name: str
    stage: Stage
    progress: float | None = Field(description="Share of the stage done, 0 to 1; null: unknown")
    speed: float | None = Field(description="Bytes per second while downloading")
    eta: float | None = Field(description="Seconds left in the download, by yt-dlp")
    source: str | None = Field(description="The URL tried now (or asked for)")
    origin: Origin = Field(description="Started by hand, or by the download-missing engine")
    replaces: int | None = Field(description="The download record the new trailer replaces")
    cancelling: bool
    added_at: datetime
    started_at: datetime | None


Runner = Callable[..., Awaitable[DownloadResult]]


class QueueItem(Tracker):
    """One queued download: a tracker that pushes its changes to the live messages."""

    def __init__(
        self,
        item_id: int,
        media: MediaRead,
        profile: TrailerProfileRead,
        source: Source | None,
        *,
        replaces: int | None,
        origin: Origin,
        loop: asyncio.AbstractEventLoop,
        push: Callable[[QueueItem], None],
    ) -> None:
        super().__init__()
        self.id = item_id
        self.media = media
        self.profile = profile
        self.requested = source
        self.source = source.url if source else None
        self.replaces = replaces
        self.origin: Origin = origin
        self.added_at = utc_now()
        self.started_at: datetime | None = None
        self.task: asyncio.Task[DownloadResult] | None = None
        self._loop = loop
        self._push = push
        self._pushed_at = 0.0

    def changed(self, moved: bool) -> None:
        now = time.monotonic()
        if not moved and now - self._pushed_at < PUSH_SECONDS:
            return
        self._pushed_at = now
        # RuntimeError: the loop has closed (shut-down), nobody is listening.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._push, self)

    def read(self) -> QueueItemRead:
        return QueueItemRead(
            id=self.id,
            media_id=self.media.id,
            media_title=self.media.title,
            profile_id=self.profile.id,
            profile_name=self.profile.name,
            stage=self.stage,
            progress=self.progress,
            speed=self.speed,
            eta=self.eta,
            source=self.source,
            origin=self.origin,
            replaces=self.replaces,
            cancelling=self.cancelled,
            added_at=self.added_at,
            started_at=self.started_at,
        )


class DownloadQueue:
    """The app's download queue (see the module docstring)."""

    def __init__(self, runner: Runner = download_trailer) -> None:
        self._runner = runner
        self._items: dict[int, QueueItem] = {}
        self._ids = itertools.count(1)
        self._limiter: anyio.CapacityLimiter | None = None
        self._media_locks: dict[int, asyncio.Lock] = {}
        self._sends: set[asyncio.Task[None]] = set()

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        """The slots (made on first use, inside the event loop)."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(get_settings().download_concurrency)
        return self._limiter

    def start(self) -> None:
        """At the app's start, on its event loop: slots as DOWNLOAD_CONCURRENCY says."""
        self._limiter = anyio.CapacityLimiter(get_settings().download_concurrency)
        self._media_locks.clear()

    def set_concurrency(self, slots: int) -> None:
        self.limiter.total_tokens = slots

    def items(self) -> list[QueueItemRead]:
        """Running items first (by start), then the waiting ones in their order."""
        running = [i for i in self._items.values() if i.started_at is not None]
        waiting = [i for i in self._items.values() if i.started_at is None]
        running.sort(key=lambda item: item.started_at or item.added_at)
        return [item.read() for item in running + waiting]

    def pairs(self) -> set[tuple[int, int]]:
        """The (media id, profile id) of every queued item."""
        return {(i.media.id, i.profile.id) for i in self._items.values()}

    def find(self, media_id: int, profile_id: int) -> QueueItem | None:
        for item in self._items.values():
            if item.media.id == media_id and item.profile.id == profile_id:
                return item
        return None

    def add(
        self,
        media: MediaRead,
        profile: TrailerProfileRead,
        source: Source | None = None,
        *,
        replaces: int | None = None,
        origin: Origin = "manual",
    ) -> QueueItem:
        """Queue a download; ConflictError when this media and profile is queued already.
        Call it on the event loop."""
        if self.find(media.id, profile.id) is not None:
            raise ConflictError(
                f"A trailer download of {media.title} [{media.id}] with profile "
                f"{profile.name} is queued already"
            )
        item = QueueItem(
            next(self._ids),
            media,
            profile,
            source,
            replaces=replaces,
            origin=origin,
            loop=asyncio.get_running_loop(),
            push=self._send_item,
        )
        self._items[item.id] = item
        item.task = asyncio.create_task(self._run(item), name=f"download-{item.id}")
        self._send_item(item)
        return item

    async def _run(self, item: QueueItem) -> DownloadResult:
        lock = self._media_locks.setdefault(item.media.id, asyncio.Lock())
        try:
            async with lock, self.limiter:
                if item.cancelled:
                    return await self._left_waiting(item)
                try:  # as it is now: its folder or saved trailer may have changed meanwhile
                    item.media = await anyio.to_thread.run_sync(
                        MediaDatabaseManager().read, item.media.id
                    )
                except NotFoundError:
                    logger.info(f"{item.media.title} was removed while its download waited")
                    # No failure of a source: nothing is recorded against it.
                    return DownloadResult(ok=False, reason="the media was removed", cancelled=True)
                item.started_at = utc_now()
                return await self._runner(
                    item.media,
                    item.profile,
                    item.requested,
                    replaces=item.replaces,
                    tracker=item,
                )
        except asyncio.CancelledError:
            if item.started_at is None:
                with anyio.CancelScope(shield=True):
                    await self._left_waiting(item)
            raise
        finally:
            self._items.pop(item.id, None)
            if not lock.locked() and not any(
                i.media.id == item.media.id for i in self._items.values()
            ):
                self._media_locks.pop(item.media.id, None)
            self._send(item.media.title, removed=item.id, media_id=item.media.id)

    async def _left_waiting(self, item: QueueItem) -> DownloadResult:
        """A waiting item cancelled: the media's status no longer says "downloading"."""
        try:
            await anyio.to_thread.run_sync(
                lambda: MediaDatabaseManager().refresh_status(item.media.id, in_flight=False)
            )
        except Exception as exc:
            logger.error(f"Could not reset the status of media {item.media.id}: {exc}")
        logger.info(f"Queued download of {item.media.title} [{item.media.id}] was cancelled")
        return DownloadResult(ok=False, reason=CANCELLED_REASON, cancelled=True)

    async def wait(self, item: QueueItem) -> DownloadResult:
        """The item's result, once it has left the queue."""
        assert item.task is not None
        try:
            return await asyncio.shield(item.task)
        except asyncio.CancelledError:
            if item.task.cancelled():
                return DownloadResult(ok=False, reason=CANCELLED_REASON, cancelled=True)
            raise

    async def cancel(self, item_id: int) -> None:
        """Cancel one item (see the module docstring): NotFoundError when it is not queued,
        ConflictError when its trailer is being moved into place."""
        item = self._items.get(item_id)
        if item is None:
            raise NotFoundError(f"No download {item_id} in the queue")
        if not item.request_cancel():
            raise ConflictError(
                f"The trailer of {item.media.title} is being moved into place; it can no "
                "longer be cancelled"
            )
        assert item.task is not None
        if item.started_at is None:
            item.task.cancel()
        with anyio.move_on_after(CANCEL_WAIT_SECONDS):
            await asyncio.wait({item.task})

    async def cancel_all(self) -> None:
        """Cancel everything (at shut-down) and wait for the items to end."""
        items = list(self._items.values())
        for item in items:
            item.cancel.set()
            if item.started_at is None and item.task is not None:
                item.task.cancel()
        tasks = [item.task for item in items if item.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    def _send_item(self, item: QueueItem) -> None:
        if item.id in self._items:
            self._send(item.media.title, item=item.read().model_dump(mode="json"))

    def _send(self, title: str, **data: Any) -> None:
        task = asyncio.create_task(notifier.send(title, "Queue", **data))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)


download_queue = DownloadQueue()
