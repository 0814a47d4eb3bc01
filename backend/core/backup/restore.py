"""Restoring a backup: staged through the API, applied at the next start.

The running app holds the database open, so the API only stages a restore: the file (a
listed backup, or an upload) is copied into `APP_DATA_DIR/restore`, checked
(`check.check_database`), and renamed to `restore/pending.db` in one step, with where it
came from beside it (`pending.json`). Staging again replaces it; `unstage` drops it.

At the next start, before the migrations, `apply_staged_restore` checks it again, backs the
current database up (`before-restore`), and puts the staged file in its place:

1. the staged file is copied beside the database (`trailarr.db.restoring`), and synced;
2. the current database is checkpointed (its write-ahead log folded into the file) and
   closed, and its `-wal`, `-shm` and `-journal` files are removed: left beside the new
   file, SQLite would apply the old log to it;
3. the copy is renamed over the database, one atomic step; then the staged file goes.

A crash before step 3 leaves the old database whole (everything is in its file after the
checkpoint) and the restore still staged; a crash after it, the restored database, and the
restore staged still: the next start backs that one up and puts the same file in place
again. Any failure leaves the database as it was and stops the start with a message.

PostgreSQL is not restored here: its backups are pg_dump files, and replacing a live
server's database is the operator's work; the answer gives the pg_restore command.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import make_url

from app_logger import ModuleLogger
from config import get_settings
from core.backup.check import check_database, extract_database, is_zip
from core.backup.errors import BackupError, RestoreError, RestoreRefusedError
from core.backup.files import BackupFormat, BackupKind, BackupRead, backup_path, describe
from core.backup.take import take_backup

logger = ModuleLogger("Backup")

RESTORE_DIR = "restore"
PENDING = "pending.db"
PENDING_INFO = "pending.json"
UPLOAD_PREFIX = "upload-"
STAGED_MESSAGE = "Restart Trailarr to apply the restore"
NOTHING_STAGED = "No restore is staged"
_SIDECARS = ("-wal", "-shm", "-journal")

_staging = threading.Lock()


class RestoreState(BaseModel):
    """Whether a restore waits for the next start, and what it restores."""

    supported: bool
    """False on PostgreSQL: its restores are pg_restore's (`message` gives the command)."""
    staged: bool
    source: str | None = None
    """The backup's name, or `upload: <file name>`."""
    revision: str | None = None
    """The staged database's revision (the migrations bring an older one up to date)."""
    size: int | None = None
    staged_at: datetime | None = None
    message: str


def restore_folder() -> Path:
    return get_settings().app_data_dir / RESTORE_DIR


def pg_restore_command(dump: Path | None = None) -> str:
    """The command that restores a pg_dump file into the configured database."""
    url = make_url(get_settings().db_url)
    args = ["pg_restore", "--clean", "--if-exists", "--no-owner"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    args.append(f"--dbname={url.database}")
    args.append(str(dump) if dump else "BACKUP.pgdump")
    return shlex.join(args)


def _postgresql_refusal(backup: BackupRead | None) -> str:
    folder = get_settings().backups_dir
    if backup is not None and backup.format is BackupFormat.SQLITE:
        return (
            f"{backup.name} is a SQLite backup and the database is PostgreSQL: "
            f"`trailarr migrate-db --from {shlex.quote(str(folder / backup.name))} --to "
            "<DATABASE_URL>` copies it into an empty PostgreSQL database"
        )
    dump = folder / backup.name if backup is not None else None
    return (
        "Trailarr does not restore a PostgreSQL database itself: stop Trailarr, run "
        f"`{pg_restore_command(dump)}` (it asks for the password), then start Trailarr "
        "again (the migrations bring an older backup up to date)"
    )


def ensure_supported(backup: BackupRead | None = None) -> None:
    """BackupError (409) on PostgreSQL, with the command that restores there."""
    if get_settings().sqlite_path is None:
        raise BackupError(_postgresql_refusal(backup))


def _read_info(folder: Path) -> dict[str, Any]:
    try:
        info = json.loads((folder / PENDING_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def restore_state() -> RestoreState:
    supported = get_settings().sqlite_path is not None
    folder = restore_folder()
    pending = folder / PENDING
    try:
        size = pending.stat().st_size
    except FileNotFoundError:
        message = NOTHING_STAGED if supported else _postgresql_refusal(None)
        return RestoreState(supported=supported, staged=False, message=message)
    info = _read_info(folder)
    return RestoreState(
        supported=supported,
        staged=True,
        source=info.get("source"),
        revision=info.get("revision"),
        size=size,
        staged_at=info.get("staged_at"),
        message=STAGED_MESSAGE,
    )


def new_upload() -> Path:
    """A new file in the restore folder to receive an upload in (the caller writes it and
    hands it to `stage_upload`, which removes it)."""
    folder = restore_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{UPLOAD_PREFIX}{uuid.uuid4().hex}.part"


def stage_upload(received: Path, filename: str | None) -> RestoreState:
    """Check the uploaded file (a database, or a zip holding one) and stage it; the
    received file is gone afterwards. RestoreRefusedError (422) saying what is wrong."""
    extracted = received.with_suffix(".db")
    try:
        ensure_supported()
        candidate = received
        if is_zip(received):
            extract_database(received, extracted)
            candidate = extracted
        return _stage(candidate, f"upload: {filename or 'unnamed file'}")
    finally:
        received.unlink(missing_ok=True)
        extracted.unlink(missing_ok=True)


def stage_backup(name: str) -> RestoreState:
    """Stage the listed backup `name` (NotFoundError for any other name)."""
    path = backup_path(name)
    backup = describe(path)
    assert backup is not None
    ensure_supported(backup)
    if backup.format is BackupFormat.PGDUMP:
        raise RestoreRefusedError(
            f"{name} is a pg_dump file of a PostgreSQL database: it cannot be restored into "
            f"SQLite; restore it into PostgreSQL with {pg_restore_command(path)}"
        )
    candidate = new_upload().with_suffix(".db")
    try:
        shutil.copyfile(path, candidate)
        return _stage(candidate, name)
    finally:
        candidate.unlink(missing_ok=True)


def _stage(candidate: Path, source: str) -> RestoreState:
    checked = check_database(candidate)
    folder = candidate.parent
    info = {
        "source": source,
        "revision": checked.revision,
        "staged_at": datetime.now(UTC).isoformat(),
    }
    with _staging:
        tmp = folder / f"{PENDING_INFO}.tmp"
        tmp.write_text(json.dumps(info) + "\n", encoding="utf-8")
        os.replace(tmp, folder / PENDING_INFO)
        os.replace(candidate, folder / PENDING)
        _sync_folder(folder)
    logger.info(
        f"Staged the restore of {source} (revision {checked.revision}, {checked.size} bytes): "
        "it is applied at the next start"
    )
    return restore_state()


def unstage() -> RestoreState:
    """Drop the staged restore, if any."""
    folder = restore_folder()
    with _staging:
        staged = (folder / PENDING).exists()
        (folder / PENDING).unlink(missing_ok=True)
        (folder / PENDING_INFO).unlink(missing_ok=True)
    if staged:
        logger.info("Cancelled the staged restore")
    return restore_state()


def apply_staged_restore() -> None:
    """At start-up, before the migrations: put a staged restore in place of the database.

    Nothing to do (one stat) when restores were never used. RestoreError, with the database
    as it was, when the staged file cannot be applied (the message says what to do)."""
    folder = restore_folder()
    if not folder.is_dir():
        return
    for leftover in folder.glob(f"{UPLOAD_PREFIX}*"):  # uploads cut off by a stop
        with contextlib.suppress(OSError):
            leftover.unlink()
    pending = folder / PENDING
    if not pending.exists():
        return
    db_path = get_settings().sqlite_path
    if db_path is None:
        raise RestoreError(
            f"a restore is staged in {pending}, but the database is PostgreSQL "
            f"(DATABASE_URL): Trailarr restores SQLite only. Delete {pending} to start"
        )
    source = _read_info(folder).get("source") or str(pending)
    try:
        checked = check_database(pending)
    except (RestoreRefusedError, OSError) as exc:
        why = exc.detail if isinstance(exc, RestoreRefusedError) else str(exc)
        raise RestoreError(
            f"the staged restore of {source} cannot be applied: {why}. The database is "
            f"unchanged; delete {pending} to start with it"
        ) from exc
    replaced: BackupRead | None = None
    if db_path.exists():
        try:
            replaced = take_backup(BackupKind.BEFORE_RESTORE)
        except (BackupError, OSError) as exc:
            why = exc.detail if isinstance(exc, BackupError) else str(exc)
            raise RestoreError(
                f"the current database could not be backed up before the restore of "
                f"{source}: {why}. Nothing was changed"
            ) from exc
    try:
        _replace_database(pending, db_path)
    except (OSError, sqlite3.Error) as exc:
        raise RestoreError(
            f"the restore of {source} failed: {exc}. The database is as it was"
        ) from exc
    try:
        pending.unlink()
        (folder / PENDING_INFO).unlink(missing_ok=True)
    except OSError as exc:
        raise RestoreError(
            f"restored {source}, but {pending} could not be removed ({exc.strerror or exc}): "
            "remove it, or it is restored again at the next start"
        ) from exc
    kept = f"; the replaced database is in {replaced.name}" if replaced else ""
    logger.info(f"Restored the database from {source} (revision {checked.revision}){kept}")


def _sidecar(db_path: Path, suffix: str) -> Path:
    return db_path.with_name(db_path.name + suffix)


def _replace_database(staged: Path, db_path: Path) -> None:
    """Put a copy of `staged` in place of the database in one rename (see the module)."""
    copy = _sidecar(db_path, ".restoring")
    try:
        shutil.copyfile(staged, copy)
        if db_path.exists():
            shutil.copymode(db_path, copy)
        _sync_file(copy)
        _settle(db_path)
        for suffix in _SIDECARS:
            _sidecar(db_path, suffix).unlink(missing_ok=True)
        os.replace(copy, db_path)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    _sync_folder(db_path.parent)


def _settle(db_path: Path) -> None:
    """Fold the database's write-ahead log into its file, so that the file holds all of it
    and its side files nothing; an error when another process has it open.

    An exclusive lock is taken first: in WAL mode (the app's) every open connection of
    another process holds the file, idle or not, so that lock fails at once (no wait).
    """
    if not db_path.exists():
        return
    connection = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        connection.execute("PRAGMA locking_mode = EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a hot journal
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorname not in ("SQLITE_BUSY", "SQLITE_LOCKED"):
            raise
        raise sqlite3.OperationalError(
            f"{db_path} is in use by another process (is another Trailarr running?)"
        ) from exc
    finally:
        connection.close()


def _sync_file(path: Path) -> None:
    with path.open("rb+") as file:
        os.fsync(file.fileno())


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (where the system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
