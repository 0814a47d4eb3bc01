"""Subprocesses: argument lists only, a timeout on every call, the child killed on expiry.

A program may run nicer than the app (`nice`, as `nice -n`): ffmpeg and ffprobe do, so that
the web app keeps the CPU it needs while trailers convert. Python's Popen cannot set the
priority before the program starts, so it is set right after the start, on every thread
the program has by then (on Linux each thread has its own; later ones inherit it from the
thread that makes them). A program's start (the loading of its libraries) takes far longer
than that, so it makes no thread of its own before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


class ProcessTimeoutError(RuntimeError):
    """The command ran past its timeout and was killed."""


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    stdout: str
    stderr: str


def run_process(
    args: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    nice: int = 0,
) -> ProcessResult:
    """Run `args` (no shell), wait at most `timeout` seconds, decode output leniently.

    Blocking: call it from a worker thread, never on the event loop. `env` replaces the
    environment (the secrets a program reads from it stay off its command line); `nice`
    lowers the program's priority by that much. Raises ProcessTimeoutError when the
    timeout expires (the child is killed first) and FileNotFoundError when the program
    does not exist.
    """
    with _spawn(args, env, nice) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            kill_process_group(proc)
            proc.communicate()
            raise _timed_out(args, timeout) from exc
        except BaseException:
            kill_process_group(proc)
            raise
    return ProcessResult(
        returncode=proc.returncode,
        stdout=out.decode("utf-8", errors="replace"),
        stderr=err.decode("utf-8", errors="replace"),
    )


def _spawn(
    args: Sequence[str], env: Mapping[str, str] | None = None, nice: int = 0
) -> subprocess.Popen[bytes]:
    """The program, its output piped, `nice` lower in priority than this process. It leads
    a process group of its own, so that a timeout or a stop ends its children too (and the
    pipes they hold open get closed)."""
    proc = subprocess.Popen(
        list(args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=None if env is None else dict(env),
    )
    if nice > 0:
        lower_priority(proc.pid, nice)
    return proc


MAX_NICE = 19


def lower_priority(pid: int, by: int) -> None:
    """Make process `pid` (each of its threads) `by` nicer than this process is.

    Best effort: a process that has ended already, or a system without per-thread
    priorities, keeps what it has."""
    target = min(MAX_NICE, os.getpriority(os.PRIO_PROCESS, 0) + by)
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, target)
    # On Linux PRIO_PROCESS with a pid sets that one thread: the others, if any already.
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError):
                os.setpriority(os.PRIO_PROCESS, int(task), target)


def _timed_out(args: Sequence[str], timeout: float) -> ProcessTimeoutError:
    return ProcessTimeoutError(f"{args[0]} did not finish within {timeout:g} s and was stopped")


def kill_process_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill `proc` and every process of its group (a program started by `_spawn` or with
    `start_new_session`), at once."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.kill()


class ProcessStoppedError(RuntimeError):
    """The command was stopped before its end because `should_stop` gave a reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def run_process_lines(
    args: Sequence[str],
    *,
    timeout: float,
    on_line: Callable[[str], None],
    should_stop: Callable[[], str | None] | None = None,
    poll_seconds: float = 0.25,
    nice: int = 0,
) -> ProcessResult:
    """`run_process`, handing each line of the program's standard output to `on_line` as
    it comes (ffmpeg's `-progress pipe:1`), and stopping it once `should_stop` gives a
    reason. Blocking.

    A watch thread ends the program (its whole process group) at the timeout or the stop;
    standard error is read by a thread of its own, so that neither pipe can fill and hang
    the program. `stdout` in the result is empty: its lines went to `on_line`.
    Raises ProcessTimeoutError, ProcessStoppedError, or FileNotFoundError as run_process.
    """
    deadline = time.monotonic() + timeout
    with _spawn(args, nice=nice) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        errors: list[bytes] = []
        ended = threading.Event()
        verdict: list[BaseException] = []
        stderr = proc.stderr

        def read_errors() -> None:
            errors.extend(iter(stderr.readline, b""))

        def watch() -> None:
            while not ended.wait(poll_seconds):
                reason = should_stop() if should_stop is not None else None
                if reason is not None:
                    verdict.append(ProcessStoppedError(reason))
                elif time.monotonic() > deadline:
                    verdict.append(_timed_out(args, timeout))
                else:
                    continue
                kill_process_group(proc)
                return

        helpers = [
            threading.Thread(target=read_errors, name="process-stderr", daemon=True),
            threading.Thread(target=watch, name="process-watch", daemon=True),
        ]
        for helper in helpers:
            helper.start()
        try:
            for raw in iter(proc.stdout.readline, b""):
                on_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
            proc.wait()
        except BaseException:
            kill_process_group(proc)
            raise
        finally:
            ended.set()
            for helper in helpers:
                helper.join()
    if verdict:
        raise verdict[0]
    return ProcessResult(
        returncode=proc.returncode,
        stdout="",
        stderr=b"".join(errors).decode("utf-8", errors="replace"),
    )
