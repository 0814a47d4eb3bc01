"""Connections to Radarr and Sonarr, with their path mappings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlmodel import AutoString, Field

from core.base.database.models.base import AppSQLModel, NulFreeText, UTCDateTime, utc_now


class ArrType(StrEnum):
    RADARR = "radarr"
    SONARR = "sonarr"


class MonitorMode(StrEnum):
    """What Trailarr does with the media a connection brings."""

    NONE = "none"
    MISSING = "missing"
    NEW = "new"
    SYNC = "sync"


def check_http_url(value: str | None) -> str | None:
    """An http(s) URL without a trailing slash."""
    if value is None:
        return None
    value = value.strip().rstrip("/")
    if not value.lower().startswith(("http://", "https://")) or len(value) < 8:
        raise ValueError("must be an http:// or https:// URL")
    return value


class PathMappingBase(AppSQLModel):
    """A folder as the *arr app sees it, and the same folder as Trailarr sees it."""

    path_from: str = Field(min_length=1, max_length=4096)
    path_to: str = Field(min_length=1, max_length=4096)


class PathMapping(PathMappingBase, table=True):
    """Database model for PathMapping."""

    __tablename__ = "pathmapping"

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="connection.id", ondelete="CASCADE", index=True)


class PathMappingCreate(PathMappingBase, NulFreeText):
    """A path mapping sent with a connection."""


class PathMappingRead(PathMappingBase):
    id: int
    connection_id: int


class ConnectionBase(AppSQLModel):
    """Fields shared by every Connection model."""

    name: str = Field(min_length=1, max_length=200)
    arr_type: ArrType = Field(sa_type=AutoString)
    url: str = Field(max_length=2048)
    api_key: str = Field(min_length=1, max_length=200)
    monitor: MonitorMode = Field(default=MonitorMode.NEW, sa_type=AutoString)

    _check_url = field_validator("url")(check_http_url)


class Connection(ConnectionBase, table=True):
    """Database model for Connection."""

    id: int | None = Field(default=None, primary_key=True)
    added_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class ConnectionCreate(ConnectionBase, NulFreeText):
    """Body for creating a Connection."""

    path_mappings: list[PathMappingCreate] = []


class ConnectionRead(ConnectionBase):
    id: int
    added_at: datetime
    updated_at: datetime
    path_mappings: list[PathMappingRead] = []


class ConnectionUpdate(NulFreeText):
    """Partial update of a Connection; path_mappings, when sent, replace the old ones."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    arr_type: ArrType | None = None
    url: str | None = Field(default=None, max_length=2048)
    api_key: str | None = Field(default=None, min_length=1, max_length=200)
    monitor: MonitorMode | None = None
    path_mappings: list[PathMappingCreate] | None = None

    _check_url = field_validator("url")(check_http_url)
