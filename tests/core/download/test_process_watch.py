"""The download's watch over the programs yt-dlp starts (core/download/process_watch.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from core.download import process_watch
from core.download.process_watch import ProcessWatch

pytestmark = [pytest.mark.no_database, pytest.mark.slow]  # a child process


@pytest.fixture
def program(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A stand-in for an ffmpeg yt-dlp runs: it names a file of the work folder
    (`tmp_path`)."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)", str(tmp_path / "video.mp4")]
    )
    yield child
    child.kill()
    child.wait()


def _stop_when(flag: threading.Event) -> str | None:
    return "cancelled" if flag.is_set() else None


def test_programs_are_made_nicer_once_then_stopped(
    tmp_path: Path, program: subprocess.Popen[bytes]
) -> None:
    stop = threading.Event()
    with ProcessWatch(lambda: _stop_when(stop), f"{tmp_path}{os.sep}", nice=5) as watch:
        give_up = time.monotonic() + 120  # only keeps a broken watch from hanging
        while not watch.niced and time.monotonic() < give_up:
            time.sleep(0.02)
        assert [p.pid for p in watch.niced] == [program.pid]
        assert os.getpriority(os.PRIO_PROCESS, program.pid) == min(
            19, os.getpriority(os.PRIO_PROCESS, 0) + 5
        )
        stop.set()
        assert program.wait(timeout=120) != 0  # killed
    assert watch.stopped == "cancelled"


def test_a_failure_to_lower_a_priority_does_not_end_the_watch(
    tmp_path: Path, program: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lowering the priority is best effort: the watch still stops the programs."""
    tries: list[int] = []

    def refused(pid: int, by: int) -> None:
        tries.append(pid)
        raise psutil.AccessDenied(pid)

    monkeypatch.setattr(process_watch, "lower_priority", refused)
    stop = threading.Event()
    with ProcessWatch(
        lambda: _stop_when(stop), f"{tmp_path}{os.sep}", nice=5, poll_seconds=0.05
    ) as watch:
        give_up = time.monotonic() + 120
        while len(tries) < 2 and time.monotonic() < give_up:
            time.sleep(0.02)
        assert tries[:2] == [program.pid, program.pid]  # tried again at the next look
        stop.set()
        assert program.wait(timeout=120) != 0
    assert watch.stopped == "cancelled"
    assert watch.niced == set()
