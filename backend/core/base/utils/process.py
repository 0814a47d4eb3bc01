"""Subprocesses: argument lists only, a timeout on every call, the child killed on expiry."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass


class ProcessTimeoutError(RuntimeError):
    """The command ran past its timeout and was killed."""


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    stdout: str
    stderr: str


def run_process(args: Sequence[str], *, timeout: float) -> ProcessResult:
    """Run `args` (no shell), wait at most `timeout` seconds, decode output leniently.

    Blocking: call it from a worker thread, never on the event loop.
    Raises ProcessTimeoutError when the timeout expires (the child is killed first) and
    FileNotFoundError when the program does not exist.
    """
    # The child leads a process group of its own, so that a timeout stops its children
    # too (and the pipes they hold open get closed).
    with subprocess.Popen(
        list(args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(proc)
            proc.communicate()
            raise ProcessTimeoutError(
                f"{args[0]} did not finish within {timeout:g} s and was stopped"
            ) from exc
        except BaseException:
            _kill_group(proc)
            raise
    return ProcessResult(
        returncode=proc.returncode,
        stdout=out.decode("utf-8", errors="replace"),
        stderr=err.decode("utf-8", errors="replace"),
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.kill()
