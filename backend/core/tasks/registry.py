"""The app's tasks: what each does, its default interval, and the runner that runs them."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import anyio.from_thread

from app_logger import ModuleLogger
from config import get_settings
from core.base.database.manager.task import TaskManager
from core.history.backfill import backfill_library
from core.history.reconcile import reconcile_library
from core.tasks.cleanup import cleanup
from core.tasks.runner import TaskFunction, TaskRunner, as_dict
from core.tasks.wanted import download_missing

logger = ModuleLogger("Tasks")

RECONCILE = "reconcile"
BACKFILL = "backfill"
SYNC = "sync"
CLEANUP = "cleanup"
DOWNLOAD_MISSING = "download_missing"
BACKUP = "backup"


@dataclass(frozen=True)
class TaskDefinition:
    function: TaskFunction
    interval_minutes: int
    """The default interval; the user's is stored with the task (`ScheduledTask`)."""
    description: str


def _reconcile(stop: threading.Event) -> Any:
    return reconcile_library(stop=stop)


def _backfill(stop: threading.Event) -> Any:
    return backfill_library(stop=stop)


def _sync(stop: threading.Event) -> Any:
    """Every Radarr/Sonarr connection's sync, then the scan of the local library roots."""
    from core.arr.sync import sync_all_connections
    from core.library.local_scan import scan_local_roots

    connections = sync_all_connections(stop=stop)
    local = scan_local_roots(stop)
    if any(s.added or s.updated for s in connections.connections):
        download_missing_now("the sync brought in or changed media")
    return {"connections": connections.model_dump(mode="json"), "local": as_dict(local)}


def _backup(stop: threading.Event) -> Any:
    from core.backup.take import scheduled_backup

    return scheduled_backup(stop)


TASKS: dict[str, TaskDefinition] = {
    RECONCILE: TaskDefinition(
        _reconcile,
        60,
        "Checks that every recorded trailer file is still there, unchanged",
    ),
    BACKFILL: TaskDefinition(
        _backfill,
        24 * 60,
        "Records trailer files found in media folders that have no record yet",
    ),
    SYNC: TaskDefinition(
        _sync,
        60,
        "Brings in the movies and series of every Radarr/Sonarr connection and local root",
    ),
    DOWNLOAD_MISSING: TaskDefinition(
        download_missing,
        60,
        "Downloads the trailers that monitored media lack, from each profile that applies "
        "(failed ones wait 1, 2, 4, then 7 days)",
    ),
    CLEANUP: TaskDefinition(
        cleanup,
        24 * 60,
        "Removes leftovers of the work folder, old rotated logs, events past their "
        "retention and database backups beyond the kept count",
    ),
    BACKUP: TaskDefinition(
        _backup,
        7 * 24 * 60,
        "Backs the database up (SQLite: a copy; PostgreSQL: pg_dump) into the backups "
        "folder, and removes the scheduled and manual backups beyond the kept count",
    ),
}

task_runner = TaskRunner({name: task.function for name, task in TASKS.items()}, store=True)


def download_missing_now(why: str) -> bool:
    """Media became monitored (`why`): start `download_missing` now rather than at its
    next interval, as Radarr searches for a movie added with "start search"; a run that is
    going already is followed by another. Not when DOWNLOAD_ON_MONITOR is off or the task
    is disabled. Blocking: call it from a worker thread. True when it started now."""
    if not get_settings().download_on_monitor:
        return False
    try:
        if not TaskManager().read(DOWNLOAD_MISSING).enabled:
            return False
        started = anyio.from_thread.run_sync(task_runner.start_soon, DOWNLOAD_MISSING)
    except Exception as exc:  # the change that asked is done; the schedule still runs
        logger.error(f"Could not start {DOWNLOAD_MISSING} ({why}): {exc}")
        return False
    if started:
        logger.info(f"Started {DOWNLOAD_MISSING}: {why}")
    else:
        logger.info(f"{DOWNLOAD_MISSING} runs again once its current run ends: {why}")
    return started
