"""The scheduler: when tasks run, that a due task is started, that a running one is skipped."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from core.base.database.models.task import ScheduledTaskRead
from core.tasks import scheduler as scheduler_module
from core.tasks.runner import TaskRunner
from core.tasks.scheduler import TaskScheduler, first_run
from tests.utils.wait import WAIT_SECONDS

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def task(
    *, interval: int = 60, last: datetime | None = None, enabled: bool = True
) -> ScheduledTaskRead:
    return ScheduledTaskRead(
        name="backfill", enabled=enabled, interval_minutes=interval, last_started_at=last
    )


def test_a_task_runs_one_interval_after_its_last_start() -> None:
    assert first_run(task(last=NOW - timedelta(minutes=20)), NOW) == NOW + timedelta(minutes=40)


def test_a_task_that_was_due_while_the_app_was_down_runs_soon_after_start() -> None:
    due = first_run(task(last=NOW - timedelta(days=3)), NOW)
    assert due == NOW + scheduler_module.OVERDUE_DELAY


def test_a_task_that_never_ran_waits_a_full_interval() -> None:
    assert first_run(task(interval=1440), NOW) == NOW + timedelta(days=1)


class Gate:
    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.runs = 0

    def __call__(self, stop: threading.Event) -> dict[str, int]:
        self.runs += 1
        self.entered.set()
        while not self.opened.wait(0.02) and not stop.is_set():
            pass
        return {"runs": self.runs}


async def wait_for(event: threading.Event) -> bool:
    return await anyio.to_thread.run_sync(event.wait, WAIT_SECONDS)


@pytest.mark.anyio
async def test_an_overdue_task_is_started_and_a_running_one_is_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(scheduler_module, "OVERDUE_DELAY", timedelta(milliseconds=50))
    gate = Gate()
    runner = TaskRunner({"backfill": gate})
    scheduler = TaskScheduler(runner)
    try:
        scheduler.schedule([task(interval=60, last=datetime.now(UTC) - timedelta(days=1))])
        assert await wait_for(gate.entered), "the overdue task was not started"
        # The next run is one interval after this one.
        next_run = scheduler.next_run_at("backfill")
        assert next_run is not None
        assert timedelta(minutes=59) < next_run - datetime.now(UTC) <= timedelta(minutes=60)
        # A scheduled run that comes while the task still runs is skipped, not queued.
        await scheduler._fire("backfill")
        assert "still running; this scheduled run is skipped" in caplog.text
        gate.opened.set()
        state = await runner.wait("backfill")
        assert state.last_summary == {"runs": 1} and gate.runs == 1
    finally:
        scheduler.shutdown()
        await runner.cancel_all()


@pytest.mark.anyio
async def test_a_disabled_task_has_no_next_run_and_run_now_moves_the_next_one() -> None:
    gate = Gate()
    gate.opened.set()
    runner = TaskRunner({"backfill": gate})
    scheduler = TaskScheduler(runner)
    try:
        scheduler.schedule([task(enabled=False)])
        assert scheduler.next_run_at("backfill") is None
        scheduler.schedule([task(interval=30, last=datetime.now(UTC) - timedelta(minutes=10))])
        before = scheduler.next_run_at("backfill")
        assert before is not None
        started = scheduler.run_now("backfill")
        assert started.last_started_at is not None
        assert scheduler.next_run_at("backfill") == started.last_started_at + timedelta(minutes=30)
        assert scheduler.next_run_at("backfill") != before
        await runner.wait("backfill")
    finally:
        scheduler.shutdown()
        await runner.cancel_all()


@pytest.mark.anyio
async def test_asked_to_run_while_running_it_runs_once_more_after() -> None:
    gate = Gate()
    runner = TaskRunner({"backfill": gate})
    try:
        assert runner.start_soon("backfill") is True
        assert await wait_for(gate.entered)
        gate.entered.clear()
        # Asked twice during the run (media monitored while it plans): one run follows.
        assert runner.start_soon("backfill") is False
        assert runner.start_soon("backfill") is False
        gate.opened.set()
        assert await wait_for(gate.entered), "the task did not run again"
        await runner.wait("backfill")
        await anyio.sleep(0.1)
        assert not runner.is_running("backfill")
        assert gate.runs == 2
    finally:
        await runner.cancel_all()
