"""The task runner: one blocking run at a time per task, in a worker thread.

A task is a blocking function that takes a `threading.Event`: when it is set (the app is
shutting down), the function should stop soon, raising StopRequested. The runner keeps the
state of every task for the API (running or not, when it last started and finished, the
summary of its last run or the error that ended it) and, when given a `store`, writes the
start and the end of every run to the database (`TaskManager`), off the event loop, so
that the last run is still known after a restart. A failed write is logged and the run
goes on: the record of a run never stops the run.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from app_logger import ModuleLogger
from core.base.database.manager.task import TaskManager
from core.base.database.models.base import utc_now
from core.exceptions import ConflictError, NotFoundError
from core.history.reconcile import StopRequested
from core.notify.bus import ConnectEvent, ConnectEventKind, bus

logger = ModuleLogger("Tasks")

TaskFunction = Callable[[threading.Event], Any]
STOP_TIMEOUT = 15.0
"""Seconds a task gets to stop at shutdown (an ffprobe in progress may take that long)."""


class TaskState(BaseModel):
    """Where a task stands; the summary and error are those of its last run."""

    name: str
    running: bool = False
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_duration_s: float | None = None
    last_summary: dict[str, Any] | None = None
    last_error: str | None = None


def as_dict(result: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, dict):
        return dict(to_jsonable_python(result))  # stored as JSON: dates become text
    return {"result": str(result)}


class TaskRunner:
    """Runs the tasks of `registry` (name -> blocking function) in worker threads.

    `start` must be called on the event loop; the run itself never blocks it.
    """

    def __init__(self, registry: dict[str, TaskFunction], *, store: bool = False) -> None:
        self.registry = registry
        self.store = store
        self._states: dict[str, TaskState] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stops: dict[str, threading.Event] = {}
        self._again: set[str] = set()
        """Tasks asked to run again once their current run has ended (`start_soon`)."""

    def _state(self, name: str) -> TaskState:
        if name not in self.registry:
            known = ", ".join(self.registry)
            raise NotFoundError(f"Unknown task {name!r}; the tasks are: {known}")
        return self._states.setdefault(name, TaskState(name=name))

    def is_running(self, name: str) -> bool:
        task = self._tasks.get(name)
        # A task of a loop that is gone (an app that stopped without cancelling) is over.
        return task is not None and not task.done() and not task.get_loop().is_closed()

    def state(self, name: str) -> TaskState:
        """A snapshot of the task's state; NotFoundError for an unknown name."""
        state = self._state(name)
        return state.model_copy(update={"running": self.is_running(name)})

    def states(self) -> list[TaskState]:
        return [self.state(name) for name in self.registry]

    def start(self, name: str) -> TaskState:
        """Start the task in the background; ConflictError while it is running."""
        state = self._state(name)
        if self.is_running(name):
            raise ConflictError(f"The {name} task is already running")
        stop = threading.Event()
        state.running = True
        state.last_started_at = utc_now()
        self._stops[name] = stop
        task = asyncio.create_task(self._run(name, self.registry[name], stop), name=f"task-{name}")
        self._tasks[name] = task
        task.add_done_callback(lambda _task: self._follow_up(name, stop))
        return self.state(name)

    def start_soon(self, name: str) -> bool:
        """Start the task now, or once its current run has ended when it is running (what
        that run planned before may miss what changed since): True when it started now.
        Several asks during one run make one more run."""
        if self.is_running(name):
            self._state(name)
            self._again.add(name)
            return False
        self.start(name)
        return True

    def _follow_up(self, name: str, stop: threading.Event) -> None:
        if name not in self._again or stop.is_set():
            return
        self._again.discard(name)
        try:
            self.start(name)
        except (ConflictError, RuntimeError) as exc:  # started meanwhile; the loop closing
            logger.info(f"Task {name} was not run again: {exc}")

    async def _record(self, what: str, write: Callable[[], None]) -> None:
        if not self.store:
            return
        try:
            await anyio.to_thread.run_sync(write)
        except Exception as exc:  # e.g. a read-only database: the run goes on
            logger.warning(f"Could not record the {what}: {exc}")

    async def _run(self, name: str, function: TaskFunction, stop: threading.Event) -> None:
        state = self._states[name]
        started = time.monotonic()
        logger.info(f"Task {name} started")
        started_at = state.last_started_at or utc_now()
        await self._record(
            f"start of task {name}", lambda: TaskManager().record_start(name, started_at)
        )
        try:
            result = await anyio.to_thread.run_sync(function, stop)
        except StopRequested:
            state.last_summary = None
            state.last_error = "Stopped before the end: the app was shutting down"
            logger.info(f"Task {name} stopped before the end")
        except asyncio.CancelledError:
            state.last_summary = None
            state.last_error = "Cancelled: the app was shutting down"
            raise
        except Exception as exc:
            state.last_summary = None
            state.last_error = f"{type(exc).__name__}: {exc}"
            logger.exception(f"Task {name} failed: {exc}")
            bus.publish(
                ConnectEvent(
                    kind=ConnectEventKind.TASK_FAILED,
                    message=f"Task {name} failed: {state.last_error}",
                )
            )
        else:
            state.last_summary = as_dict(result)
            state.last_error = None
            elapsed = time.monotonic() - started
            logger.info(f"Task {name} finished in {elapsed:.1f} s: {result}")
        finally:
            state.running = False
            state.last_finished_at = utc_now()
            state.last_duration_s = time.monotonic() - started
            finished = state.model_copy()
            await asyncio.shield(
                self._record(
                    f"end of task {name}",
                    lambda: TaskManager().record_finish(
                        name,
                        finished_at=finished.last_finished_at or utc_now(),
                        duration_s=finished.last_duration_s or 0.0,
                        summary=finished.last_summary,
                        error=finished.last_error,
                    ),
                )
            )

    async def wait(self, name: str) -> TaskState:
        """Wait until the task's run, if any, has ended; its state."""
        task = self._tasks.get(name)
        if task is not None and self.is_running(name):
            await asyncio.gather(task, return_exceptions=True)
        return self.state(name)

    async def cancel_all(self) -> None:
        """Ask every running task to stop and wait until they have, at most STOP_TIMEOUT s.

        A task still running then is cancelled: its thread is left to end on its own.
        """
        running = [self._tasks[name] for name in self._tasks if self.is_running(name)]
        for name in self._tasks:
            self._stops[name].set()
        if not running:
            return
        _done, pending = await asyncio.wait(running, timeout=STOP_TIMEOUT)
        for task in pending:
            logger.warning(f"{task.get_name()} did not stop within {STOP_TIMEOUT:.0f} s")
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
