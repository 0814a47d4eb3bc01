"""Notification targets: Apprise URLs that hear about what Trailarr does (Settings > Connect)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlmodel import Field

from core.base.database.models.base import AppSQLModel, NulFreeText, UTCDateTime, utc_now


class NotificationEvent(StrEnum):
    """What a target can hear about; the values are those of the Connect bus' event kinds."""

    DOWNLOADED = "downloaded"
    DOWNLOAD_FAILED = "download_failed"
    TRAILER_MISSING = "trailer_missing"
    TASK_FAILED = "task_failed"
    HEALTH = "health"


def event_column(event: NotificationEvent) -> str:
    """The table's flag for `event`: `on_downloaded`, `on_task_failed`, ..."""
    return f"on_{event.value}"


def _stripped(value: object) -> object:
    """Text without the spaces around it (a URL pasted with a newline)."""
    return value.strip() if isinstance(value, str) else value


def _unique_events(value: list[NotificationEvent] | None) -> list[NotificationEvent] | None:
    """The events once each, in the enum's order."""
    if value is None:
        return None
    wanted = set(value)
    return [event for event in NotificationEvent if event in wanted]


class NotificationTargetBase(AppSQLModel):
    """Fields shared by every NotificationTarget model."""

    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=4096)
    """The Apprise URL (e.g. `discord://id/token`): a secret, shown masked by the API."""
    enabled: bool = True


class NotificationTarget(NotificationTargetBase, table=True):
    """Database model for NotificationTarget: one flag per event it wants."""

    __tablename__ = "notificationtarget"

    id: int | None = Field(default=None, primary_key=True)
    on_downloaded: bool = False
    on_download_failed: bool = False
    on_trailer_missing: bool = False
    on_task_failed: bool = False
    on_health: bool = False
    added_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    def events(self) -> list[NotificationEvent]:
        return [event for event in NotificationEvent if getattr(self, event_column(event))]

    def set_events(self, events: list[NotificationEvent]) -> None:
        for event in NotificationEvent:
            setattr(self, event_column(event), event in events)


class NotificationTargetCreate(NotificationTargetBase, NulFreeText):
    """Body for creating a NotificationTarget (and for testing one before it is saved)."""

    events: list[NotificationEvent]

    _strip_url = field_validator("url", mode="before")(_stripped)
    _events_once = field_validator("events")(_unique_events)


class NotificationTargetRead(NotificationTargetBase):
    id: int
    events: list[NotificationEvent]
    added_at: datetime
    updated_at: datetime


class NotificationTargetUpdate(NulFreeText):
    """Partial update of a NotificationTarget; `events`, when sent, replace the old ones."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    url: str | None = Field(default=None, min_length=1, max_length=4096)
    enabled: bool | None = None
    events: list[NotificationEvent] | None = None

    _events_once = field_validator("events")(_unique_events)
    _strip_url = field_validator("url", mode="before")(_stripped)
