"""Download: the record of one trailer file that Trailarr downloaded."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import BigInteger, Index, Integer, text
from sqlmodel import AutoString, Field

from core.base.database.models.base import AppSQLModel, UTCDateTime, as_utc, utc_now

get_current_time = utc_now

FILTERED_BY_DATE = ("resolution", "video_format", "audio_format", "profile_id", "file_exists")
"""History filters indexed together with `added_at`: one index both finds a filter's
records and gives them newest first (the history's default order), and its first column
alone serves counts and totals by that column."""

PRESENT_PATH_INDEX = "ux_download_present_path"
"""At most one record whose file is present holds a path: a file on disk is one trailer."""

BYTES = BigInteger().with_variant(Integer(), "sqlite")
"""A file size: 64-bit. PostgreSQL's INTEGER stops at 2 GiB; SQLite's INTEGER is 64-bit
already (and is kept, so that its schema matches the migrations)."""

UNKNOWN_PROFILE_ID = 0
"""`profile_id` of a trailer found on disk whose profile is not known (backfill)."""


class DeletedReason(StrEnum):
    """Why a recorded trailer file is no longer on disk."""

    MISSING = "missing"
    DELETED_BY_USER = "deleted_by_user"
    REPLACED = "replaced"


class DownloadBase(AppSQLModel):
    """
    Base model for Download.\n
    Note: \n
        🚨DO NOT USE THIS CLASS DIRECTLY.🚨 \n
    👉Use :class:`Download` for working with database.👈 \n
    👉Use :class:`DownloadCreate` to create/update downloads.👈 \n
    👉Use :class:`DownloadRead` to read the data.👈
    """

    path: str = Field(index=True)
    file_name: str = Field(index=True)
    size: int = Field(index=True, sa_type=BYTES)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    resolution: str
    video_format: str
    audio_format: str
    audio_channels: str
    file_format: str
    duration: int = Field(default=0, index=True)
    subtitles: str = "unk"
    added_at: datetime = Field(default_factory=get_current_time, sa_type=UTCDateTime, index=True)
    profile_id: int
    youtube_id: str
    file_exists: bool = True
    source_url: str | None = None
    fingerprint: str | None = Field(default=None, index=True)
    deleted_reason: DeletedReason | None = Field(default=None, sa_type=AutoString)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @field_validator("updated_at", "added_at", "deleted_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        """Times in UTC (a naive one is taken as UTC), as the database gives them back."""
        return as_utc(value) if value is not None else None


class Download(DownloadBase, table=True):
    """
    Database model for Download.\n
    Note: \n
        🚨DO NOT USE THIS CLASS OUTSIDE OF DATABASE MANAGER.🚨 \n
    👉Use :class:`DownloadCreate` to create/update downloads.👈 \n
    👉Use :class:`DownloadRead` to read the data.👈
    """

    __table_args__ = (
        *(Index(f"ix_download_{name}_added_at", name, "added_at") for name in FILTERED_BY_DATE),
        # Its PostgreSQL WHERE is given by declare_postgresql_forms(), for PostgreSQL engines.
        Index(PRESENT_PATH_INDEX, "path", unique=True, sqlite_where=text("file_exists = 1")),
    )

    id: int | None = Field(default=None, primary_key=True)
    media_id: int | None = Field(
        default=None,
        foreign_key="media.id",
        ondelete="CASCADE",
        nullable=False,
        index=True,
    )


class DownloadCreate(DownloadBase):
    """Model for creating/updating Download."""

    id: int | None = None
    media_id: int | None = None


class DownloadRead(DownloadBase):
    """Model for reading Download."""

    id: int
    media_id: int


def declare_postgresql_forms() -> None:
    """Give the models' partial index its PostgreSQL form: `WHERE file_exists` (as its
    migration, e5a1c9d3b7f2, made it). Idempotent; `create_db_engine` calls it for every
    PostgreSQL engine, before anything compares or creates the schema there.

    Not declared with the model: a `postgresql_*` argument makes SQLAlchemy load its
    PostgreSQL dialect to check it, 40-80 ms of every start on SQLite (bench/startup.py).
    Alembic's comparison does not look at the WHERE (tests/core/base/database/
    test_model_forms.py does).
    """
    present_path_index().dialect_options["postgresql"]["where"] = text("file_exists")


def present_path_index() -> Index:
    """The index PRESENT_PATH_INDEX of the download table, as the model declares it."""
    table = Download.__table__  # type: ignore[attr-defined]
    (index,) = [index for index in table.indexes if index.name == PRESENT_PATH_INDEX]
    return index
