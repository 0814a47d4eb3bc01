"""Migration 8e4a6c2d0b17: existing profiles keep applying to every media; nothing is lost."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from core.base.database.migrate import alembic_config
from tests.utils.db import connect, rows

BEFORE = "5d2b8f0c6e31"
REVISION = "8e4a6c2d0b17"


def test_existing_profiles_apply_to_everything_and_survive_the_way_back(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    config = alembic_config(f"sqlite:///{path}")
    command.upgrade(config, BEFORE)
    with connect(path) as db:
        db.execute(
            "INSERT INTO trailerprofile (id, name, enabled, priority, file_format, file_name,"
            " folder_enabled, folder_name, video_format, video_resolution, audio_format,"
            " subtitles_enabled, subtitles_format, subtitles_languages, embed_metadata,"
            " search_query, min_duration, max_duration, include_words, exclude_words,"
            " always_search, added_at, updated_at) VALUES (7, '4K', 1, 5, 'mkv', '{title}', 1,"
            " 'Trailers', 'h265', 2160, 'aac', 0, 'srt', 'en', 1, '{title} trailer', 30, 600,"
            " '', 'teaser', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        db.execute(
            "INSERT INTO media (id, title, year, is_movie, folder_path, monitor, status,"
            " added_at, updated_at, media_exists) VALUES (1, 'Alien', 1979, 1, '/m/Alien', 1,"
            " 'missing', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0)"
        )
        db.commit()

    command.upgrade(config, REVISION)
    assert rows(
        path,
        "SELECT id, name, video_format, exclude_words, for_movies, for_series, connection_id,"
        " min_year, max_year, title_words, stop_monitoring FROM trailerprofile",
    ) == [(7, "4K", "h265", "teaser", 1, 1, None, None, None, "", 0)]
    with connect(path) as db:
        db.execute(
            "INSERT INTO wantedfailure (media_id, profile_id, attempts, last_error,"
            " last_attempt_at, next_attempt_at) VALUES (1, 7, 1, 'x', '2026-01-01 00:00:00',"
            " '2026-01-02 00:00:00')"
        )
        db.commit()

    command.downgrade(config, BEFORE)
    assert rows(path, "SELECT id, name, video_format, exclude_words FROM trailerprofile") == [
        (7, "4K", "h265", "teaser")
    ]
    assert rows(path, "SELECT id FROM media") == [(1,)]
