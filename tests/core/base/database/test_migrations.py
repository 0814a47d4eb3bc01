"""The migrations: one head, up and down through every revision, no drift, data kept."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from core.base.database.engine import create_db_engine
from core.base.database.manager.history_search import is_search_table
from core.base.database.migrate import (
    SCRIPT_LOCATION_ENV,
    MigrationError,
    alembic_config,
    migration_engine,
)
from tests.utils.db import connect
from tests.utils.migrations import (
    HOST_REVISION,
    TEST_REVISION,
    current_revision,
    head,
    script,
    script_copy_with_revision,
    snapshot,
    tables,
)

DOWNLOAD_REVISION = "4c7e2a9d1f36"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def search_tables(path: Path) -> set[str]:
    with connect(path) as db:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows if is_search_table(name)}


def fill_value(column: sa.Column[Any], row: int) -> Any:
    if column.foreign_keys or column.primary_key:
        return row
    if isinstance(column.type, sa.Boolean):
        return row % 2
    if isinstance(column.type, sa.Integer):
        return 100 + row
    if isinstance(column.type, sa.Float):
        return row + 0.5
    if isinstance(column.type, sa.JSON):
        return {"row": row}
    if isinstance(column.type, sa.DateTime):
        return datetime(2026, row, 1, 12, 0)
    return f"{column.name}-{row}"


def fill_missing_tables(path: Path) -> None:
    """Put two rows in every table that is empty, whatever the schema at this revision."""
    engine = sa.create_engine(sqlite_url(path))
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine, only=tables(path) | {"alembic_version"})
        with engine.begin() as conn:
            for table in metadata.sorted_tables:
                if table.name == "alembic_version":
                    continue
                if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                    continue
                for row in (1, 2):
                    conn.execute(
                        table.insert().values({c.name: fill_value(c, row) for c in table.columns})
                    )
    finally:
        engine.dispose()


def assert_rows_kept(
    before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]
) -> None:
    """Tables present on both sides hold the same rows (compared on their common columns)."""
    for table in before.keys() & after.keys():
        assert len(after[table]) == len(before[table]), table
        for old, new in zip(before[table], after[table], strict=True):
            common = old.keys() & new.keys()
            assert {k: old[k] for k in common} == {k: new[k] for k in common}, table


def foreign_key_violations(path: Path) -> list[Any]:
    with connect(path) as db:
        return db.execute("PRAGMA foreign_key_check").fetchall()


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    return tmp_path / "migrations.db"


@pytest.fixture
def head_db_with_downloads(tmp_path: Path, migrated_db_template: Path) -> Iterator[Path]:
    """A database at head with two media, each with two download rows."""
    path = tmp_path / "rows.db"
    shutil.copyfile(migrated_db_template, path)
    with connect(path) as db:
        for media_id in (1, 2):
            db.execute(
                "INSERT INTO media (id, title, year, is_movie, folder_path, monitor, status,"
                " added_at, updated_at) VALUES (?, ?, 2020, 1, '/m', 0, 'downloaded',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                (media_id, f"Movie {media_id}"),
            )
            for n in range(2):
                db.execute(
                    "INSERT INTO download (path, file_name, size, updated_at, resolution,"
                    " video_format, audio_format, audio_channels, file_format, duration,"
                    " subtitles, added_at, profile_id, youtube_id, file_exists, media_id)"
                    " VALUES (?, 't.mkv', 10, '2026-01-01 00:00:00', '1920x1080', 'h264',"
                    " 'aac', '2', 'matroska,webm', 60, 'en', '2026-01-01 00:00:00', 1,"
                    " 'dQw4w9WgXcQ', 1, ?)",
                    (f"/m/{media_id}-{n}.mkv", media_id),
                )
        db.commit()
    yield path


def test_one_head_and_the_download_migration_follows_the_host_schema() -> None:
    directory = script()
    assert len(directory.get_heads()) == 1
    assert directory.get_revision(HOST_REVISION).down_revision is None
    download = directory.get_revision(DOWNLOAD_REVISION)
    assert download.down_revision == HOST_REVISION
    assert Path(download.path).name.endswith(f"-{DOWNLOAD_REVISION}_add_download_model.py")
    chain = [rev.revision for rev in directory.walk_revisions()]
    assert chain[-2:] == [DOWNLOAD_REVISION, HOST_REVISION]


def test_upgrade_and_downgrade_one_step_at_a_time_on_an_empty_database(empty_db: Path) -> None:
    config = alembic_config(sqlite_url(empty_db))
    revisions = [rev.revision for rev in reversed(list(script().walk_revisions()))]
    for revision in revisions:
        command.upgrade(config, revision)
        assert current_revision(empty_db) == revision
        assert foreign_key_violations(empty_db) == []
    assert {"media", "trailerprofile", "connection", "pathmapping", "download"} <= tables(empty_db)
    for expected in [*reversed(revisions[:-1]), None]:
        command.downgrade(config, "-1")
        assert current_revision(empty_db) == expected
    assert tables(empty_db) == set()


def test_rows_survive_every_step_where_their_table_survives(empty_db: Path) -> None:
    config = alembic_config(sqlite_url(empty_db))
    revisions = [rev.revision for rev in reversed(list(script().walk_revisions()))]
    assert revisions[0] == HOST_REVISION

    for revision in revisions:
        command.upgrade(config, revision)
        fill_missing_tables(empty_db)
        before = snapshot(empty_db)
        assert all(before[table] for table in before), "every table got rows"
        if revision != revisions[-1]:
            command.upgrade(config, "+1")
            assert_rows_kept(before, snapshot(empty_db))
            command.downgrade(config, "-1")
            assert_rows_kept(before, snapshot(empty_db))

    at_head = snapshot(empty_db)
    assert "download" in at_head
    assert len(at_head["download"]) == 2
    for _ in revisions[1:]:
        command.downgrade(config, "-1")
        assert_rows_kept(at_head, snapshot(empty_db))
        assert foreign_key_violations(empty_db) == []
    assert current_revision(empty_db) == HOST_REVISION
    assert "download" not in tables(empty_db)
    assert len(snapshot(empty_db)["media"]) == 2

    command.downgrade(config, "base")
    assert tables(empty_db) == set()
    command.upgrade(config, "head")
    assert current_revision(empty_db) == head()


def test_models_and_migrations_do_not_drift(empty_db: Path) -> None:
    config = alembic_config(sqlite_url(empty_db))
    command.upgrade(config, "head")
    command.check(config)  # raises AutogenerateDiffsDetected on any difference


SEARCH_REVISION = "3c8d5f1a9e62"


def search_matches_its_tables(db: sqlite3.Connection) -> None:
    """Both search indexes hold exactly their tables' text, row for row."""
    for search, source, column in (
        ("media_title_search", "media", "title"),
        ("download_file_search", "download", "file_name"),
    ):
        indexed = db.execute(f"SELECT rowid, {column} FROM {search} ORDER BY rowid").fetchall()
        stored = db.execute(f"SELECT id, {column} FROM {source} ORDER BY id").fetchall()
        assert indexed == stored, search
        # The index itself agrees with its stored text (FTS5's own check).
        db.execute(f"INSERT INTO {search} ({search}) VALUES ('integrity-check')")


def test_the_search_migration_indexes_existing_rows_and_goes_back(empty_db: Path) -> None:
    config = alembic_config(sqlite_url(empty_db))
    before = script().get_revision(SEARCH_REVISION).down_revision
    assert isinstance(before, str)
    command.upgrade(config, before)
    fill_missing_tables(empty_db)
    rows = snapshot(empty_db)
    command.upgrade(config, SEARCH_REVISION)
    assert search_tables(empty_db) >= {"media_title_search", "download_file_search"}
    with connect(empty_db) as db:
        search_matches_its_tables(db)
        assert db.execute(
            "SELECT rowid FROM download_file_search WHERE file_name MATCH '\"file_name-2\"'"
        ).fetchall() == [(2,)]
    command.downgrade(config, "-1")
    assert search_tables(empty_db) == set()
    with connect(empty_db) as db:
        triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    assert triggers == []
    assert_rows_kept(rows, snapshot(empty_db))


def test_the_search_indexes_follow_their_tables_at_head(head_db_with_downloads: Path) -> None:
    with connect(head_db_with_downloads) as db:
        db.execute("PRAGMA foreign_keys = ON")
        search_matches_its_tables(db)
        db.execute("UPDATE media SET title = 'Retitled' WHERE id = 1")
        db.execute("UPDATE media SET year = 1990 WHERE id = 2")  # not the title: no change
        db.execute("UPDATE download SET file_name = 'moved.mkv' WHERE id = 2")
        db.execute("DELETE FROM download WHERE id = 1")
        search_matches_its_tables(db)
        db.execute("DELETE FROM media WHERE id = 2")  # its records go by ON DELETE CASCADE
        assert db.execute("SELECT count(*) FROM download").fetchone() == (1,)
        search_matches_its_tables(db)
        db.execute(
            "INSERT INTO media (id, title, year, is_movie, folder_path, monitor, status,"
            " added_at, updated_at) VALUES (7, 'New One', 2020, 1, '/n', 0, 'missing',"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        search_matches_its_tables(db)
        db.commit()
        assert db.execute(
            "SELECT rowid FROM media_title_search WHERE title MATCH '\"etitle\"'"
        ).fetchall() == [(1,)]


def test_migration_engine_has_foreign_keys_off_and_leaves_journal_mode(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    engine = migration_engine(sqlite_url(path))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
    finally:
        engine.dispose()


def test_child_rows_survive_a_migration_that_recreates_their_parent(
    tmp_path: Path, head_db_with_downloads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = head_db_with_downloads
    before = snapshot(path)
    location = script_copy_with_revision(
        tmp_path,
        """
        with op.batch_alter_table("media", recreate="always") as batch_op:
            batch_op.add_column(sa.Column("note", sa.String(), nullable=True))
        """,
    )
    monkeypatch.setenv(SCRIPT_LOCATION_ENV, str(location))
    command.upgrade(alembic_config(sqlite_url(path)), "head")

    after = snapshot(path)
    assert current_revision(path) == TEST_REVISION
    assert "note" in after["media"][0]
    assert len(after["download"]) == 4
    assert_rows_kept(before, after)
    assert foreign_key_violations(path) == []
    # The foreign key still points at the new `media` table: deleting a media cascades.
    with connect(path) as db:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("DELETE FROM media WHERE id = 1")
        db.commit()
        remaining = db.execute("SELECT DISTINCT media_id FROM download").fetchall()
    assert remaining == [(2,)]


def test_recreating_a_parent_with_foreign_keys_on_would_lose_child_rows(
    head_db_with_downloads: Path,
) -> None:
    """The control for the test above: why migrations need their own FK-off engine."""
    engine = create_db_engine(sqlite_url(head_db_with_downloads), pooled=False)
    try:
        with engine.begin() as conn:
            ops = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
            with ops.batch_alter_table("media", recreate="always") as batch_op:
                batch_op.add_column(sa.Column("note", sa.String(), nullable=True))
    finally:
        engine.dispose()
    assert snapshot(head_db_with_downloads)["download"] == []


def test_a_migration_that_breaks_a_foreign_key_fails_and_commits_nothing(
    tmp_path: Path, head_db_with_downloads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = head_db_with_downloads
    before = snapshot(path)
    location = script_copy_with_revision(
        tmp_path,
        """
        op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True))
        op.execute("UPDATE media SET title = 'changed'")
        op.execute("UPDATE download SET media_id = 999 WHERE id = 1")
        """,
    )
    monkeypatch.setenv(SCRIPT_LOCATION_ENV, str(location))
    with pytest.raises(MigrationError, match="foreign key check failed"):
        command.upgrade(alembic_config(sqlite_url(path)), "head")

    assert current_revision(path) == head()
    assert "scratch" not in tables(path)
    assert snapshot(path) == before


def test_a_migration_that_raises_half_way_commits_nothing(
    tmp_path: Path, head_db_with_downloads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = head_db_with_downloads
    before = snapshot(path)
    location = script_copy_with_revision(
        tmp_path,
        """
        with op.batch_alter_table("media", recreate="always") as batch_op:
            batch_op.add_column(sa.Column("note", sa.String(), nullable=True))
        op.execute("DELETE FROM download")
        raise RuntimeError("half-way failure")
        """,
    )
    monkeypatch.setenv(SCRIPT_LOCATION_ENV, str(location))
    with pytest.raises(RuntimeError, match="half-way failure"):
        command.upgrade(alembic_config(sqlite_url(path)), "head")

    assert current_revision(path) == head()
    assert snapshot(path) == before
    assert "note" not in snapshot(path)["media"][0]
