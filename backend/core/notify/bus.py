"""The Connect bus: things users want to hear about or media servers must rescan for.

The core publishes a `ConnectEvent` after the transaction that records it commits (a
trailer downloaded, a download that failed, a trailer missing from disk or deleted, a task
that failed, the database turning unwritable). Subscribers (the notification dispatcher,
the media-server refresher) are connected by the app at start-up; each keeps its own queue
and never blocks the publisher. `publish` may be called from the event loop or from a
worker thread; before `start` (a script, a unit test) an event goes nowhere.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app_logger import ModuleLogger
from core.base.database.models.base import utc_now

logger = ModuleLogger("Connect")


class ConnectEventKind(StrEnum):
    DOWNLOADED = "downloaded"
    """A trailer was downloaded and recorded (a new one, or one that replaced another)."""
    DOWNLOAD_FAILED = "download_failed"
    """A download ended without a trailer after every candidate was tried (not cancelled)."""
    TRAILER_MISSING = "trailer_missing"
    """Reconciliation found a recorded trailer file gone from disk."""
    TRAILER_DELETED = "trailer_deleted"
    """The user deleted a trailer (its file removed)."""
    TASK_FAILED = "task_failed"
    """A scheduled or manual task ended with an error."""
    HEALTH = "health"
    """A health problem: the database cannot be written."""


@dataclass(frozen=True)
class ConnectEvent:
    kind: ConnectEventKind
    message: str
    """One line for a person, e.g. "Trailer downloaded for Alien (1979)"."""
    media_id: int | None = None
    media_title: str | None = None
    """"Title (Year)" when known."""
    folder_path: str | None = None
    """The media's folder as Trailarr sees it (what a media server rescans), when known."""
    is_movie: bool | None = None
    at: datetime = field(default_factory=utc_now)


Subscriber = Callable[[ConnectEvent], None]
"""Called on the event loop's thread for every event; must return at once (queue it)."""


class ConnectBus:
    """Fans each published event out to the subscribers, on the event loop's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: list[Subscriber] = []

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._loop = loop

    def stop(self) -> None:
        with self._lock:
            self._loop = None

    def subscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            if subscriber not in self._subscribers:
                self._subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

    def publish(self, event: ConnectEvent) -> None:
        """Hand the event to every subscriber; never raises, never blocks."""
        with self._lock:
            loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(event)
            return
        try:
            loop.call_soon_threadsafe(self._deliver, event)
        except RuntimeError:  # the loop closed while the app was stopping
            logger.debug(f"Connect event dropped at shutdown: {event.kind}")

    def _deliver(self, event: ConnectEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception as exc:
                logger.error(f"A Connect subscriber failed on {event.kind}: {exc}")


bus = ConnectBus()


def media_label(title: str, year: int | None) -> str:
    """ "Title (Year)", or the title alone."""
    return f"{title} ({year})" if year else title
