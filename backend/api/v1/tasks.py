"""Task routes: the scheduled tasks (sync, reconcile, backfill), their schedules, run now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from core.base.database.models.task import TaskScheduleUpdate
from core.tasks.registry import TASKS
from core.tasks.scheduler import TaskRead, scheduler

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskName = Annotated[
    str,
    Path(
        max_length=50,
        description="The task: " + "; ".join(f"{n} ({t.description})" for n, t in TASKS.items()),
    ),
]

# The routes change the scheduler's and the runner's in-memory state on the event loop that
# runs them; database reads and writes, and the tasks themselves, run in worker threads.


@router.get("")
async def list_tasks() -> list[TaskRead]:
    """Every task with its schedule, its state and its last run."""
    return await scheduler.tasks()


@router.get("/{name}")
async def read_task(name: TaskName) -> TaskRead:
    return await scheduler.task(name)


@router.patch("/{name}")
async def update_task(name: TaskName, update: TaskScheduleUpdate) -> TaskRead:
    """Turn the task's schedule on or off, or change its interval; kept across restarts.
    The next run comes one interval after the last start."""
    await scheduler.update(name, update)
    return await scheduler.task(name)


@router.post("/{name}", status_code=status.HTTP_202_ACCEPTED)
async def start_task(name: TaskName) -> TaskRead:
    """Run the task now, in the background; 409 while it is running."""
    scheduler.run_now(name)
    return await scheduler.task(name)
