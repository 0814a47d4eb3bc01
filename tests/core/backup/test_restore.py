"""Restores: the checks that refuse a file, staging, and applying at start-up (in process;
the real start is in test_restore_start.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from config import get_settings
from core.backup import restore
from core.backup.errors import BackupError, RestoreError, RestoreRefusedError
from core.backup.files import BackupKind, list_backups
from core.backup.restore import (
    apply_staged_restore,
    ensure_supported,
    new_upload,
    restore_state,
    stage_backup,
    stage_upload,
    unstage,
)
from core.backup.take import take_backup
from tests.conftest import reset_app_state
from tests.utils.backups import BACKUP_NAME
from tests.utils.db import connect, insert_media, set_journal_mode
from tests.utils.migrations import HOST_REVISION, current_revision, head

sqlite_only = pytest.mark.sqlite_only(reason="restores replace the SQLite database file")


def titles(db: Path) -> list[str]:
    with connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT title FROM media ORDER BY title")]


def upload(content: bytes | Path) -> Path:
    """A received upload, as the API leaves it for `stage_upload`."""
    path = new_upload()
    if isinstance(content, Path):
        shutil.copyfile(content, path)
    else:
        path.write_bytes(content)
    return path


def pending() -> Path:
    return restore.restore_folder() / restore.PENDING


def restore_leftovers() -> list[str]:
    folder = restore.restore_folder()
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(restore.UPLOAD_PREFIX))


@sqlite_only
def test_a_listed_backup_is_checked_then_staged(listed: str, backup_file: Path) -> None:
    state = stage_backup(listed)

    assert state.staged and state.supported
    assert state.source == listed
    assert state.revision == head()
    assert state.size == backup_file.stat().st_size
    assert state.message == "Restart Trailarr to apply the restore"
    assert pending().read_bytes() == backup_file.read_bytes()
    assert restore_state() == state
    assert restore_leftovers() == []


@sqlite_only
def test_a_backup_of_the_live_database_in_wal_mode_can_be_staged(db_file: Path) -> None:
    set_journal_mode(db_file, "wal")  # as the app runs it: the copy's header says WAL too
    insert_media(db_file, "Live")
    backup = take_backup(BackupKind.MANUAL)

    state = stage_backup(backup.name)

    assert state.staged and state.revision == head()
    assert titles(pending()) == ["Live"]


@sqlite_only
def test_an_uploaded_database_or_a_zip_holding_one_is_staged(
    backup_file: Path, tmp_path: Path
) -> None:
    received = upload(backup_file)
    state = stage_upload(received, "mine.db")
    assert state.source == "upload: mine.db"
    assert not received.exists()
    assert pending().read_bytes() == backup_file.read_bytes()

    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(backup_file, "Backups/manual/trailarr.db")
        zipped.writestr("readme.txt", "not the database")
    state = stage_upload(upload(archive), "backup.zip")

    assert state.source == "upload: backup.zip" and state.revision == head()
    assert pending().read_bytes() == backup_file.read_bytes()
    assert restore_leftovers() == []


def flip_page_of_media(path: Path) -> None:
    """Overwrite the header of the media table's first page with bytes no page has."""
    with connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'media'").fetchone()[0]
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * 12)


def not_trailarr(path: Path) -> None:
    path.unlink()
    with connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('a SQLite file of another app')")
        conn.commit()


def sql(statement: str) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        with connect(path) as conn:
            conn.execute(statement)
            conn.commit()

    return change


REFUSALS: dict[str, tuple[Callable[[Path], None], str]] = {
    "text": (lambda p: p.write_bytes(b"not a database\n" * 100), "not a SQLite database"),
    "damaged": (flip_page_of_media, "damaged"),
    "truncated": (lambda p: os.truncate(p, 4096 + 100), "damaged"),
    "another app's": (not_trailarr, "not Trailarr's: it has no alembic_version table"),
    "two revisions": (sql("INSERT INTO alembic_version VALUES ('a')"), "has 2 rows, not one"),
    "a newer version's": (
        sql("UPDATE alembic_version SET version_num = 'feedfacecafe'"),
        "revision feedfacecafe, which this version of Trailarr does not know",
    ),
}


@sqlite_only
@pytest.mark.parametrize("kind", REFUSALS)
def test_a_file_that_is_not_a_sound_trailarr_database_is_refused(
    kind: str, backup_file: Path
) -> None:
    spoil, message = REFUSALS[kind]
    spoil(backup_file)

    with pytest.raises(RestoreRefusedError) as refused:
        stage_upload(upload(backup_file), "bad.db")

    assert refused.value.status_code == 422
    assert message in refused.value.detail
    assert not restore_state().staged
    assert restore_leftovers() == []


@sqlite_only
@pytest.mark.parametrize("members", [[], ["a.db", "b.db"]])
def test_a_zip_must_hold_exactly_one_database(
    members: list[str], backup_file: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("readme.txt", "hello")
        for name in members:
            zipped.write(backup_file, name)

    with pytest.raises(RestoreRefusedError, match=f"holds {len(members)} .db files"):
        stage_upload(upload(archive), "backup.zip")
    assert not restore_state().staged


@sqlite_only
def test_a_new_staging_replaces_the_staged_one_and_unstage_drops_it(
    listed: str, backup_file: Path
) -> None:
    stage_backup(listed)
    insert_media(backup_file, "Second Upload")
    stage_upload(upload(backup_file), "second.db")
    assert titles(pending()) == ["From The Backup", "Second Upload"]

    state = unstage()

    assert not state.staged and state.message == "No restore is staged"
    assert not pending().exists()
    assert not (restore.restore_folder() / restore.PENDING_INFO).exists()


def crash_with_rows_in_the_wal(db: Path, title: str) -> None:
    """Leave `db` as an app killed mid-run would: `title`'s row is only in the -wal file."""
    image = db.with_name("crash-image")
    image.mkdir()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode = wal").fetchone()[0] == "wal"
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.commit()
        insert = (
            "INSERT INTO media (title, year, is_movie, folder_path, monitor, status, added_at,"
            " updated_at) VALUES (?, 2020, 1, '/m', 0, 'missing', '2026-01-01', '2026-01-01')"
        )
        conn.execute(insert, (title,))
        conn.commit()
        shutil.copyfile(db, image / "db")
        shutil.copyfile(db.with_name(db.name + "-wal"), image / "wal")
    finally:
        conn.close()  # checkpoints, and removes the -wal file
    shutil.copyfile(image / "db", db)
    shutil.copyfile(image / "wal", db.with_name(db.name + "-wal"))
    shutil.rmtree(image)


@sqlite_only
def test_the_staged_restore_replaces_the_database_at_start(
    listed: str, db_file: Path, backup_file: Path
) -> None:
    insert_media(db_file, "In The Current Database")
    crash_with_rows_in_the_wal(db_file, "Only In Its WAL")
    stage_backup(listed)

    apply_staged_restore()

    assert titles(db_file) == ["From The Backup"]
    with connect(db_file) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert not pending().exists() and not restore_state().staged
    assert not db_file.with_name("trailarr.db.restoring").exists()
    [before] = [b for b in list_backups() if b.type == BackupKind.BEFORE_RESTORE]
    assert before.name.endswith("-before-restore.db")
    replaced = get_settings().backups_dir / before.name
    assert titles(replaced) == ["In The Current Database", "Only In Its WAL"]
    assert current_revision(db_file) == head()


@sqlite_only
def test_an_older_backup_is_restored_as_it_is_for_the_migrations_to_upgrade(
    backup_file: Path, db_file: Path
) -> None:
    from alembic import command

    from core.base.database.migrate import alembic_config

    command.downgrade(alembic_config(f"sqlite:///{backup_file}"), HOST_REVISION)
    assert stage_upload(upload(backup_file), "old.db").revision == HOST_REVISION

    apply_staged_restore()

    assert current_revision(db_file) == HOST_REVISION
    assert titles(db_file) == ["From The Backup"]


def test_without_a_staged_restore_start_changes_nothing(db_file: Path) -> None:
    before = db_file.read_bytes()

    apply_staged_restore()

    assert db_file.read_bytes() == before
    assert not get_settings().backups_dir.exists()


@pytest.fixture
def staged(listed: str, db_file: Path) -> Iterator[bytes]:
    """A restore staged over a database with a row of its own; that database's bytes."""
    insert_media(db_file, "In The Current Database")
    stage_backup(listed)
    yield db_file.read_bytes()


@sqlite_only
def test_a_failure_while_replacing_leaves_the_database_as_it_was(
    staged: bytes, db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        if Path(target) == db_file:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(restore.os, "replace", replace)

    with pytest.raises(RestoreError, match=r"No space left on device\. The database is as it was"):
        apply_staged_restore()

    assert titles(db_file) == ["In The Current Database"]
    assert restore_state().staged  # applied at the next start, once there is room
    assert not db_file.with_name("trailarr.db.restoring").exists()


@sqlite_only
def test_a_staged_file_damaged_since_stops_the_start_and_changes_nothing(
    staged: bytes, db_file: Path
) -> None:
    flip_page_of_media(pending())

    with pytest.raises(RestoreError) as stopped:
        apply_staged_restore()

    assert "cannot be applied: The database is damaged" in str(stopped.value)
    assert f"delete {pending()} to start with it" in str(stopped.value)
    assert db_file.read_bytes() == staged
    assert [b.name for b in list_backups()] == [BACKUP_NAME]  # no backup before it


@sqlite_only
def test_a_database_another_process_has_open_is_not_replaced(staged: bytes, db_file: Path) -> None:
    writer = sqlite3.connect(db_file)
    reader = sqlite3.connect(db_file)
    try:
        writer.execute("PRAGMA journal_mode = wal")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        insert_media(db_file, "Written Meanwhile")
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM media").fetchone()  # holds its snapshot

        with pytest.raises(RestoreError, match="in use by another process"):
            apply_staged_restore()
    finally:
        reader.close()
        writer.close()

    assert titles(db_file) == ["In The Current Database", "Written Meanwhile"]
    assert restore_state().staged


@pytest.fixture
def on_postgresql_here(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_app_state()
    yield postgres_url
    reset_app_state()


def test_on_postgresql_a_restore_is_refused_with_the_pg_restore_command(
    on_postgresql_here: str, backup_file: Path
) -> None:
    url = make_url(on_postgresql_here)

    with pytest.raises(BackupError) as refused:
        ensure_supported()

    assert refused.value.status_code == 409
    assert "pg_restore --clean --if-exists --no-owner" in refused.value.detail
    assert f"--dbname={url.database}" in refused.value.detail
    assert f"--username={url.username}" in refused.value.detail
    assert url.password and url.password not in refused.value.detail
    state = restore_state()
    assert not state.supported and not state.staged and "pg_restore" in state.message
    with pytest.raises(BackupError):
        stage_upload(upload(backup_file), "mine.db")


def test_on_postgresql_a_staged_sqlite_restore_stops_the_start(on_postgresql_here: str) -> None:
    folder = restore.restore_folder()
    folder.mkdir()
    (folder / restore.PENDING).write_bytes(b"left from SQLite days")

    with pytest.raises(RestoreError, match="the database is PostgreSQL"):
        apply_staged_restore()
