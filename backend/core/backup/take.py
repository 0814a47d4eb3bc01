"""Taking a backup: of SQLite with its online backup API, of PostgreSQL with pg_dump.

The copy is made by start-up's own functions (`backup_sqlite`, `dump_postgresql`), in a
folder of its own inside the backups folder, then moved into the listing whole: a backup
being made is never listed, downloaded or restored half written, and those functions'
pruning (the newest BACKUPS_KEPT of every kind together) finds nothing else to remove
there; this module prunes by the kinds instead (`files.prune`).

SQLite's online backup copies every page in one step under one read transaction: the
copy is the database as one commit left it, while the app goes on writing (WAL lets
writers go on during the read). One backup runs at a time; another asked meanwhile is a
conflict, answered at once.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

from pydantic import BaseModel

from app_logger import ModuleLogger
from config import get_settings
from core.backup.errors import BackupError
from core.backup.files import INCOMING_PREFIX, BackupKind, BackupRead, describe, prune
from core.base.database.migrate import MigrationError, backup_sqlite, dump_postgresql

logger = ModuleLogger("Backup")

_running = threading.Lock()

NO_PG_DUMP = (
    "pg_dump is not on PATH: Trailarr backs up PostgreSQL with it. Install the PostgreSQL "
    "client tools (of the server's major version or newer) where Trailarr runs, or back "
    "the database up yourself"
)


class BackupTaskSummary(BaseModel):
    """The `backup` task's result."""

    name: str
    size: int
    removed: list[str]
    """Older backups removed, past the kept count."""


def take_backup(kind: BackupKind) -> BackupRead:
    """Back the database up now (blocking: a worker thread), then remove the backups past
    what is kept. BackupError when another backup is being taken, or when this one cannot
    be (the message says why)."""
    return _back_up(kind)[0]


def scheduled_backup(_stop: threading.Event) -> BackupTaskSummary:
    """The `backup` task: one scheduled backup, then the old ones pruned."""
    backup, removed = _back_up(BackupKind.SCHEDULED)
    return BackupTaskSummary(name=backup.name, size=backup.size, removed=[p.name for p in removed])


def _back_up(kind: BackupKind) -> tuple[BackupRead, list[Path]]:
    if not _running.acquire(blocking=False):
        raise BackupError("A backup is being taken already; try again once it is done")
    try:
        backup = _take(kind)
        removed = prune()
    finally:
        _running.release()
    extra = f"; removed {len(removed)} older" if removed else ""
    logger.info(f"Backed up the database ({kind.value}) to {backup.name}{extra}")
    return backup, removed


def _take(kind: BackupKind) -> BackupRead:
    settings = get_settings()
    folder = settings.backups_dir
    db_path = settings.sqlite_path
    if db_path is None and shutil.which("pg_dump") is None:
        raise BackupError(NO_PG_DUMP)
    if db_path is not None and not db_path.is_file():
        raise BackupError(f"There is no database file to back up at {db_path}")
    folder.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=INCOMING_PREFIX, dir=folder))
    try:
        made = _copy(db_path, settings.db_url, incoming, kind.label)
        target = folder / made.name
        os.replace(made, target)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    backup = describe(target)
    assert backup is not None  # named by the functions above
    return backup


def _copy(db_path: Path | None, url: str, folder: Path, label: str) -> Path:
    if db_path is not None:
        try:
            return backup_sqlite(db_path, folder, label)
        except (sqlite3.Error, OSError) as exc:
            raise BackupError(f"The backup of {db_path} failed: {exc}") from exc
    try:
        dumped = dump_postgresql(url, folder, label)
    except MigrationError as exc:
        raise BackupError(str(exc)[:1].upper() + str(exc)[1:]) from exc
    if dumped is None:  # pg_dump went from PATH since the check
        raise BackupError(NO_PG_DUMP)
    return dumped
