"""Subprocesses run nicer than the app when asked (FFMPEG_NICE): each of their threads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.base.utils.process import MAX_NICE, lower_priority, run_process, run_process_lines
from tests.utils.wait import WAIT_SECONDS

pytestmark = [pytest.mark.slow, pytest.mark.no_database]

# The child waits (up to WAIT_SECONDS) while its priority is still the parent's, then
# prints it: its start may outrun the parent's setpriority on a busy machine, and must not
# fail the test then.
PRINT_NICE_ONCE_CHANGED = (
    "import os, time\n"
    f"parents = {os.getpriority(os.PRIO_PROCESS, 0)}\n"
    f"deadline = time.monotonic() + {WAIT_SECONDS}\n"
    "while os.getpriority(os.PRIO_PROCESS, 0) == parents and time.monotonic() < deadline:\n"
    "    time.sleep(0.01)\n"
    "print(os.getpriority(os.PRIO_PROCESS, 0))\n"
)


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


def expected(by: int) -> int:
    return min(MAX_NICE, own_nice() + by)


@pytest.mark.skipif(own_nice() >= MAX_NICE, reason="this process is as nice as it gets")
def test_run_process_lowers_the_programs_priority() -> None:
    result = run_process([sys.executable, "-c", PRINT_NICE_ONCE_CHANGED], timeout=60, nice=5)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == expected(5)


@pytest.mark.skipif(own_nice() >= MAX_NICE, reason="this process is as nice as it gets")
def test_run_process_lines_lowers_the_programs_priority() -> None:
    lines: list[str] = []
    result = run_process_lines(
        [sys.executable, "-c", PRINT_NICE_ONCE_CHANGED], timeout=60, on_line=lines.append, nice=3
    )
    assert result.returncode == 0, result.stderr
    assert lines == [str(expected(3))]


def test_without_nice_the_program_keeps_the_apps_priority() -> None:
    code = "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"
    assert int(run_process([sys.executable, "-c", code], timeout=60).stdout) == own_nice()


def thread_nices(pid: int) -> list[int]:
    """The nice value of each thread of `pid` (field 19 of /proc/<pid>/task/<tid>/stat)."""
    values = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        stat = (task / "stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        values.append(int(fields[16]))
    return values


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
@pytest.mark.skipif(own_nice() >= MAX_NICE, reason="this process is as nice as it gets")
def test_threads_the_program_has_already_are_lowered_too() -> None:
    code = (
        "import threading, time\n"
        "for _ in range(3):\n"
        "    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\n"
        "print('ready', flush=True)\n"
        "time.sleep(600)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        assert len(thread_nices(child.pid)) == 4
        lower_priority(child.pid, 4)
        assert thread_nices(child.pid) == [expected(4)] * 4
        lower_priority(child.pid, 50)  # capped
        assert thread_nices(child.pid) == [MAX_NICE] * 4
    finally:
        child.kill()
        child.wait(timeout=WAIT_SECONDS)


def test_a_process_that_ended_is_left_alone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=WAIT_SECONDS)
    lower_priority(child.pid, 5)  # reaped: no such process, and no error either
