"""Migration a7c3e1f9d2b4: library roots made for existing media; events outlive media."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from alembic import command

from core.base.database.migrate import alembic_config
from tests.utils.db import connect, rows

BEFORE = "e5a1c9d3b7f2"
REVISION = "a7c3e1f9d2b4"

MEDIA = [
    # id, title, is_movie, folder_path
    (1, "Alien", 1, "/media/movies/Alien (1979)"),
    (2, "Brazil", 1, "/media/movies/Brazil (1985)/"),  # trailing slash
    (3, "Lost", 0, "/media/tv/Lost"),
    (4, "Dark", 0, "/media/tv//Dark/"),
    (5, "Nested", 1, "/media/movies/Collection/Nested (2001)"),  # inside a root made here
    (6, "Relative", 1, "relative/folder"),  # no root can hold it
    (7, "Lone", 1, "/srv/Lone (2002)"),
]


def seed(path: Path) -> None:
    with connect(path) as db:
        for media_id, title, is_movie, folder in MEDIA:
            db.execute(
                "INSERT INTO media (id, title, year, is_movie, folder_path, monitor, status,"
                " added_at, updated_at) VALUES (?, ?, 2001, ?, ?, 0, 'missing',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                (media_id, title, is_movie, folder),
            )
        db.execute(
            "INSERT INTO download (id, path, file_name, size, updated_at, resolution,"
            " video_format, audio_format, audio_channels, file_format, duration, subtitles,"
            " added_at, profile_id, youtube_id, file_exists, media_id) VALUES (1,"
            " '/media/movies/Alien (1979)/t.mkv', 't.mkv', 10, '2026-01-01 00:00:00',"
            " '1920x1080', 'h264', 'aac', '2', 'matroska,webm', 60, '', '2026-01-01 00:00:00',"
            " 1, 'dQw4w9WgXcQ', 1, 1)"
        )
        for media_id in (1, 3):
            db.execute(
                "INSERT INTO event (event_type, message, source_failed, created_at, media_id,"
                " download_id) VALUES ('downloaded', 'kept', 0, '2026-01-01 00:00:00', ?, NULL)",
                (media_id,),
            )
        db.commit()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), BEFORE)
    seed(path)
    return path


def test_upgrade_makes_a_root_per_parent_and_loses_no_row(
    old_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    events_before = rows(old_db, "SELECT * FROM event ORDER BY id")
    downloads_before = rows(old_db, "SELECT * FROM download ORDER BY id")
    with caplog.at_level(logging.INFO, logger="trailarr"):
        command.upgrade(alembic_config(f"sqlite:///{old_db}"), REVISION)

    roots = rows(
        old_db, "SELECT path, is_movie, scan, connection_id FROM libraryroot ORDER BY path"
    )
    assert roots == [
        ("/media/movies", 1, 0, None),
        ("/media/tv", 0, 0, None),
        ("/srv", 1, 0, None),
    ]
    folders = dict(rows(old_db, "SELECT id, folder_path FROM media"))
    assert folders == {
        1: "/media/movies/Alien (1979)",
        2: "/media/movies/Brazil (1985)",
        3: "/media/tv/Lost",
        4: "/media/tv/Dark",
        5: "/media/movies/Collection/Nested (2001)",
        6: "relative/folder",
        7: "/srv/Lone (2002)",
    }
    assert rows(old_db, "SELECT count(*) FROM media") == [(len(MEDIA),)]
    assert rows(old_db, "SELECT media_exists, trailer_url, poster_url FROM media WHERE id = 1") == [
        (0, None, None)
    ]
    # Events and downloads: every row kept, with the new column empty.
    assert len(rows(old_db, "SELECT * FROM event")) == len(events_before)
    assert rows(old_db, "SELECT media_id, message, media_title FROM event ORDER BY id") == [
        (1, "kept", None),
        (3, "kept", None),
    ]
    assert rows(old_db, "SELECT * FROM download ORDER BY id") == downloads_before
    assert rows(old_db, "PRAGMA foreign_key_check") == []
    assert rows(old_db, "PRAGMA integrity_check") == [("ok",)]
    # The search triggers of media survived (the table was not rebuilt).
    triggers = {n for (n,) in rows(old_db, "SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert {"media_title_search_insert", "media_title_search_update"} <= triggers

    logged = [r.getMessage() for r in caplog.records]
    for root in ("/media/movies", "/media/tv", "/srv"):
        assert any(f"library root {root} " in line for line in logged), logged
    assert any("relative/folder" in line for line in logged)


def test_an_event_without_media_is_allowed_after_the_upgrade(old_db: Path) -> None:
    command.upgrade(alembic_config(f"sqlite:///{old_db}"), REVISION)
    with connect(old_db) as db:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(
            "INSERT INTO event (event_type, message, source_failed, created_at, media_id,"
            " media_title) VALUES ('media_removed', 'gone', 0, '2026-02-01 00:00:00', NULL,"
            " 'Gone (1999)')"
        )
        # A normal event still goes with its media.
        db.execute("DELETE FROM media WHERE id = 1")
        db.commit()
    assert rows(old_db, "SELECT media_id, media_title FROM event ORDER BY id") == [
        (3, None),
        (None, "Gone (1999)"),
    ]


def test_downgrade_and_up_again(old_db: Path) -> None:
    config = alembic_config(f"sqlite:///{old_db}")
    command.upgrade(config, REVISION)
    with connect(old_db) as db:
        db.execute(
            "INSERT INTO event (event_type, message, source_failed, created_at, media_id)"
            " VALUES ('media_removed', 'gone', 0, '2026-02-01 00:00:00', NULL)"
        )
        db.commit()
    command.downgrade(config, BEFORE)
    assert rows(old_db, "SELECT count(*) FROM media") == [(len(MEDIA),)]
    assert rows(old_db, "SELECT media_id FROM event ORDER BY id") == [(1,), (3,)]
    names = {n for (n,) in rows(old_db, "SELECT name FROM sqlite_master")}
    assert "libraryroot" not in names
    assert "media_title_search_update" in names  # made again after `media` was rebuilt
    with connect(old_db) as db:
        db.execute("UPDATE media SET title = 'Alien 2' WHERE id = 1")
        db.commit()
    assert rows(old_db, "SELECT rowid FROM media_title_search WHERE title = 'Alien 2'") == [(1,)]
    command.upgrade(config, "head")
    assert rows(old_db, "SELECT count(*) FROM libraryroot") == [(3,)]
