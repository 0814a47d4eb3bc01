"""The `cleanup` task (daily): what the app leaves behind, within the limits it promises.

- The work folder (`APP_DATA_DIR/tmp`): a download's `media-*` folder is removed when no
  download of that media is running, it holds no placement intent (start-up recovery
  finishes those), and nothing in it changed for WORK_MAX_AGE. Anything else there that
  old goes too.
- Logs: rotated log files (`trailarr.log.N`) older than LOG_MAX_AGE. The live log is
  never touched; rotation already caps how many there are.
- Events older than EVENT_RETENTION_DAYS (0 keeps them). Download records are never
  deleted: they are the history.
- Database backups (`APP_DATA_DIR/backups`): those past the kept count go
  (`core.backup.files.beyond_kept`: the user's count of scheduled and manual backups, and
  the newest BACKUPS_KEPT of those before a migration and of those before a restore).

Only these folders of APP_DATA_DIR are touched; nothing in a media folder ever is. A file
that cannot be removed is logged, counted and skipped: the task goes on.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel

from app_logger import ModuleLogger
from config import get_settings
from core.backup.files import beyond_kept
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.models.base import utc_now
from core.download.recovery import INTENT_FILE
from core.history.reconcile import StopRequested

logger = ModuleLogger("Cleanup")

WORK_MAX_AGE = timedelta(hours=6)
"""A work folder untouched this long is a leftover (a download lasts minutes)."""
LOG_MAX_AGE = timedelta(days=30)
_WORK_MEDIA = re.compile(r"media-(\d+)-")
_ROTATED_LOG = re.compile(r"trailarr\.log\.\d+")


class CleanupSummary(BaseModel):
    work_removed: int = 0
    logs_removed: int = 0
    events_removed: int = 0
    backups_removed: int = 0
    bytes_freed: int = 0
    errors: int = 0


def _size(path: Path) -> int:
    if not path.is_dir() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir() or p.is_symlink())


def _newest_change(path: Path) -> float:
    """The newest modification time of the entry or anything inside it (links not followed)."""
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for inner in path.rglob("*"):
            newest = max(newest, inner.lstat().st_mtime)
    return newest


def _remove(path: Path, summary: CleanupSummary) -> bool:
    try:
        size = _size(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError as exc:
        summary.errors += 1
        logger.warning(f"Could not remove {path}: {exc.strerror or exc}; remove it by hand")
        return False
    summary.bytes_freed += size
    return True


def _clean_work(work: Path, summary: CleanupSummary, stop: threading.Event) -> None:
    if not work.is_dir():
        return
    busy = {m.id for m in MediaDatabaseManager().read_in_flight()}
    oldest = time.time() - WORK_MAX_AGE.total_seconds()
    for entry in sorted(work.iterdir()):
        if stop.is_set():
            raise StopRequested("The app is shutting down")
        try:
            match = _WORK_MEDIA.match(entry.name)
            if match and int(match[1]) in busy:
                continue
            if (entry / INTENT_FILE).exists() or _newest_change(entry) > oldest:
                continue
        except OSError as exc:
            summary.errors += 1
            logger.warning(f"Could not read {entry}: {exc.strerror or exc}")
            continue
        if _remove(entry, summary):
            summary.work_removed += 1


def _clean_logs(logs: Path, summary: CleanupSummary) -> None:
    if not logs.is_dir():
        return
    oldest = time.time() - LOG_MAX_AGE.total_seconds()
    for entry in logs.iterdir():
        try:
            old = _ROTATED_LOG.fullmatch(entry.name) and entry.lstat().st_mtime < oldest
        except OSError:
            continue
        if old and _remove(entry, summary):
            summary.logs_removed += 1


def _clean_backups(backups: Path, summary: CleanupSummary) -> None:
    if not backups.is_dir():
        return
    for old in beyond_kept(backups):
        if _remove(old, summary):
            summary.backups_removed += 1


def cleanup(stop: threading.Event) -> CleanupSummary:
    """Run every cleanup; blocking (a worker thread). Each part's failure is logged and
    counted, and the others still run."""
    settings = get_settings()
    summary = CleanupSummary()
    parts = [
        ("work folder", lambda: _clean_work(settings.temp_dir, summary, stop)),
        ("logs", lambda: _clean_logs(settings.logs_dir, summary)),
        ("backups", lambda: _clean_backups(settings.backups_dir, summary)),
    ]
    if settings.event_retention_days:
        cutoff = utc_now() - timedelta(days=settings.event_retention_days)

        def events() -> None:
            summary.events_removed = EventManager().delete_older_than(cutoff)

        parts.append(("events", events))
    for name, part in parts:
        if stop.is_set():
            raise StopRequested("The app is shutting down")
        try:
            part()
        except StopRequested:
            raise
        except Exception as exc:  # one part's failure never stops the others
            summary.errors += 1
            logger.exception(f"Cleanup of the {name} failed: {exc}")
    freed = summary.bytes_freed / 1024 / 1024
    logger.info(f"Cleanup: {summary.model_dump()} ({freed:.1f} MiB freed)")
    return summary
