"""Event: one thing that happened to a media item's trailer, for its history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import AutoString, Field

from core.base.database.models.base import AppSQLModel, UTCDateTime, utc_now


class EventType(StrEnum):
    DOWNLOADED = "downloaded"
    DOWNLOAD_FAILED = "download_failed"
    INTERRUPTED = "download_interrupted"
    DELETED = "deleted"
    RESTORED = "restored"
    RENAMED = "renamed"
    DISCOVERED = "discovered"
    MEDIA_REMOVED = "media_removed"
    """A media gone from Radarr/Sonarr or from its local root; the event outlives it."""


class EventBase(AppSQLModel):
    """Fields shared by every Event model."""

    event_type: EventType = Field(sa_type=AutoString, index=True)
    message: str = ""
    video_id: str | None = None
    reason: str | None = None
    # For a failed download: the source itself is unusable (removed, private, not a
    # trailer...), so automatic searches skip it from now on.
    source_failed: bool = False
    # "Title (Year)" of a media that no longer exists (MEDIA_REMOVED); None otherwise.
    media_title: str | None = Field(default=None, max_length=600)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)


class Event(EventBase, table=True):
    """Database model for Event."""

    id: int | None = Field(default=None, primary_key=True)
    # None only for an event that outlives its media (MEDIA_REMOVED); the others go with it.
    media_id: int | None = Field(
        default=None, foreign_key="media.id", ondelete="CASCADE", index=True
    )
    download_id: int | None = Field(
        default=None, foreign_key="download.id", ondelete="SET NULL", index=True
    )


class EventCreate(EventBase):
    media_id: int | None
    download_id: int | None = None


class EventRead(EventBase):
    id: int
    media_id: int | None
    download_id: int | None
