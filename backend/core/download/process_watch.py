"""Watches the programs yt-dlp starts for a download: runs them nicer, stops them once the
download is cancelled or late.

yt-dlp runs ffmpeg (merging, embedding subtitles and metadata, HLS) itself, without a
timeout, at the app's own priority, and calls no hook while it runs, so a stuck ffmpeg would
hold a download for ever, a cancel would wait for it, and a busy one would take the CPU
from the web app. While the yt-dlp call runs, a `ProcessWatch` thread looks every
`poll_seconds` for the descendants of this process whose command line names the
download's private work folder (psutil finds them, on any system it supports): it makes
each one `nice` nicer than the app once (as the app's own ffmpeg and ffprobe run), and once
`should_stop` gives a reason, it kills them, and keeps the reason in `stopped`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psutil

from app_logger import ModuleLogger
from core.base.utils.process import lower_priority

logger = ModuleLogger("ProcessWatch")


def descendants_naming(marker: str) -> list[psutil.Process]:
    """This process's descendants whose command line contains `marker`."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if any(marker in part for part in child.cmdline()):
                found.append(child)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def kill_tree(process: psutil.Process) -> None:
    """Kill `process` and its own descendants; those already gone are skipped."""
    try:
        family = [*process.children(recursive=True), process]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        family = [process]
    for member in family:
        try:
            member.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


class ProcessWatch[Reason]:
    """A context manager: while it is open, makes the programs naming `marker` `nice`
    nicer than this process (0: as it is), and stops them once `should_stop` returns a
    reason (see the module docstring); the first is kept in `stopped`."""

    def __init__(
        self,
        should_stop: Callable[[], Reason | None],
        marker: str,
        *,
        nice: int = 0,
        poll_seconds: float = 0.5,
    ) -> None:
        self.should_stop = should_stop
        self.marker = marker
        self.nice = nice
        self.poll_seconds = poll_seconds
        self.stopped: Reason | None = None
        self.niced: set[psutil.Process] = set()
        """The programs made nicer so far (a psutil.Process is its pid and start time)."""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="process-watch", daemon=True)

    def __enter__(self) -> ProcessWatch[Reason]:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(self.poll_seconds):
            reason = self.should_stop()
            if reason is None:
                if self.nice > 0:
                    self._lower_priorities()
                continue
            self.stopped = self.stopped or reason
            for process in descendants_naming(self.marker):
                logger.warning(f"Stopping process {process.pid} of a download: {reason}")
                kill_tree(process)

    def _lower_priorities(self) -> None:
        # Best effort: nothing here may end the watch, which must still stop the programs.
        try:
            for process in descendants_naming(self.marker):
                if process not in self.niced:
                    lower_priority(process.pid, self.nice)
                    self.niced.add(process)
        except (psutil.Error, OSError) as exc:
            logger.debug(f"Could not lower the priority of a download's program: {exc}")
