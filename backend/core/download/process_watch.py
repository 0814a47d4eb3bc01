"""Stops the programs yt-dlp starts for a download once the download is cancelled or late.

yt-dlp runs ffmpeg (merging, embedding subtitles and metadata) without a timeout and calls
no hook while it runs, so a stuck ffmpeg would hold a download for ever, and a cancel would
wait for it. While the yt-dlp call runs, a `ProcessWatch` thread asks `should_stop` every
`poll_seconds`; once it gives a reason, the watch kills every descendant of this process
whose command line names the download's private work folder (psutil finds them, on any
system it supports), and keeps the reason in `stopped`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psutil

from app_logger import ModuleLogger

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
    """A context manager: while it is open, stops the programs naming `marker` once
    `should_stop` returns a reason (see the module docstring); the first is kept in
    `stopped`."""

    def __init__(
        self,
        should_stop: Callable[[], Reason | None],
        marker: str,
        *,
        poll_seconds: float = 0.5,
    ) -> None:
        self.should_stop = should_stop
        self.marker = marker
        self.poll_seconds = poll_seconds
        self.stopped: Reason | None = None
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
                continue
            self.stopped = self.stopped or reason
            for process in descendants_naming(self.marker):
                logger.warning(f"Stopping process {process.pid} of a download: {reason}")
                kill_tree(process)
