"""Migration e5a1c9d3b7f2: one present record per path, on a database that has duplicates."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command

from core.base.database.migrate import alembic_config

BEFORE = "9b4e6d2c8a17"
REVISION = "e5a1c9d3b7f2"


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def seed(path: Path) -> None:
    """A library as an older version could leave it: two present records for one file."""
    with closing(sqlite3.connect(path)) as db:
        db.execute(
            "INSERT INTO media (id, title, year, is_movie, folder_path, monitor, status,"
            " added_at, updated_at) VALUES (1, 'Movie', 2001, 1, '/m', 0, 'downloaded',"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        records = [
            # id, path, added_at, file_exists, deleted_reason
            (1, "/m/Trailers/t.mkv", "2026-01-01 00:00:00", 1, None),  # restored by mistake
            (2, "/m/Trailers/t.mkv", "2026-02-01 00:00:00", 1, None),  # the newest: keeps it
            (3, "/m/Trailers/t.mkv", "2026-01-15 00:00:00", 0, "deleted_by_user"),
            (4, "/m/Trailers/other.mkv", "2026-01-01 00:00:00", 1, None),
            (5, "/m/Trailers/same-time.mkv", "2026-03-01 00:00:00", 1, None),
            (6, "/m/Trailers/same-time.mkv", "2026-03-01 00:00:00", 1, None),  # higher id
        ]
        for rid, path_, added, exists, reason in records:
            db.execute(
                "INSERT INTO download (id, path, file_name, size, updated_at, resolution,"
                " video_format, audio_format, audio_channels, file_format, duration,"
                " subtitles, added_at, profile_id, youtube_id, file_exists, deleted_reason,"
                " media_id) VALUES (?, ?, 't.mkv', 10, '2026-01-01 00:00:00', '1920x1080',"
                " 'h264', 'aac', '2', 'matroska,webm', 60, 'en', ?, 1, 'dQw4w9WgXcQ', ?, ?, 1)",
                (rid, path_, added, exists, reason),
            )
        db.execute(
            "INSERT INTO event (event_type, message, source_failed, created_at, media_id,"
            " download_id) VALUES ('downloaded', 'first', 0, '2026-01-01 00:00:00', 1, 1)"
        )
        db.commit()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), BEFORE)
    seed(path)
    return path


def test_upgrade_repairs_duplicates_keeping_the_newest_and_loses_no_row(old_db: Path) -> None:
    before = rows(old_db, "SELECT id FROM download ORDER BY id")
    command.upgrade(alembic_config(f"sqlite:///{old_db}"), REVISION)

    assert rows(old_db, "SELECT id FROM download ORDER BY id") == before
    state = dict(
        (rid, (exists, reason))
        for rid, exists, reason in rows(
            old_db, "SELECT id, file_exists, deleted_reason FROM download"
        )
    )
    assert state[2] == (1, None)
    assert state[1] == (0, "replaced")
    assert state[3] == (0, "deleted_by_user")  # already gone: untouched
    assert state[4] == (1, None)
    assert state[6] == (1, None) and state[5] == (0, "replaced")
    events = rows(
        old_db,
        "SELECT download_id, event_type, reason, message FROM event"
        " WHERE event_type = 'deleted' ORDER BY download_id",
    )
    assert [(d, t, r) for d, t, r, _ in events] == [
        (1, "deleted", "replaced"),
        (5, "deleted", "replaced"),
    ]
    assert "download 2" in events[0][3] and "/m/Trailers/t.mkv" in events[0][3]
    assert rows(old_db, "SELECT count(*) FROM event WHERE message = 'first'") == [(1,)]
    assert rows(old_db, "PRAGMA foreign_key_check") == []
    assert rows(old_db, "PRAGMA integrity_check") == [("ok",)]

    # The index now holds the rule.
    with closing(sqlite3.connect(old_db)) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE download SET file_exists = 1 WHERE id = 1")


def test_downgrade_drops_the_index_and_keeps_every_row(old_db: Path) -> None:
    config = alembic_config(f"sqlite:///{old_db}")
    command.upgrade(config, REVISION)
    after_upgrade = rows(old_db, "SELECT * FROM download ORDER BY id")
    events = rows(old_db, "SELECT count(*) FROM event")
    command.downgrade(config, BEFORE)
    assert rows(old_db, "SELECT * FROM download ORDER BY id") == after_upgrade
    assert rows(old_db, "SELECT count(*) FROM event") == events
    names = [n for (n,) in rows(old_db, "SELECT name FROM sqlite_master WHERE type = 'index'")]
    assert "ux_download_present_path" not in names
    command.upgrade(config, "head")  # and up again
    assert "ux_download_present_path" in [
        n for (n,) in rows(old_db, "SELECT name FROM sqlite_master WHERE type = 'index'")
    ]
