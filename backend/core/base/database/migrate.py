"""Database migrations at start-up: back up, upgrade to head, restore on failure.

SQLite: a copy with the online backup API first, put back when the upgrade fails.
PostgreSQL: `pg_dump` first when it is on PATH (otherwise the log says that the operator's
own backups are relied upon); a failed upgrade rolls back by itself, DDL included, since
every pending revision runs in one transaction.

A database already at head (every start but the first after an update) is recognised
without Alembic: the head is read from the `revision`/`down_revision` lines of the scripts
in `versions/` and compared with the `alembic_version` row (`head_without_alembic`).
Importing any part of Alembic loads its autogenerate machinery (a second or more on a small
machine); it is imported only when something is pending or the quick reading is not
conclusive.
"""

from __future__ import annotations

import ast
import filecmp
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, make_url

from app_logger import ModuleLogger
from config import get_settings
from config.settings import url_without_password
from core.base.utils.process import ProcessTimeoutError, run_process

if TYPE_CHECKING:
    from alembic.config import Config

logger = ModuleLogger("Migrations")

REPO_ROOT = Path(__file__).resolve().parents[4]
BACKEND_DIR = REPO_ROOT / "backend"
SCRIPT_LOCATION = BACKEND_DIR / "alembic"
BACKUPS_KEPT = 10
# For tests and operators: run the migrations of another script folder (a copy of
# backend/alembic with extra revisions, for instance) instead of the bundled one.
SCRIPT_LOCATION_ENV = "TRAILARR_ALEMBIC_SCRIPT_LOCATION"


class MigrationError(RuntimeError):
    """The database cannot be brought to the code's schema; the message says why."""


def script_location() -> Path:
    """The migration scripts' folder: the bundled one, or SCRIPT_LOCATION_ENV's."""
    return Path(os.environ.get(SCRIPT_LOCATION_ENV) or SCRIPT_LOCATION)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for the app's migrations, independent of the working directory."""
    from alembic.config import Config

    ini = REPO_ROOT / "alembic.ini"
    config = Config(str(ini)) if ini.exists() else Config()
    config.set_main_option("script_location", str(script_location()))
    config.attributes["configure_logger"] = False
    if url is not None:
        config.attributes["url"] = url
    return config


def resolve_url(config: Config) -> str:
    """The URL given to this config, else sqlalchemy.url, else the app's database."""
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return str(url) if url else get_settings().db_url


def migration_engine(url: str) -> Engine:
    """An engine for migrations only: its own connections, foreign keys off.

    It leaves the journal mode alone: switching a file to WAL rewrites its header, and a
    failed upgrade must leave the file exactly as it was.
    """
    from core.base.database.engine import create_db_engine

    return create_db_engine(url, foreign_keys=False, pooled=False, wal=False)


def check_foreign_keys(connection: Connection) -> None:
    """Raise when any row breaks a foreign key (SQLite only)."""
    if connection.dialect.name != "sqlite":
        return
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        sample = ", ".join(f"{r[0]} row {r[1]} -> {r[2]}" for r in rows[:5])
        raise MigrationError(
            f"foreign key check failed after migration: {len(rows)} rows ({sample})"
        )


@dataclass(frozen=True)
class RevisionState:
    current: str | None
    head: str
    known: bool

    @property
    def pending(self) -> bool:
        return self.current != self.head


def revision_state(url: str) -> RevisionState:
    """Where the database stands against the code's migrations (Alembic's reading)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    assert head is not None
    engine = migration_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    known = current is None
    if current is not None:
        try:
            known = script.get_revision(current) is not None
        except Exception:
            known = False
    return RevisionState(current=current, head=head, known=known)


_ASSIGNMENT = re.compile(
    r"^(?P<name>revision|down_revision)\s*(?::[^=\n]*)?=\s*(?P<value>[^#\n]+)", re.MULTILINE
)


def head_without_alembic(location: Path | None = None) -> str | None:
    """The head revision of the scripts in `location`/versions, read from their top-level
    `revision = ...` and `down_revision = ...` lines, without importing Alembic or running
    the scripts; None when that reading is not conclusive (a script that does not state both
    as plain literals, no script, several heads): then ask Alembic (`revision_state`).
    """
    versions = (location or script_location()) / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        scripts = [p for p in versions.glob("*.py") if p.name != "__init__.py"]
        for path in scripts:
            found: dict[str, object] = {}
            for match in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8")):
                found.setdefault(match["name"], ast.literal_eval(match["value"].strip()))
            revision, down = found.get("revision"), found.get("down_revision", ...)
            if not isinstance(revision, str) or down is ...:
                return None
            downs = down if isinstance(down, tuple | list) else (down,)
            if not all(d is None or isinstance(d, str) for d in downs):
                return None
            revisions.add(revision)
            parents.update(d for d in downs if isinstance(d, str))
    except (OSError, ValueError, SyntaxError):
        return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def database_revision(url: str) -> str | None:
    """The database's `alembic_version` row (None: no table, no row). Raises when there are
    several rows (branches) or when the database cannot be read."""
    engine = migration_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    finally:
        engine.dispose()
    if len(rows) > 1:
        raise MigrationError("the database has several alembic_version rows")
    return str(rows[0][0]) if rows else None


def _at_head_quickly(url: str) -> RevisionState | None:
    """The state when the database is at the scripts' head, learnt without Alembic; None
    when it is not, or when that cannot be told this way."""
    head = head_without_alembic()
    if head is None:
        return None
    try:
        current = database_revision(url)
    except Exception:  # unreadable, or unusual: Alembic's reading says what is wrong
        return None
    return RevisionState(current=current, head=head, known=True) if current == head else None


def backup_sqlite(db_path: Path, backups_dir: Path, label: str) -> Path:
    """Copy the database with SQLite's online backup API (which backups are kept is
    `core.backup.files`' rule: `_prune_backups`)."""
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir / f"trailarr-{stamp}-{label}.db"
    source = sqlite3.connect(db_path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


PG_DUMP_TIMEOUT = 3600.0


def dump_postgresql(url: str, backups_dir: Path, label: str) -> Path | None:
    """A `pg_dump` of the database (custom format, for pg_restore) before a migration; None
    when pg_dump is not on PATH. The password goes to pg_dump in its environment, never on
    its command line. Raises MigrationError when the dump fails: no upgrade without it."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        logger.warning(
            "pg_dump is not on PATH: no backup is taken before this migration; your own "
            "PostgreSQL backups are relied upon"
        )
        return None
    parts = make_url(url)
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir / f"trailarr-{stamp}-{label}.pgdump"
    args = [pg_dump, "--format=custom", f"--file={target}", "--no-password"]
    if parts.host:
        args.append(f"--host={parts.host}")
    if parts.port:
        args.append(f"--port={parts.port}")
    if parts.username:
        args.append(f"--username={parts.username}")
    args.append(f"--dbname={parts.database}")
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    try:
        result = run_process(args, timeout=PG_DUMP_TIMEOUT, env=env)
    except (OSError, ProcessTimeoutError) as exc:
        target.unlink(missing_ok=True)
        raise MigrationError(f"the backup with pg_dump failed: {exc}") from exc
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise MigrationError(
            f"the backup with pg_dump failed: {result.stderr.strip()} (pg_dump must be of the "
            "server's major version or newer; to go on with your own backups instead, take "
            f"{pg_dump} off PATH)"
        )
    return target


def _prune_backups(backups_dir: Path) -> None:
    """The backups past what is kept removed, by the rule of System > Backup
    (`core.backup.files`): the newest BACKUPS_KEPT taken before a migration, and the
    user's kept count of scheduled and manual ones, which a migration does not touch."""
    from core.backup.files import prune  # it reads this module's BACKUPS_KEPT

    prune(backups_dir)


def restore_sqlite(backup: Path, db_path: Path) -> None:
    """Put the backup's content back into the database file."""
    source = sqlite3.connect(backup)
    try:
        dest = sqlite3.connect(db_path)
        try:
            source.backup(dest)
            dest.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dest.close()
    finally:
        source.close()


def upgrade_database(url: str | None = None) -> RevisionState:
    """Bring the database to head, backing it up first when it has data.

    Raises MigrationError, with the database as it was, when the database cannot be read,
    when it was written by a newer version of Trailarr or when a migration fails.
    """
    settings = get_settings()
    url = url or settings.db_url
    quick = _at_head_quickly(url)
    if quick is not None:
        logger.info(f"Database is up to date at revision {quick.head}")
        return quick
    try:
        state = revision_state(url)
    except Exception as exc:
        shown = url_without_password(url)
        raise MigrationError(f"cannot read the database revision of {shown}: {exc}") from exc
    if not state.known:
        raise MigrationError(
            f"the database is at revision {state.current}, which this version of Trailarr "
            "does not know (written by a newer version?); upgrade Trailarr or restore a backup "
            f"from {settings.backups_dir}"
        )
    if not state.pending:
        logger.info(f"Database is up to date at revision {state.head}")
        return state
    db_path = _sqlite_file(url)
    backup: Path | None = None
    if db_path is not None and db_path.exists() and state.current is not None:
        backup = backup_sqlite(db_path, settings.backups_dir, state.current)
        logger.info(f"Backed up the database to {backup}")
        _prune_backups(settings.backups_dir)
    elif url.startswith("postgresql") and state.current is not None:
        dumped = dump_postgresql(url, settings.backups_dir, state.current)
        if dumped is not None:
            logger.info(f"Backed up the database with pg_dump to {dumped}")
            _prune_backups(settings.backups_dir)
    logger.info(f"Upgrading the database from {state.current or 'empty'} to {state.head}")
    from alembic import command

    with _pristine_copy(db_path if backup is not None else None) as pristine:
        try:
            command.upgrade(alembic_config(url), "head")
        except Exception as exc:
            if backup is not None and db_path is not None:
                _put_back(db_path, pristine, backup)
            raise MigrationError(f"database migration failed: {exc}") from exc
    return revision_state(url)


@contextmanager
def _pristine_copy(db_path: Path | None) -> Iterator[Path | None]:
    """A byte-for-byte copy of the database file, while nothing has it open; removed after.

    None when there is no file, or when a write-ahead log beside it holds part of the data.
    """
    if db_path is None or not db_path.exists() or _sidecar(db_path, "-wal").exists():
        yield None
        return
    copy = _sidecar(db_path, ".pre-upgrade")
    shutil.copyfile(db_path, copy)
    try:
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def _put_back(db_path: Path, pristine: Path | None, backup: Path) -> None:
    """After a failed upgrade: make sure the database file is exactly as it was."""
    # The upgrade runs in one transaction, so a failure normally leaves the file as it was.
    if pristine is not None and filecmp.cmp(pristine, db_path, shallow=False):
        logger.error(f"Migration failed and was rolled back; a backup is at {backup}")
        return
    if pristine is not None:
        for suffix in ("-wal", "-shm", "-journal"):
            _sidecar(db_path, suffix).unlink(missing_ok=True)
        shutil.copyfile(pristine, db_path)
    else:
        restore_sqlite(backup, db_path)
    logger.error(f"Migration failed; restored the database as it was from {backup}")


def _sidecar(db_path: Path, suffix: str) -> Path:
    return db_path.with_name(db_path.name + suffix)


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return None
    return Path(url.removeprefix("sqlite:///"))
