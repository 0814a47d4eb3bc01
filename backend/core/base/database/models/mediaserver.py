"""Media servers (Plex, Jellyfin, Emby) that rescan a media's folder when its trailer changes,
with their path mappings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlmodel import AutoString, Field

from core.base.database.models.base import AppSQLModel, NulFreeText, UTCDateTime, utc_now
from core.base.database.models.connection import check_http_url


class MediaServerKind(StrEnum):
    PLEX = "plex"
    JELLYFIN = "jellyfin"
    EMBY = "emby"


class MediaServerPathMappingBase(AppSQLModel):
    """A folder as the media server sees it (`path_from`), and the same folder as Trailarr
    sees it (`path_to`)."""

    path_from: str = Field(min_length=1, max_length=4096)
    path_to: str = Field(min_length=1, max_length=4096)


class MediaServerPathMapping(MediaServerPathMappingBase, table=True):
    """Database model for MediaServerPathMapping."""

    __tablename__ = "mediaserverpathmapping"

    id: int | None = Field(default=None, primary_key=True)
    media_server_id: int = Field(foreign_key="mediaserver.id", ondelete="CASCADE", index=True)


class MediaServerPathMappingCreate(MediaServerPathMappingBase, NulFreeText):
    """A path mapping sent with a media server."""


class MediaServerPathMappingRead(MediaServerPathMappingBase):
    id: int


class MediaServerBase(AppSQLModel):
    """Fields shared by every MediaServer model."""

    name: str = Field(min_length=1, max_length=200)
    kind: MediaServerKind = Field(sa_type=AutoString)
    url: str = Field(max_length=2048)
    token: str = Field(min_length=1, max_length=200)
    """Plex's X-Plex-Token, or a Jellyfin/Emby API key."""
    enabled: bool = True

    _check_url = field_validator("url")(check_http_url)


class MediaServer(MediaServerBase, table=True):
    """Database model for MediaServer."""

    __tablename__ = "mediaserver"

    id: int | None = Field(default=None, primary_key=True)
    added_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class MediaServerCreate(MediaServerBase, NulFreeText):
    """Body for creating a MediaServer (and for testing one before it is saved)."""

    path_mappings: list[MediaServerPathMappingCreate] = []


class MediaServerRead(MediaServerBase):
    id: int
    added_at: datetime
    updated_at: datetime
    path_mappings: list[MediaServerPathMappingRead] = []


class MediaServerUpdate(NulFreeText):
    """Partial update of a MediaServer; path_mappings, when sent, replace the old ones."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: MediaServerKind | None = None
    url: str | None = Field(default=None, max_length=2048)
    token: str | None = Field(default=None, min_length=1, max_length=200)
    enabled: bool | None = None
    path_mappings: list[MediaServerPathMappingCreate] | None = None

    _check_url = field_validator("url")(check_http_url)
