"""The backups folder (`APP_DATA_DIR/backups`): which files are backups, of which kind, and
which of them are kept.

A backup is a regular file named `trailarr-<UTC stamp>-<label>.db` (a SQLite copy) or
`.pgdump` (pg_dump's custom format), the names start-up's backups before a migration have
always had (`core.base.database.migrate`). The stamp sorts as the time does; the label
tells the kind:

- `scheduled`: the `backup` task's; `manual`: "Back up now";
- `before-restore`: the database a restore replaced, taken at start-up;
- anything else (start-up labels its backup with the revision it upgrades from):
  `before_migration`.

Nothing else in the folder is a backup: it is not listed, served, restored or removed. A
name from a request is looked up in the listing, so that a path (`../trailarr.db`) is
simply not found; links are not followed.

What is kept: the newest `keep` (a setting, 10 by default as Radarr keeps them) of the
scheduled and manual backups together, and apart from them the newest BACKUPS_KEPT of the
backups before a migration and of those before a restore: a busy schedule never pushes
out the copy taken before an upgrade or a restore. SQLite copies and pg_dump files are
counted apart (a library moved to PostgreSQL keeps its last SQLite copies).

The kept count lives in `APP_DATA_DIR/backup_settings.json`, not in the database: a
restore of an older database must not change how many backups are kept (a smaller count
would prune the backups taken since), and it applies as well to PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from app_logger import ModuleLogger
from config import get_settings
from core.base.database.migrate import BACKUPS_KEPT
from core.exceptions import NotFoundError

logger = ModuleLogger("Backup")

SETTINGS_FILE = "backup_settings.json"
KEEP_MAX = 1000
INCOMING_PREFIX = ".incoming-"
"""Folders in which a backup is made before it is moved into the listing, whole."""
INCOMING_MAX_AGE = 24 * 3600
"""Seconds after which an incoming folder is a leftover (pg_dump may take an hour)."""

_NAME = re.compile(
    r"trailarr-(?P<stamp>\d{8}T\d{12}Z)-(?P<label>[A-Za-z0-9_-]+)\.(?P<ext>db|pgdump)"
)
_STAMP = "%Y%m%dT%H%M%S%fZ"


class BackupKind(StrEnum):
    SCHEDULED = "scheduled"
    MANUAL = "manual"
    BEFORE_MIGRATION = "before_migration"
    BEFORE_RESTORE = "before_restore"

    @property
    def label(self) -> str:
        """The label in the file name (start-up's before a migration: the revision)."""
        return self.value.replace("_", "-")


class BackupFormat(StrEnum):
    SQLITE = "sqlite"
    PGDUMP = "pgdump"


class BackupRead(BaseModel):
    """A backup as the API lists it."""

    name: str
    type: BackupKind
    format: BackupFormat
    """`sqlite`: a copy of the database file; `pgdump`: for pg_restore."""
    size: int
    created: datetime


class BackupSettings(BaseModel):
    """How many scheduled and manual backups are kept (newest first)."""

    keep: int = Field(default=BACKUPS_KEPT, ge=1, le=KEEP_MAX)


class BackupSettingsUpdate(BaseModel):
    """Body of PATCH /api/v1/backups/settings."""

    keep: int | None = Field(
        default=None,
        ge=1,
        le=KEEP_MAX,
        description="How many scheduled and manual backups to keep, newest first; older "
        "ones go at the next backup or the daily cleanup",
    )


def _kind(label: str) -> BackupKind:
    for kind in (BackupKind.SCHEDULED, BackupKind.MANUAL, BackupKind.BEFORE_RESTORE):
        if label == kind.label:
            return kind
    return BackupKind.BEFORE_MIGRATION


def describe(path: Path, size: int | None = None) -> BackupRead | None:
    """The backup that `path` is, or None when its name is not a backup's."""
    match = _NAME.fullmatch(path.name)
    if match is None:
        return None
    try:
        created = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
    except ValueError:  # a name of that shape that is no time (month 13): not ours
        return None
    return BackupRead(
        name=path.name,
        type=_kind(match["label"]),
        format=BackupFormat.SQLITE if match["ext"] == "db" else BackupFormat.PGDUMP,
        size=path.stat().st_size if size is None else size,
        created=created,
    )


def list_backups(folder: Path | None = None) -> list[BackupRead]:
    """The backups in the folder, newest first."""
    folder = folder or get_settings().backups_dir
    found: list[BackupRead] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            backup = describe(Path(entry.path), entry.stat(follow_symlinks=False).st_size)
        except OSError:  # removed meanwhile
            continue
        if backup is not None:
            found.append(backup)
    return sorted(found, key=lambda b: b.name, reverse=True)


def backup_path(name: str) -> Path:
    """The file of the listed backup `name`; NotFoundError for any other name."""
    folder = get_settings().backups_dir
    if not any(backup.name == name for backup in list_backups(folder)):
        raise NotFoundError(f"No backup named {name!r}")
    return folder / name


def delete_backup(name: str) -> None:
    path = backup_path(name)
    path.unlink(missing_ok=True)
    logger.info(f"Deleted the backup {name}")


def beyond_kept(folder: Path | None = None, keep: int | None = None) -> list[Path]:
    """The backups past what is kept (see the module's docstring), oldest first."""
    folder = folder or get_settings().backups_dir
    keep = read_settings().keep if keep is None else keep
    groups: dict[tuple[str, BackupFormat], list[BackupRead]] = {}
    for backup in list_backups(folder):
        ours = backup.type in (BackupKind.SCHEDULED, BackupKind.MANUAL)
        groups.setdefault(("kept" if ours else backup.type.value, backup.format), []).append(backup)
    old: list[Path] = []
    for (group, _format), backups in groups.items():  # newest first
        kept = keep if group == "kept" else BACKUPS_KEPT
        old.extend(folder / b.name for b in backups[kept:])
    return sorted(old)


def stale_incoming(folder: Path | None = None) -> list[Path]:
    """Folders of backups that were being made when the app stopped."""
    folder = folder or get_settings().backups_dir
    oldest = time.time() - INCOMING_MAX_AGE
    try:
        return [
            p
            for p in folder.glob(f"{INCOMING_PREFIX}*")
            if p.is_dir() and not p.is_symlink() and p.stat().st_mtime < oldest
        ]
    except OSError:
        return []


def prune(folder: Path | None = None) -> list[Path]:
    """Remove the backups past what is kept, and leftovers of interrupted ones; what went.

    A file that cannot be removed is logged and skipped."""
    removed: list[Path] = []
    for path in beyond_kept(folder):
        try:
            path.unlink()
        except OSError as exc:
            logger.warning(f"Could not remove the old backup {path}: {exc.strerror or exc}")
            continue
        removed.append(path)
    for leftover in stale_incoming(folder):
        shutil.rmtree(leftover, ignore_errors=True)
    return removed


_settings_lock = threading.Lock()


def _settings_file() -> Path:
    return get_settings().app_data_dir / SETTINGS_FILE


def read_settings() -> BackupSettings:
    """The stored settings; the defaults when there are none, or they cannot be read."""
    path = _settings_file()
    try:
        return BackupSettings.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return BackupSettings()
    except (OSError, ValueError, ValidationError) as exc:
        logger.warning(f"Ignoring {path} ({exc}): the defaults apply")
        return BackupSettings()


def update_settings(update: BackupSettingsUpdate) -> BackupSettings:
    """Store the changed settings (written whole, then moved into place)."""
    with _settings_lock:
        current = read_settings()
        changed = current.model_copy(update=update.model_dump(exclude_none=True))
        path = _settings_file()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(changed.model_dump_json(indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    if changed != current:
        logger.info(f"Backups kept: {changed.keep} scheduled and manual")
    return changed
