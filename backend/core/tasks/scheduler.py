"""The scheduler: runs each enabled task every `interval_minutes`, with APScheduler.

APScheduler's AsyncIOScheduler, started and stopped by the app's lifespan, holds one
interval job per enabled task; a job only asks the task runner to start the task, so the
work still runs in a worker thread and never twice at once (a run that finds the task
still running is skipped and logged). The schedule itself lives in the database
(`ScheduledTask`): the scheduler reads it at start and after every change through the API,
so the user's intervals survive a restart. Job state is not kept by APScheduler.

When a task next runs: `interval_minutes` after its last start, whether that run was
scheduled or started by hand (as Radarr and Sonarr do). A task that was due while the app
was down runs OVERDUE_DELAY after start-up; a task that never ran (a new install) waits a
full interval, as nothing is overdue yet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import BaseModel

from app_logger import ModuleLogger
from core.base.database.manager.task import TaskManager
from core.base.database.models.base import as_utc, utc_now
from core.base.database.models.task import ScheduledTaskRead, TaskScheduleUpdate
from core.exceptions import ConflictError
from core.tasks.registry import TASKS, task_runner
from core.tasks.runner import TaskRunner, TaskState

logger = ModuleLogger("Scheduler")

OVERDUE_DELAY = timedelta(minutes=2)
"""How long after start-up an overdue task runs: the app is serving by then."""


class TaskRead(BaseModel):
    """A task as the API shows it: its schedule, whether it runs, its last run."""

    name: str
    description: str
    enabled: bool
    interval_minutes: int
    running: bool
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_duration_s: float | None = None
    next_run_at: datetime | None = None
    last_summary: dict[str, Any] | None = None
    last_error: str | None = None


def first_run(task: ScheduledTaskRead, now: datetime) -> datetime:
    """When the task's next run is due, from its stored last start."""
    interval = timedelta(minutes=task.interval_minutes)
    if task.last_started_at is None:
        return now + interval
    return max(as_utc(task.last_started_at) + interval, now + OVERDUE_DELAY)


class TaskScheduler:
    """The app's schedule of tasks; `start`/`shutdown` on the event loop (the lifespan)."""

    def __init__(self, runner: TaskRunner) -> None:
        self.runner = runner
        self._scheduler: AsyncIOScheduler | None = None

    async def start(self) -> None:
        """Make the missing task rows (default schedules), then schedule every task."""
        defaults = {name: task.interval_minutes for name, task in TASKS.items()}
        tasks = await anyio.to_thread.run_sync(lambda: TaskManager().ensure(defaults))
        self.schedule(tasks)
        summary = ", ".join(
            f"{t.name} every {t.interval_minutes} min" if t.enabled else f"{t.name} off"
            for t in tasks
        )
        logger.info(f"Scheduled tasks: {summary}")

    def schedule(self, tasks: list[ScheduledTaskRead]) -> None:
        """Start the scheduler (on the running event loop) with these tasks' schedules."""
        if self._scheduler is None:
            self._scheduler = AsyncIOScheduler(timezone=UTC)
            self._scheduler.start()
        now = utc_now()
        for task in tasks:
            self._plan(task, first_run(task, now))

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    def _plan(self, task: ScheduledTaskRead, next_run: datetime) -> None:
        """(Re)make the task's job to run at `next_run`, then every interval; none when off."""
        if self._scheduler is None:
            return
        if self._scheduler.get_job(task.name) is not None:
            self._scheduler.remove_job(task.name)
        if not task.enabled:
            return
        self._scheduler.add_job(
            self._fire,
            IntervalTrigger(minutes=task.interval_minutes, timezone=UTC),
            args=[task.name],
            id=task.name,
            name=f"task {task.name}",
            next_run_time=next_run,
            coalesce=True,  # runs missed while the loop was busy become one
            max_instances=1,
            misfire_grace_time=None,  # late is better than never
        )

    async def _fire(self, name: str) -> None:
        try:
            self.runner.start(name)
        except ConflictError:
            logger.info(f"Task {name} is still running; this scheduled run is skipped")

    def next_run_at(self, name: str) -> datetime | None:
        if self._scheduler is None:
            return None
        job = self._scheduler.get_job(name)
        return None if job is None else job.next_run_time

    def describe(self, stored: ScheduledTaskRead) -> TaskRead:
        """The task's stored row with what only the running app knows; a run in progress
        or just ended is newer than the row (written when the run ends)."""
        state = self.runner.state(stored.name)
        last = stored.model_dump(
            include={
                "last_started_at",
                "last_finished_at",
                "last_duration_s",
                "last_summary",
                "last_error",
            }
        )
        if state.last_started_at is not None and (
            stored.last_started_at is None or state.last_started_at >= stored.last_started_at
        ):
            last = state.model_dump(include=set(last))
        return TaskRead(
            name=stored.name,
            description=TASKS[stored.name].description,
            enabled=stored.enabled,
            interval_minutes=stored.interval_minutes,
            running=state.running,
            next_run_at=self.next_run_at(stored.name),
            **last,
        )

    async def tasks(self) -> list[TaskRead]:
        """Every task of the app, in the order of TASKS (a task without a row yet shows its
        default schedule)."""
        rows = {row.name: row for row in await anyio.to_thread.run_sync(TaskManager().read_all)}
        return [
            self.describe(
                rows.get(name)
                or ScheduledTaskRead(
                    name=name, enabled=True, interval_minutes=task.interval_minutes
                )
            )
            for name, task in TASKS.items()
        ]

    async def task(self, name: str) -> TaskRead:
        """One task; NotFoundError for a name that is not a task."""
        self.runner.state(name)  # NotFoundError naming the tasks
        return next(task for task in await self.tasks() if task.name == name)

    def run_now(self, name: str) -> TaskState:
        """Start the task now (ConflictError while it runs); the next scheduled run comes
        a full interval later."""
        state = self.runner.start(name)
        job = None if self._scheduler is None else self._scheduler.get_job(name)
        if job is not None and state.last_started_at is not None:
            interval = job.trigger.interval
            job.modify(next_run_time=state.last_started_at + interval)
        return state

    async def update(self, name: str, update: TaskScheduleUpdate) -> ScheduledTaskRead:
        """Store the task's new schedule and apply it: next run one interval after the last
        start (or now plus the interval when it never ran). NotFoundError for a name that
        is not a task."""
        self.runner.state(name)  # NotFoundError naming the tasks
        task = await anyio.to_thread.run_sync(lambda: TaskManager().update_schedule(name, update))
        self._plan(task, first_run(task, utc_now()))
        logger.info(
            f"Task {name}: "
            + (f"every {task.interval_minutes} min" if task.enabled else "disabled")
        )
        return task


scheduler = TaskScheduler(task_runner)
