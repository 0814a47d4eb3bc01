"""Library task routes (reconciliation, backfill, sync)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from core.history.tasks import TaskState, task_runner

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskName = Annotated[
    str,
    Path(
        max_length=50,
        description="The task: reconcile, backfill, or sync (every Radarr/Sonarr connection,"
        " then the local library roots)",
    ),
]

# The routes only read or change the runner's in-memory state, on the event loop that
# runs the tasks; the work itself runs in a worker thread.


@router.get("")
async def list_tasks() -> list[TaskState]:
    """Every task with its state."""
    return task_runner.states()


@router.get("/{name}")
async def read_task(name: TaskName) -> TaskState:
    return task_runner.state(name)


@router.post("/{name}", status_code=status.HTTP_202_ACCEPTED)
async def start_task(name: TaskName) -> TaskState:
    """Start the task in the background; 409 while it is running."""
    return task_runner.start(name)
