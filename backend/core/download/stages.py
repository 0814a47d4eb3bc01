"""Where a trailer download is: its stage, its progress in that stage, and its cancel flag.

The pipeline (`core.download.trailer.download_trailer`) moves a `Tracker` through the
stages, from the event loop and from its worker threads alike; the queue's items are
trackers that push each change to the live messages (`core.download.queue`).
"""

from __future__ import annotations

import threading
from enum import StrEnum

CANCELLED_REASON = "the download was cancelled"


class Stage(StrEnum):
    """The stages of a download, in order."""

    QUEUED = "queued"
    SEARCHING = "searching"
    DOWNLOADING = "downloading"
    CONVERTING = "converting"
    VERIFYING = "verifying"
    MOVING = "moving"


class Tracker:
    """A download's stage and progress, and the flag that cancels it.

    `update` may be called from any thread. `progress` is the share of the stage done (0
    to 1), None when unknown; `speed` (bytes/s) and `eta` (s) come from yt-dlp while it
    downloads. Subclasses hear of every change through `changed`.
    """

    def __init__(self) -> None:
        self.cancel = threading.Event()
        self.stage = Stage.QUEUED
        self.progress: float | None = None
        self.speed: float | None = None
        self.eta: float | None = None
        self.source: str | None = None
        self._lock = threading.Lock()

    def update(
        self,
        stage: Stage,
        *,
        progress: float | None = None,
        speed: float | None = None,
        eta: float | None = None,
    ) -> None:
        if self.stage is Stage.MOVING:
            return  # the last stage; nothing reports after it
        done = progress is not None and progress >= 1.0 and self.progress != 1.0
        moved = stage != self.stage or done
        self.stage = stage
        self.progress = None if progress is None else max(0.0, min(1.0, progress))
        self.speed = speed
        self.eta = eta
        self.changed(moved)

    def trying(self, source: str) -> None:
        """The pipeline tries this source now."""
        self.source = source
        self.changed(True)

    def changed(self, moved: bool) -> None:
        """Called after each change; `moved` when the stage or the source changed, or the
        stage's progress reached its end (a change worth telling at once)."""

    def request_cancel(self) -> bool:
        """Cancel the download; False (and nothing changes) once it is moving the trailer
        into place, which is never interrupted half way."""
        with self._lock:
            if self.stage is Stage.MOVING:
                return False
            self.cancel.set()
        self.changed(False)
        return True

    def begin_moving(self) -> bool:
        """Enter the last stage, unless cancelled first (then False)."""
        with self._lock:
            if self.cancel.is_set():
                return False
            self.stage = Stage.MOVING
            self.progress = self.speed = self.eta = None
        self.changed(True)
        return True

    def stop_reason(self) -> str | None:
        """Why the download must stop now, or None."""
        return CANCELLED_REASON if self.cancel.is_set() else None

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()
