"""Whether a file may replace the database: a sound SQLite file holding a Trailarr database
of a revision this code knows (the same as its head, or older: the migrations at start-up
bring it up to date).

The checks, in order, each refusing with its own message (RestoreRefusedError, 422): the
SQLite header; `PRAGMA integrity_check` answering `ok`; an `alembic_version` table with one
row; a revision among this code's migrations (a newer Trailarr's is refused: this code
cannot undo what it does not know).

A zip (Radarr's backups are zips) may hold the database: its one `.db` member is taken out
first (`extract_database`).
"""

from __future__ import annotations

import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path

from core.backup.errors import RestoreRefusedError
from core.base.database.migrate import alembic_config

SQLITE_HEADER = b"SQLite format 3\x00"
ZIP_HEADER = b"PK\x03\x04"
EXTRACT_MAX_BYTES = 16 * 1024**3
"""The largest database taken out of a zip (a zip bomb stops there)."""
SHOWN_PROBLEMS = 3


@dataclass(frozen=True)
class CheckedDatabase:
    revision: str
    size: int


def _header(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(len(SQLITE_HEADER))


def known_revisions() -> set[str]:
    """Every revision of this code's migrations."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def check_database(path: Path) -> CheckedDatabase:
    """The revision of the Trailarr database in `path`, a file nothing else has open (it
    is opened read-only, as immutable). RestoreRefusedError saying what is wrong with it."""
    if _header(path) != SQLITE_HEADER:
        raise RestoreRefusedError(
            "The file is not a SQLite database (a Trailarr backup is a .db file that starts "
            "with 'SQLite format 3')"
        )
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise RestoreRefusedError(f"The file cannot be opened as a SQLite database: {exc}") from exc
    try:
        problems = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            shown = "; ".join(problems[:SHOWN_PROBLEMS])
            raise RestoreRefusedError(
                f"The database is damaged: SQLite's integrity check found {len(problems)} "
                f"problem(s) ({shown}). Restore another backup"
            )
        has_version = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if has_version is None:
            raise RestoreRefusedError(
                "The file is a SQLite database, but not Trailarr's: it has no alembic_version table"
            )
        versions = [str(row[0]) for row in connection.execute("SELECT * FROM alembic_version")]
    except sqlite3.DatabaseError as exc:
        raise RestoreRefusedError(
            f"The database is damaged or unreadable: {exc}. Restore another backup"
        ) from exc
    finally:
        connection.close()
    if len(versions) != 1:
        raise RestoreRefusedError(
            f"The file is not a Trailarr database: its alembic_version table has "
            f"{len(versions)} rows, not one"
        )
    revision = versions[0]
    if revision not in known_revisions():
        raise RestoreRefusedError(
            f"The backup is at database revision {revision}, which this version of Trailarr "
            "does not know: it was made by a newer version. Update Trailarr, then restore it"
        )
    return CheckedDatabase(revision=revision, size=path.stat().st_size)


def is_zip(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(ZIP_HEADER)) == ZIP_HEADER


def extract_database(archive: Path, target: Path) -> None:
    """Write the zip's one `.db` member to `target`. RestoreRefusedError when the zip is
    unreadable, holds no `.db` file or several, or more than EXTRACT_MAX_BYTES."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [
                info
                for info in zipped.infolist()
                if not info.is_dir() and info.filename.lower().endswith(".db")
            ]
            if len(members) != 1:
                raise RestoreRefusedError(
                    f"The zip holds {len(members)} .db files: it must hold exactly one, the "
                    "database to restore"
                )
            with zipped.open(members[0]) as source, target.open("wb") as out:
                copied = 0
                while chunk := source.read(1024 * 1024):
                    copied += len(chunk)
                    if copied > EXTRACT_MAX_BYTES:
                        raise RestoreRefusedError(
                            f"The database in the zip is larger than {EXTRACT_MAX_BYTES} bytes"
                        )
                    out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise RestoreRefusedError(f"The zip cannot be read: {exc}") from exc
