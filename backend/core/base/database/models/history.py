"""Read models of the download history: its query, its rows, its totals."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.base.database.models.base import as_utc
from core.base.database.models.download import DownloadRead
from core.base.database.models.event import EventRead
from core.base.database.models.limits import DB_INT_MAX


class HistorySort(StrEnum):
    """The keys the history can be sorted by."""

    ADDED_AT = "added_at"
    SIZE = "size"
    DURATION = "duration"
    FILE_NAME = "file_name"
    RESOLUTION = "resolution"


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


TEXT_MAX = 100
"""The longest format or resolution filter."""
SEARCH_MAX = 200
"""The longest search text (`q`), of the downloads and of the events."""


class HistoryQuery(BaseModel):
    """Which download records to list, and in which order.

    Every filter is optional; `since` keeps records added at or after it (a naive
    datetime is UTC); `q` matches part of the media title or the file name, ignoring case,
    every character taken literally (see core/base/database/manager/history_search.py).
    The history routes take these fields as their query parameters (api/v1/downloads.py),
    constraints and descriptions included; unknown parameters are ignored.
    """

    model_config = ConfigDict(frozen=True)

    media_id: int | None = Field(default=None, ge=1, le=DB_INT_MAX)
    profile_id: int | None = Field(default=None, ge=0, le=DB_INT_MAX)
    file_exists: bool | None = None
    video_format: str | None = Field(default=None, max_length=TEXT_MAX)
    audio_format: str | None = Field(default=None, max_length=TEXT_MAX)
    resolution: str | None = Field(default=None, max_length=TEXT_MAX)
    since: datetime | None = Field(
        default=None, description="Added at or after this time; naive is UTC"
    )
    q: str | None = Field(
        default=None,
        max_length=SEARCH_MAX,
        description=(
            "Part of the media title or file name, ignoring case; every character is"
            " literal (3 characters or more are found through a trigram index)"
        ),
    )
    sort: HistorySort = HistorySort.ADDED_AT
    order: SortOrder = SortOrder.DESC

    @field_validator("since")
    @classmethod
    def _since_utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value) if value is not None else None

    @field_validator("q")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value if value and value.strip() else None


class DownloadHistoryRead(DownloadRead):
    """A download record with its media and profile, as the history shows it.

    `profile_name` is None for the unknown profile (0) and for a profile deleted since.
    """

    media_title: str
    media_year: int
    media_is_movie: bool
    profile_name: str | None


class EventHistoryRead(EventRead):
    """An event with the title and year of its media.

    For a removed media, `media_title` is the "Title (Year)" it had and `media_year` is None.
    """

    media_title: str
    media_year: int | None = None


class CountBucket(BaseModel):
    key: str
    count: int


class ProfileBucket(BaseModel):
    profile_id: int
    profile_name: str | None
    count: int


class DownloadStats(BaseModel):
    """Totals of the download history; the `by_*` lists count present files only."""

    downloads_total: int
    downloads_present: int
    total_size_present: int
    by_resolution: list[CountBucket]
    by_video_format: list[CountBucket]
    by_audio_format: list[CountBucket]
    by_file_format: list[CountBucket]
    by_profile: list[ProfileBucket]
    media_total: int
    media_with_trailer: int
    media_without_trailer: int
