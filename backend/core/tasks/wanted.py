"""The download-missing engine: every monitored media gets a trailer from each profile that
applies to it, by itself (the `download_missing` task), with a backoff after failures.

What is wanted (`plan`): for every monitored media and every enabled profile that applies
to it (the profile's filters: movies and/or series, a connection, a year range, title
words), a present trailer recorded from that profile. A pair that has one is done; the
engine never downloads a second trailer for it. A pair whose last attempts failed waits
1, 2, 4, then 7 days after the last failure (`BACKOFF_DAYS`); a download by hand ignores
the wait, and any success ends it.

The source, in order: the media's saved `trailer_url`, else its YouTube id (from Radarr
or set by hand), else a search with the profile's query (a profile that always searches
skips the first two); `core.download.trailer.download_trailer` goes down that list.

The run (`download_missing`) puts every due pair in the download queue
(`core.download.queue`), which runs `DOWNLOAD_CONCURRENCY` of them at a time, and waits for
them all; a pair queued already (by hand, say) is left to that download. One media's
failure is recorded and the run goes on; a download cancelled in the queue is no failure.
Planning is three bulk reads and a loop: 20,000 media plan in well under a second
(bench/wanted.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import anyio.from_thread
from pydantic import BaseModel

from app_logger import ModuleLogger
from core.base.database.engine import read_session
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.database.manager.wanted import WantedManager, WantedMedia
from core.base.database.models.base import as_utc, utc_now
from core.base.database.models.media import MonitorStatus
from core.base.database.models.trailerprofile import TrailerProfileRead, word_list
from core.download.queue import QueueItem, download_queue
from core.download.trailer import DownloadResult
from core.exceptions import ConflictError, NotFoundError
from core.history.reconcile import StopRequested

logger = ModuleLogger("Wanted")

BACKOFF_DAYS = (1, 2, 4, 7)
"""Days to wait after the 1st, 2nd, 3rd, and every later failure in a row."""

SourceKind = Literal["trailer_url", "youtube_id", "search"]


def backoff(attempts: int) -> timedelta:
    """The wait after `attempts` failures in a row (attempts >= 1)."""
    return timedelta(days=BACKOFF_DAYS[min(max(attempts, 1), len(BACKOFF_DAYS)) - 1])


def applies(
    profile: TrailerProfileRead, media: WantedMedia, words: list[str] | None = None
) -> bool:
    """Whether the engine uses `profile` for `media` (the profile's filters); `words` are
    the profile's `title_words`, when the caller has them already."""
    if not (profile.for_movies if media.is_movie else profile.for_series):
        return False
    if profile.connection_id is not None and media.connection_id != profile.connection_id:
        return False
    if profile.min_year is not None and media.year < profile.min_year:
        return False
    if profile.max_year is not None and media.year > profile.max_year:
        return False
    if words is None:
        words = word_list(profile.title_words)
    if not words:
        return True
    title = media.title.lower()
    return any(word in title for word in words)


def source_of(profile: TrailerProfileRead, media: WantedMedia) -> SourceKind:
    if not profile.always_search:
        if media.trailer_url:
            return "trailer_url"
        if media.youtube_trailer_id:
            return "youtube_id"
    return "search"


@dataclass(slots=True)
class WantedItem:
    """One (media, profile) without its trailer, and what the engine will do about it.

    A slotted dataclass rather than a pydantic model: a plan of 20,000 media makes tens of
    thousands of them, and only a page of them is ever validated (as the API's answer).
    """

    media_id: int
    title: str
    year: int
    is_movie: bool
    profile_id: int
    profile_name: str
    source: SourceKind
    due: bool
    """The next run tries it: no failure yet or its wait is over, and not downloading."""
    downloading: bool = False
    """A download of this media runs now, or one of this pair waits in the queue."""
    attempts: int = 0
    """Failed attempts in a row."""
    last_error: str | None = None
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    """When it may be tried again after a failure; None: at the next run."""


def plan(now: datetime, queued: set[tuple[int, int]] | None = None) -> list[WantedItem]:
    """What the engine would do at `now`: every wanted pair, by media title then profile
    priority (highest first). A media whose download runs now, and a pair in `queued`
    (the download queue's (media, profile) pairs), are listed as downloading (not due)."""
    queued = queued or set()
    profiles = [
        (p, word_list(p.title_words)) for p in TrailerProfileManager().read_all() if p.enabled
    ]
    data = WantedManager()
    with read_session() as session:  # one consistent view of the three reads
        media = data.monitored_media(_session=session)
        present = data.present_pairs(_session=session)
        failures = data.failures(_session=session)
    items: list[WantedItem] = []
    for m in media:
        running = m.status == MonitorStatus.DOWNLOADING
        for profile, words in profiles:
            if (m.id, profile.id) in present or not applies(profile, m, words):
                continue
            downloading = running or (m.id, profile.id) in queued
            failure = failures.get((m.id, profile.id))
            items.append(
                WantedItem(
                    media_id=m.id,
                    title=m.title,
                    year=m.year,
                    is_movie=m.is_movie,
                    profile_id=profile.id,
                    profile_name=profile.name,
                    source=source_of(profile, m),
                    due=not downloading
                    and (failure is None or as_utc(failure.next_attempt_at) <= now),
                    downloading=downloading,
                    attempts=failure.attempts if failure else 0,
                    last_error=failure.last_error if failure else None,
                    last_attempt_at=failure.last_attempt_at if failure else None,
                    next_attempt_at=failure.next_attempt_at if failure else None,
                )
            )
    return items


class DownloadMissingSummary(BaseModel):
    wanted: int = 0
    downloaded: int = 0
    failed: int = 0
    waiting: int = 0
    """Pairs still in their wait after a failure."""
    busy: int = 0
    """Pairs downloading or queued already (left to that download)."""
    cancelled: int = 0
    """Downloads cancelled in the queue (or by shut-down): not failures."""
    errors: list[str] = []
    """The first reasons of failures, for the task's summary."""


KEPT_ERRORS = 20


async def enqueue(item: WantedItem) -> QueueItem | None:
    """Queue one due pair; None when it is queued already, or gone since the plan."""
    try:
        media = await anyio.to_thread.run_sync(MediaDatabaseManager().read, item.media_id)
        profile = await anyio.to_thread.run_sync(TrailerProfileManager().read, item.profile_id)
    except NotFoundError:
        return None
    if not media.monitor or not profile.enabled:
        return None
    try:
        return download_queue.add(media, profile, origin="engine")
    except ConflictError:
        return None


async def outcome(queued: QueueItem) -> DownloadResult:
    """The queued download's result; with it, "stop monitoring after download" applies."""
    result = await download_queue.wait(queued)
    if result.ok and queued.profile.stop_monitoring:
        await anyio.to_thread.run_sync(MediaDatabaseManager().set_monitor, [queued.media.id], False)
    return result


NO_TRAILER = "no trailer was found"


def record_failure(
    item: WantedItem, reason: str, now: datetime, data: WantedManager | None = None
) -> None:
    """A due pair's download failed: its wait before the next attempt starts or grows
    (`backoff`), and the log says when that is. Blocking."""
    failure = (data or WantedManager()).record_failure(
        item.media_id,
        item.profile_id,
        reason,
        at=now,
        next_attempt_at=now + backoff(item.attempts + 1),
    )
    logger.warning(
        f"No trailer for {item.title} ({item.year}) with profile {item.profile_name}: "
        f"{reason}; attempt {failure.attempts}, next try after "
        f"{failure.next_attempt_at:%Y-%m-%d %H:%M} UTC"
    )


def download_missing(
    stop: threading.Event, *, clock: Callable[[], datetime] = utc_now
) -> DownloadMissingSummary:
    """Queue every due wanted trailer and wait for the queue to download them; blocking,
    in an anyio worker thread (the downloads themselves run on the event loop)."""
    items = plan(clock(), anyio.from_thread.run_sync(download_queue.pairs))
    summary = DownloadMissingSummary(wanted=len(items))
    queued: list[tuple[WantedItem, QueueItem]] = []
    for item in items:
        if item.downloading:
            summary.busy += 1
        elif not item.due:
            summary.waiting += 1
        elif (added := anyio.from_thread.run(enqueue, item)) is None:
            summary.busy += 1
        else:
            queued.append((item, added))
    data = WantedManager()
    for item, added in queued:
        if stop.is_set():
            raise StopRequested("The app is shutting down")
        result = anyio.from_thread.run(outcome, added)
        if result.ok:
            summary.downloaded += 1
            continue
        if result.cancelled:
            summary.cancelled += 1
            continue
        reason = result.reason or NO_TRAILER
        record_failure(item, reason, clock(), data)
        summary.failed += 1
        if len(summary.errors) < KEPT_ERRORS:
            summary.errors.append(f"{item.title} ({item.year}), {item.profile_name}: {reason}")
    logger.info(
        f"Download missing: {summary.downloaded} downloaded, {summary.failed} failed, "
        f"{summary.cancelled} cancelled, {summary.waiting} waiting after failures, "
        f"{summary.busy} busy, of {summary.wanted}"
    )
    return summary
