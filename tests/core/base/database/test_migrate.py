"""The upgrade at start-up: a backup first, failed upgrades put back, unreadable files refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from core.backup.files import BackupSettingsUpdate, update_settings
from core.base.database.engine import reset_engine
from core.base.database.migrate import (
    BACKUPS_KEPT,
    SCRIPT_LOCATION_ENV,
    MigrationError,
    alembic_config,
    backup_sqlite,
    restore_sqlite,
    upgrade_database,
)
from tests.utils.db import connect, insert_media, set_journal_mode
from tests.utils.migrations import (
    FAILING_BODY,
    HOST_REVISION,
    current_revision,
    head,
    script_copy_with_revision,
    snapshot,
)

pytestmark = pytest.mark.sqlite_only(
    reason="start-up's copy of the SQLite file and its byte-identical restore; on PostgreSQL"
    " start-up's pg_dump and the rollback of a failed migration are in test_postgresql.py"
)


@pytest.fixture
def host_revision_db(db_file: Path) -> Iterator[Path]:
    """The test's database taken back to the host schema, with one media row."""
    command.downgrade(alembic_config(f"sqlite:///{db_file}"), HOST_REVISION)
    insert_media(db_file, "Kept Across Upgrade")
    yield db_file
    reset_engine()


def test_backup_is_made_before_a_pending_upgrade(host_revision_db: Path, data_dir: Path) -> None:
    state = upgrade_database()

    assert state.current == head()
    assert current_revision(host_revision_db) == head()
    backups = list((data_dir / "backups").glob("trailarr-*.db"))
    assert len(backups) == 1
    assert HOST_REVISION in backups[0].name
    assert current_revision(backups[0]) == HOST_REVISION
    assert [m["title"] for m in snapshot(backups[0])["media"]] == ["Kept Across Upgrade"]
    assert [m["title"] for m in snapshot(host_revision_db)["media"]] == ["Kept Across Upgrade"]


def test_no_backup_for_a_new_database_or_one_already_at_head(
    tmp_path: Path, db_file: Path, data_dir: Path
) -> None:
    upgrade_database()  # already at head
    new_db = tmp_path / "new" / "trailarr.db"
    new_db.parent.mkdir()
    state = upgrade_database(f"sqlite:///{new_db}")

    assert state.current == head()
    assert current_revision(new_db) == head()
    assert not (data_dir / "backups").exists()


def test_backups_keep_the_newest_ten(host_revision_db: Path, data_dir: Path) -> None:
    backups_dir = data_dir / "backups"
    backups_dir.mkdir()
    old = [backups_dir / f"trailarr-202001{n:02d}T000000000000Z-old.db" for n in range(1, 11)]
    assert len(old) == BACKUPS_KEPT
    for path in old:
        path.write_bytes(b"")

    upgrade_database()

    kept = sorted(p.name for p in backups_dir.iterdir())
    assert len(kept) == BACKUPS_KEPT
    assert old[0].name not in kept
    assert old[-1].name in kept
    assert kept[-1].endswith(f"-{HOST_REVISION}.db")


def test_a_migration_keeps_the_users_count_of_scheduled_backups(
    host_revision_db: Path, data_dir: Path
) -> None:
    backups_dir = data_dir / "backups"
    backups_dir.mkdir()
    update_settings(BackupSettingsUpdate(keep=20))
    scheduled = [
        backups_dir / f"trailarr-202001{n:02d}T000000000000Z-scheduled.db" for n in range(1, 16)
    ]
    for path in scheduled:
        path.write_bytes(b"")

    upgrade_database()

    names = sorted(p.name for p in backups_dir.iterdir())
    assert names[:-1] == [p.name for p in scheduled]  # 15 of at most 20: all kept
    assert names[-1].endswith(f"-{HOST_REVISION}.db")


def test_restore_puts_back_the_backup_content(db_file: Path, tmp_path: Path) -> None:
    insert_media(db_file, "Before")
    backup = backup_sqlite(db_file, tmp_path / "backups", "label")
    insert_media(db_file, "After")
    restore_sqlite(backup, db_file)
    assert [m["title"] for m in snapshot(db_file)["media"]] == ["Before"]


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_failed_upgrade_leaves_the_file_byte_identical(
    tmp_path: Path,
    db_file: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    journal_mode: str,
) -> None:
    insert_media(db_file, "Untouched")
    set_journal_mode(db_file, journal_mode)
    original = db_file.read_bytes()
    monkeypatch.setenv(SCRIPT_LOCATION_ENV, str(script_copy_with_revision(tmp_path, FAILING_BODY)))

    with pytest.raises(MigrationError, match="boom from the test migration"):
        upgrade_database()

    assert db_file.read_bytes() == original
    assert len(list((data_dir / "backups").glob("*.db"))) == 1


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_failed_upgrade_that_changed_the_file_is_put_back_byte_identical(
    host_revision_db: Path, monkeypatch: pytest.MonkeyPatch, journal_mode: str
) -> None:
    set_journal_mode(host_revision_db, journal_mode)
    original = host_revision_db.read_bytes()

    def half_done(config: object, revision: str) -> None:
        with connect(host_revision_db) as conn:
            conn.execute("UPDATE media SET title = 'half-way'")
            conn.execute("DROP TABLE connection")
            conn.commit()
        raise RuntimeError("crashed half-way")

    monkeypatch.setattr(command, "upgrade", half_done)
    with pytest.raises(MigrationError, match="crashed half-way"):
        upgrade_database()

    assert host_revision_db.read_bytes() == original
    assert not list(host_revision_db.parent.glob("*.pre-upgrade"))


def test_a_file_that_is_not_a_database_is_refused_clearly(data_dir: Path, db_file: Path) -> None:
    db_file.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(MigrationError, match="cannot read the database revision"):
        upgrade_database()
