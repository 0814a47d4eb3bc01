"""Media: a movie or a series whose trailer Trailarr manages."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlmodel import AutoString, Field

from core.base.database.models.base import AppSQLModel, NulFreeText, UTCDateTime, utc_now
from core.base.database.models.limits import DB_INT_MAX


class MonitorStatus(StrEnum):
    """Where a media item stands with its trailer."""

    MISSING = "missing"
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    MONITORED = "monitored"


def derive_status(*, in_flight: bool, present: bool, monitor: bool) -> MonitorStatus:
    """A media's status, from its in-flight work and its trailer records; the one rule.

    A download in flight: "downloading". Else a recorded trailer present on disk:
    "downloaded". Else "monitored" when Trailarr is to fetch one by itself, or "missing".
    """
    if in_flight:
        return MonitorStatus.DOWNLOADING
    if present:
        return MonitorStatus.DOWNLOADED
    return MonitorStatus.MONITORED if monitor else MonitorStatus.MISSING


TRAILER_URL_MAX = 2048
YOUTUBE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")


def strip_not_blank(value: str | None) -> str | None:
    """Strip surrounding white space; a blank string is an error."""
    if value is None:
        return None
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


def check_youtube_id(value: str | None) -> str | None:
    """An 11-character YouTube id, or None for an empty value."""
    if not value:
        return None
    if not YOUTUBE_ID_RE.match(value):
        raise ValueError("a YouTube id is 11 characters of letters, digits, '-' and '_'")
    return value


class MediaBase(AppSQLModel):
    """Fields shared by every Media model."""

    title: str = Field(min_length=1, max_length=500, index=True)
    year: int = Field(ge=1800, le=3000)
    is_movie: bool = True
    folder_path: str = Field(min_length=1, max_length=4096)
    imdb_id: str | None = Field(default=None, max_length=32)
    tmdb_id: str | None = Field(default=None, max_length=32)
    tvdb_id: str | None = Field(default=None, max_length=32)
    youtube_trailer_id: str | None = Field(default=None, max_length=11)
    monitor: bool = False
    connection_id: int | None = Field(
        default=None,
        foreign_key="connection.id",
        ondelete="SET NULL",
        index=True,
        ge=1,
        le=DB_INT_MAX,
    )
    # Within the database's INTEGER on every engine (PostgreSQL's is 32 bits).
    arr_id: int | None = Field(default=None, ge=0, le=DB_INT_MAX)
    # An http(s) video URL that yt-dlp supports, used for downloads before the YouTube id
    # and the search; checked by the source policy in core/library/media_service.py.
    trailer_url: str | None = Field(default=None, max_length=TRAILER_URL_MAX)

    _clean_text = field_validator("title", "folder_path")(strip_not_blank)
    _clean_youtube_id = field_validator("youtube_trailer_id")(check_youtube_id)


class Media(MediaBase, table=True):
    """Database model for Media."""

    id: int | None = Field(default=None, primary_key=True)
    status: MonitorStatus = Field(default=MonitorStatus.MISSING, sa_type=AutoString, index=True)
    added_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    downloaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The remote poster address that a Radarr/Sonarr connection reports.
    poster_url: str | None = Field(default=None, max_length=2048)
    # The *arr app says the movie/episode file exists; for a local root: a video is there.
    media_exists: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class MediaCreate(MediaBase, NulFreeText):
    """Body for creating a Media item."""


class MediaSyncCreate(MediaCreate):
    """A media added by a sync or scan, with what only its source knows (not an API body:
    a poster address set by a user would be fetched by the server)."""

    poster_url: str | None = Field(default=None, max_length=2048)
    media_exists: bool = False


class MediaRead(MediaBase):
    """Media as the API shows it."""

    id: int
    status: MonitorStatus
    added_at: datetime
    updated_at: datetime
    downloaded_at: datetime | None
    poster_url: str | None = None
    media_exists: bool = False


class MediaUpdate(NulFreeText):
    """Partial update of a Media item; only the fields sent are applied."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    year: int | None = Field(default=None, ge=1800, le=3000)
    is_movie: bool | None = None
    folder_path: str | None = Field(default=None, min_length=1, max_length=4096)
    imdb_id: str | None = Field(default=None, max_length=32)
    tmdb_id: str | None = Field(default=None, max_length=32)
    tvdb_id: str | None = Field(default=None, max_length=32)
    youtube_trailer_id: str | None = Field(default=None, max_length=11)
    monitor: bool | None = None
    connection_id: int | None = Field(default=None, ge=1, le=DB_INT_MAX)
    arr_id: int | None = Field(default=None, ge=0, le=DB_INT_MAX)
    trailer_url: str | None = Field(
        default=None,
        max_length=TRAILER_URL_MAX,
        description="An http(s) video URL that yt-dlp supports, or null to clear it; a"
        " YouTube link is stored as youtube_trailer_id instead",
    )

    _clean_text = field_validator("title", "folder_path")(strip_not_blank)
    _clean_youtube_id = field_validator("youtube_trailer_id")(check_youtube_id)


class MediaSyncUpdate(MediaUpdate):
    """A partial update from a sync or scan: also what only the source of a media knows.

    Not an API body: a poster address set by a user would be fetched by the server.
    """

    poster_url: str | None = Field(default=None, max_length=2048)
    media_exists: bool | None = None
