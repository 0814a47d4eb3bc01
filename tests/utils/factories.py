"""Test data, made through the app's own managers."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.database.models.download import DownloadCreate, DownloadRead
from core.base.database.models.media import MediaCreate, MediaRead
from core.base.database.models.trailerprofile import TrailerProfileCreate, TrailerProfileRead
from tests.utils.roots import add_root

_counter = iter(range(1, 10**9))


def make_media(folder: Path | None = None, **overrides: Any) -> MediaRead:
    """A media made through the manager (no folder rules); the parent of its folder is made
    a library root unless one holds it, so that downloads into it are allowed."""
    n = next(_counter)
    data: dict[str, Any] = {
        "title": f"Test Movie {n}",
        "year": 2000 + n % 25,
        "is_movie": True,
        "folder_path": str(folder) if folder else f"/media/movies/Test Movie {n}",
    }
    data.update(overrides)
    if os.path.isabs(data["folder_path"]) and "\x00" not in data["folder_path"]:
        add_root(os.path.dirname(os.path.normpath(data["folder_path"])))
    return MediaDatabaseManager().create(MediaCreate(**data))


def make_profile(**overrides: Any) -> TrailerProfileRead:
    data: dict[str, Any] = {"name": f"Profile {next(_counter)}"}
    data.update(overrides)
    return TrailerProfileManager().create(TrailerProfileCreate(**data))


def download_create(media_id: int, **overrides: Any) -> DownloadCreate:
    """The fields of a download record (no file behind it)."""
    data: dict[str, Any] = {
        "media_id": media_id,
        "path": f"/media/trailer-{next(_counter)}.mkv",
        "file_name": "trailer.mkv",
        "size": 1000,
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        "resolution": "1920x1080",
        "video_format": "h264",
        "audio_format": "aac",
        "audio_channels": "2",
        "file_format": "matroska,webm",
        "duration": 120,
        "profile_id": 1,
        "youtube_id": "dQw4w9WgXcQ",
    }
    data.update(overrides)
    return DownloadCreate(**data)


def make_download(media_id: int, **overrides: Any) -> DownloadRead:
    """Record a download row directly (no file) and return it."""
    return MediaDatabaseManager().create_download_record(download_create(media_id, **overrides))
