"""Scheduled tasks: each task's schedule (editable) and how its last run went."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON
from sqlmodel import Field

from core.base.database.models.base import AppSQLModel, UTCDateTime

INTERVAL_MIN = 5
"""The shortest interval a task can be given, in minutes (Radarr's shortest is 10)."""
INTERVAL_MAX = 30 * 24 * 60
"""The longest: 30 days."""


class ScheduledTask(AppSQLModel, table=True):
    """One row per task, made at start-up with the task's default schedule.

    `enabled` and `interval_minutes` are the user's; the `last_*` fields are written by the
    task runner at the start and the end of every run, scheduled or started by hand, so
    they survive a restart.
    """

    __tablename__ = "scheduledtask"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, unique=True)
    enabled: bool = True
    interval_minutes: int
    last_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_duration_s: float | None = None
    last_summary: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    last_error: str | None = None


class ScheduledTaskRead(BaseModel):
    """A task's stored schedule and last run."""

    name: str
    enabled: bool
    interval_minutes: int
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_duration_s: float | None = None
    last_summary: dict[str, Any] | None = None
    last_error: str | None = None


class TaskScheduleUpdate(BaseModel):
    """Body of PATCH /api/v1/tasks/{name}: either field, or both."""

    enabled: bool | None = None
    interval_minutes: int | None = Field(
        default=None,
        ge=INTERVAL_MIN,
        le=INTERVAL_MAX,
        description=f"Minutes between two runs, {INTERVAL_MIN} to {INTERVAL_MAX} (30 days)",
    )
