"""Batches of a SQLite read, read by worker processes on other cores, given back in order.

SQLite runs each statement in the thread that asks for it, and in one process two threads
reading at once contend inside SQLite and over the GIL: no faster than one. Two processes
each reading half of the batches halve the time of a large read (an export of the whole
history) on two cores. The workers are `read_worker.py`, run by this interpreter with the
standard library only (`-I -S`): a few milliseconds to start, about 14 MB each. They
open the database read-only and live for one read.

`BatchReaders` starts them and hands out the batches in turns: batch k goes to slot
k mod n (this process can take turns too: `read(here=...)`), `AHEAD` rounds of turns are
asked ahead of the answers read, and the answers are read back in the order asked.
Every answer has a deadline; a worker that fails, or sends nothing in time, is stopped
and its error raised. Closing the readers (`close`, or `contextlib.closing`) stops every
worker still running. Blocking: use it from a worker thread.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import selectors
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from core.base.database.read_worker import FRAME_HEADER
from core.base.utils.process import kill_process_group

logger = logging.getLogger(__name__)

WORKER_SCRIPT = Path(__file__).with_name("read_worker.py")
AHEAD = 2
"""Rounds of turns asked before the answers are read: a worker reads its next batches
while its last answer is taken from its pipe (which holds about one)."""
ANSWER_TIMEOUT_S = 60.0
"""The longest wait for one batch (a batch of 1,000 records takes about 10 ms)."""
STOP_TIMEOUT_S = 5.0
PIPE_SIZE = 1 << 20
"""The capacity asked for each answer pipe (Linux's limit for a user by default): a
batch's answer fits, so a worker goes on to its next batch without waiting for the app."""


Batch = tuple[int, Sequence[Any]]
"""A batch to read: the index of its statement, and its parameters."""


class ReadWorkerError(RuntimeError):
    """A worker process could not start, failed, or did not answer in time."""


def cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class BatchReaders:
    """`workers` processes reading batches of `statements` from the SQLite file `database`:
    each answer the first column (text) of its rows joined by `separator`.

    Starting them raises ReadWorkerError when a process cannot start.
    """

    def __init__(
        self,
        database: Path,
        statements: Sequence[str],
        *,
        workers: int,
        busy_timeout_ms: int,
        timeout: float = ANSWER_TIMEOUT_S,
        separator: str = ",",
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._timeout = timeout
        self._on_close = on_close
        self._procs: list[subprocess.Popen[bytes]] = []
        self._failed: set[subprocess.Popen[bytes]] = set()
        header: dict[str, Any] = {
            "database": str(database),
            "statements": list(statements),
            "busy_timeout_ms": busy_timeout_ms,
            "separator": separator,
        }
        try:
            for _ in range(workers):
                self._procs.append(_start_worker())
            for proc in self._procs:
                self._send(proc, header)
        except BaseException:
            self.close()
            raise

    @property
    def pids(self) -> list[int]:
        """The workers' process ids (while they run)."""
        return [proc.pid for proc in self._procs]

    def read(
        self,
        batches: Iterable[Batch],
        *,
        here: Callable[[int, Sequence[Any]], bytes] | None = None,
    ) -> Iterator[bytes]:
        """The answer to each batch (statement index, parameters), in the order given.

        With `here`, this process takes turns too (2 in each round of 2 + 3 × workers):
        `here(index, parameters)` answers its batches, each when its turn to be given back
        comes (while the workers read theirs); and a worker that fails is stopped and its
        batches answered by `here` instead (logged), so that the read still ends whole.
        Without it, the worker's error is raised. The batches are taken from `batches`
        only as turns become free for them. After the last answer every worker still
        running is ended and its exit checked.
        """
        pending = iter(batches)
        slots: list[subprocess.Popen[bytes] | None] = [*self._procs]
        if here is not None:
            # This process also passes every answer on (an export sends them), so it takes
            # fewer turns: 2 of every 5 with one worker, the first batch its own.
            slots = [None, *self._procs, None, *self._procs, *self._procs]
        # What each slot was asked and has not answered yet, in order.
        waiting: dict[subprocess.Popen[bytes] | None, deque[Batch]] = {
            slot: deque() for slot in slots
        }

        def ask(slot: subprocess.Popen[bytes] | None) -> int:
            batch = next(pending, None)
            if batch is None:
                return 0
            waiting[slot].append(batch)
            if slot is not None and slot not in self._failed:
                try:
                    self._send(slot, [batch[0], list(batch[1])])
                except ReadWorkerError as exc:
                    self._give_up(slot, exc, here)
            return 1

        def answer(slot: subprocess.Popen[bytes] | None) -> bytes:
            batch = waiting[slot].popleft()
            if slot is not None and slot not in self._failed:
                try:
                    return self._answer(slot)
                except ReadWorkerError as exc:
                    self._give_up(slot, exc, here)
            assert here is not None
            return here(*batch)

        asked = sum(ask(slot) for _ in range(AHEAD) for slot in slots)
        answered = 0
        while answered < asked:
            slot = slots[answered % len(slots)]
            result = answer(slot)
            answered += 1
            asked += ask(slot)
            yield result
        self._finish()

    def close(self) -> None:
        """Stop every worker still running (at once), close its pipes, and call `on_close`
        (once, even when the workers could not all start)."""
        try:
            self._stop()
        finally:
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close()

    def _stop(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                kill_process_group(proc)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=STOP_TIMEOUT_S)
        self._procs = []

    def _send(self, proc: subprocess.Popen[bytes], message: Any) -> None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(message).encode() + b"\n")
            proc.stdin.flush()
        except BrokenPipeError:
            raise self._failure(proc, "stopped reading its requests") from None

    def _answer(self, proc: subprocess.Popen[bytes]) -> bytes:
        deadline = time.monotonic() + self._timeout
        (size,) = FRAME_HEADER.unpack(self._read_exact(proc, FRAME_HEADER.size, deadline))
        return bytes(self._read_exact(proc, size, deadline))

    def _read_exact(self, proc: subprocess.Popen[bytes], size: int, deadline: float) -> bytearray:
        assert proc.stdout is not None
        raw = proc.stdout.raw  # type: ignore[attr-defined]  # never read through the buffer
        data = bytearray(size)
        view = memoryview(data)
        got = 0
        with selectors.DefaultSelector() as selector:
            selector.register(raw, selectors.EVENT_READ)
            while got < size:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    kill_process_group(proc)
                    raise ReadWorkerError(
                        f"A database read worker sent nothing for {self._timeout:g} s"
                        " and was stopped"
                    )
                n = raw.readinto(view[got:])
                if not n:
                    raise self._failure(proc, "ended before its answer")
                got += n
        return data

    def _give_up(
        self,
        proc: subprocess.Popen[bytes],
        error: ReadWorkerError,
        here: Callable[[int, Sequence[Any]], bytes] | None,
    ) -> None:
        kill_process_group(proc)
        if here is None:
            raise error
        self._failed.add(proc)
        logger.warning("%s; this process reads its batches instead", error)

    def _finish(self) -> None:
        running = [proc for proc in self._procs if proc not in self._failed]
        for proc in running:
            assert proc.stdin is not None
            proc.stdin.close()
        for proc in running:
            try:
                code = proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                kill_process_group(proc)
                raise ReadWorkerError(
                    f"A database read worker did not end within {STOP_TIMEOUT_S:g} s"
                    " of its last batch and was stopped"
                ) from None
            if code != 0:
                raise self._failure(proc, f"ended with status {code}")

    def _failure(self, proc: subprocess.Popen[bytes], what: str) -> ReadWorkerError:
        kill_process_group(proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT_S)
        said = b""
        if proc.stderr is not None:
            with contextlib.suppress(OSError, ValueError):
                said = proc.stderr.read()
        reason = said.decode("utf-8", errors="replace").strip() or "no reason given"
        return ReadWorkerError(f"A database read worker {what}: {reason}")


def _start_worker() -> subprocess.Popen[bytes]:
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(WORKER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise ReadWorkerError(f"Cannot start a database read worker: {exc}") from exc
    assert proc.stdout is not None
    with contextlib.suppress(OSError, AttributeError):  # Linux only; a smaller pipe still works
        fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    return proc
