"""The download queue: slots, one download per media at a time, cancel, live messages.

These tests run the queue with a stand-in for the pipeline (a coroutine that waits for the
test), so that what is checked is the queue itself; tests/api/v1/test_queue.py runs real
downloads through it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.models.media import MediaRead, MediaUpdate
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.base.notifier import notifier
from core.download.queue import DownloadQueue
from core.download.sources import Source
from core.download.stages import CANCELLED_REASON, Stage, Tracker
from core.download.trailer import DownloadResult
from core.exceptions import ConflictError, NotFoundError
from tests.utils.factories import make_media, make_profile

pytestmark = pytest.mark.anyio


class Pipeline:
    """Stands in for download_trailer: each download waits until the test releases it."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.most_at_once = 0
        self.started: list[tuple[int, int]] = []
        self.gates: dict[tuple[int, int], asyncio.Event] = {}
        self.moving = False

    def gate(self, media: MediaRead, profile: TrailerProfileRead) -> asyncio.Event:
        return self.gates.setdefault((media.id, profile.id), asyncio.Event())

    async def __call__(
        self,
        media: MediaRead,
        profile: TrailerProfileRead,
        source: Source | None,
        *,
        replaces: int | None,
        tracker: Tracker,
    ) -> DownloadResult:
        assert media.id not in self.running, "two downloads of one media at once"
        self.running.add(media.id)
        self.started.append((media.id, profile.id))
        self.most_at_once = max(self.most_at_once, len(self.running))
        try:
            tracker.update(Stage.DOWNLOADING, progress=0.5, speed=1000.0, eta=3.0)
            if self.moving:
                assert tracker.begin_moving()
            gate = self.gate(media, profile)
            while not gate.is_set():
                if tracker.cancelled:
                    return DownloadResult(ok=False, reason=CANCELLED_REASON, cancelled=True)
                await asyncio.sleep(0.01)
            return DownloadResult(ok=True)
        finally:
            self.running.discard(media.id)


async def until(check: Any) -> None:
    for _ in range(1000):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the queue did not get there")


@pytest.fixture
def media(tmp_path: Path) -> list[MediaRead]:
    return [make_media(tmp_path / f"m{n}") for n in range(3)]


@pytest.fixture
def profile() -> TrailerProfileRead:
    return make_profile()


async def test_slots_limit_the_downloads_that_run(
    media: list[MediaRead], profile: TrailerProfileRead
) -> None:
    pipeline = Pipeline()
    queue = DownloadQueue(runner=pipeline)
    queue.set_concurrency(2)
    items = [queue.add(m, profile) for m in media]

    await until(lambda: len(pipeline.running) == 2)
    await asyncio.sleep(0.05)
    # The first two hold the slots (which of them reaches the pipeline first is the luck of
    # their media re-read in a worker thread); the third waits.
    assert set(pipeline.started) == {(media[0].id, profile.id), (media[1].id, profile.id)}
    listed = queue.items()
    assert [i.stage for i in listed] == [Stage.DOWNLOADING, Stage.DOWNLOADING, Stage.QUEUED]
    assert listed[2].started_at is None and listed[2].progress is None
    assert listed[0].progress == 0.5 and listed[0].speed == 1000.0 and listed[0].eta == 3.0

    pipeline.gate(media[0], profile).set()
    await until(lambda: len(pipeline.started) == 3)
    for m in media:
        pipeline.gate(m, profile).set()
    results = [await queue.wait(item) for item in items]
    assert all(result.ok for result in results)
    assert pipeline.most_at_once == 2
    assert queue.items() == []


async def test_one_download_of_a_media_at_a_time(
    media: list[MediaRead], profile: TrailerProfileRead
) -> None:
    other = make_profile()
    pipeline = Pipeline()
    queue = DownloadQueue(runner=pipeline)
    queue.set_concurrency(3)
    first = queue.add(media[0], profile)
    second = queue.add(media[0], other)  # another profile of the same media
    third = queue.add(media[1], profile)

    await until(lambda: len(pipeline.started) == 2)
    assert set(pipeline.started) == {(media[0].id, profile.id), (media[1].id, profile.id)}
    with pytest.raises(ConflictError, match="queued already"):
        queue.add(media[0], profile)

    for m, p in [(media[0], profile), (media[0], other), (media[1], profile)]:
        pipeline.gate(m, p).set()
    for item in (first, second, third):
        assert (await queue.wait(item)).ok
    assert pipeline.started[2] == (media[0].id, other.id)


async def test_cancel_a_waiting_download(
    media: list[MediaRead], profile: TrailerProfileRead
) -> None:
    pipeline = Pipeline()
    queue = DownloadQueue(runner=pipeline)
    running = queue.add(media[0], profile)
    waiting = queue.add(media[1], profile)
    await until(lambda: pipeline.running)

    await queue.cancel(waiting.id)

    result = await queue.wait(waiting)
    assert result.cancelled and result.reason == CANCELLED_REASON
    assert [i.id for i in queue.items()] == [running.id]
    pipeline.gate(media[0], profile).set()
    assert (await queue.wait(running)).ok
    assert pipeline.started == [(media[0].id, profile.id)]


async def test_cancel_a_running_download_waits_for_its_end(
    media: list[MediaRead], profile: TrailerProfileRead
) -> None:
    pipeline = Pipeline()
    queue = DownloadQueue(runner=pipeline)
    item = queue.add(media[0], profile)
    await until(lambda: pipeline.running)

    await queue.cancel(item.id)

    assert item.task is not None and item.task.done()
    assert (await queue.wait(item)).cancelled
    assert queue.items() == []


async def test_cancel_is_refused_while_the_trailer_is_moved_into_place(
    media: list[MediaRead], profile: TrailerProfileRead
) -> None:
    pipeline = Pipeline()
    pipeline.moving = True
    queue = DownloadQueue(runner=pipeline)
    item = queue.add(media[0], profile)
    await until(lambda: item.stage is Stage.MOVING)

    with pytest.raises(ConflictError, match="moved into place"):
        await queue.cancel(item.id)
    with pytest.raises(NotFoundError):
        await queue.cancel(item.id + 100)

    pipeline.gate(media[0], profile).set()
    assert (await queue.wait(item)).ok


async def test_changes_are_pushed_as_live_messages(
    media: list[MediaRead], profile: TrailerProfileRead
) -> None:
    messages: list[dict[str, Any]] = []

    async def sink(message: str, type: str = "Info", **data: Any) -> None:
        messages.append({"type": type, "message": message, **data})

    notifier.connect(sink)
    try:
        pipeline = Pipeline()
        queue = DownloadQueue(runner=pipeline)
        item = queue.add(media[0], profile)
        await until(lambda: pipeline.running)
        pipeline.gate(media[0], profile).set()
        await queue.wait(item)
        await until(lambda: any("removed" in m for m in messages))
    finally:
        notifier.disconnect(sink)

    queue_messages = [m for m in messages if m["type"] == "Queue"]
    stages = [m["item"]["stage"] for m in queue_messages if "item" in m]
    assert stages[0] == "queued" and "downloading" in stages
    assert queue_messages[-1]["removed"] == item.id
    assert queue_messages[-1]["media_id"] == media[0].id
    assert queue_messages[0]["item"]["media_title"] == media[0].title


def test_a_tracker_cannot_be_cancelled_once_moving() -> None:
    tracker = Tracker()
    tracker.update(Stage.VERIFYING)
    assert tracker.begin_moving()
    assert not tracker.request_cancel()
    assert not tracker.cancelled
    tracker.update(Stage.DOWNLOADING)  # nothing reports after moving
    assert tracker.stage is Stage.MOVING

    cancelled = Tracker()
    assert cancelled.request_cancel()
    assert not cancelled.begin_moving()
    assert cancelled.stop_reason() == CANCELLED_REASON


async def test_a_download_starts_with_the_media_as_it_is_then(
    media: list[MediaRead], profile: TrailerProfileRead
) -> None:
    """A media changed or removed while its download waited: the download uses the change,
    or ends without trying."""
    pipeline = Pipeline()
    queue = DownloadQueue(runner=pipeline)
    first = queue.add(media[0], profile)
    changed = queue.add(media[1], profile)
    removed = queue.add(media[2], profile)
    await until(lambda: pipeline.running)
    MediaDatabaseManager().update(media[1].id, MediaUpdate(trailer_url="https://example.com/t"))
    MediaDatabaseManager().delete(media[2].id)

    for m in media[:2]:
        pipeline.gate(m, profile).set()
    assert (await queue.wait(first)).ok and (await queue.wait(changed)).ok
    assert changed.media.trailer_url == "https://example.com/t"
    result = await queue.wait(removed)
    assert not result.ok and result.reason == "the media was removed" and result.cancelled
    assert [started for started, _ in pipeline.started] == [media[0].id, media[1].id]
