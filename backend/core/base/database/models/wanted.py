"""Failed attempts of the download-missing engine, per (media, profile), with their backoff."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from core.base.database.models.base import AppSQLModel, UTCDateTime, utc_now


class WantedFailure(AppSQLModel, table=True):
    """The engine tried to get this media a trailer with this profile and failed.

    `attempts` counts the failures in a row; `next_attempt_at` is when the engine may try
    again (1, 2, 4, then every 7 days). A success of either kind (the engine or by hand)
    deletes the row; so does deleting the media or the profile.
    """

    __tablename__ = "wantedfailure"
    __table_args__ = (UniqueConstraint("media_id", "profile_id"),)

    id: int | None = Field(default=None, primary_key=True)
    media_id: int = Field(foreign_key="media.id", ondelete="CASCADE", index=True)
    profile_id: int = Field(foreign_key="trailerprofile.id", ondelete="CASCADE", index=True)
    attempts: int = 1
    last_error: str = Field(max_length=2000)
    last_attempt_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)


class WantedFailureRead(BaseModel):
    media_id: int
    profile_id: int
    attempts: int
    last_error: str
    last_attempt_at: datetime
    next_attempt_at: datetime
