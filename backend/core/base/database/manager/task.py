"""TaskManager: the scheduled tasks' rows (schedule and last run)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from core.base.database.manager.session import manage_session
from core.base.database.models.task import ScheduledTask, ScheduledTaskRead, TaskScheduleUpdate
from core.exceptions import NotFoundError


def _get(session: Session, name: str) -> ScheduledTask:
    row = session.exec(select(ScheduledTask).where(ScheduledTask.name == name)).first()
    if row is None:
        raise NotFoundError(f"Task {name!r} not found")
    return row


class TaskManager:
    """Reads and writes ScheduledTask rows; returns Read models only."""

    def ensure(
        self, defaults: dict[str, int], *, _session: Session | None = None
    ) -> list[ScheduledTaskRead]:
        """Make the row of every task in `defaults` (name -> interval in minutes) that has
        none, enabled; rows already there keep the user's schedule. The rows of `defaults`,
        in its order."""
        with manage_session(_session, write=True) as session:
            rows = {r.name: r for r in session.exec(select(ScheduledTask)).all()}
            for name, interval in defaults.items():
                if name not in rows:
                    rows[name] = ScheduledTask(name=name, interval_minutes=interval)
                    session.add(rows[name])
            session.flush()
            return [ScheduledTaskRead.model_validate(rows[name].model_dump()) for name in defaults]

    def read_all(self, *, _session: Session | None = None) -> list[ScheduledTaskRead]:
        with manage_session(_session) as session:
            rows = session.exec(select(ScheduledTask).order_by(col(ScheduledTask.name))).all()
            return [ScheduledTaskRead.model_validate(r.model_dump()) for r in rows]

    def read(self, name: str, *, _session: Session | None = None) -> ScheduledTaskRead:
        with manage_session(_session) as session:
            return ScheduledTaskRead.model_validate(_get(session, name).model_dump())

    def update_schedule(
        self, name: str, update: TaskScheduleUpdate, *, _session: Session | None = None
    ) -> ScheduledTaskRead:
        with manage_session(_session, write=True) as session:
            row = _get(session, name)
            row.sqlmodel_update(update.model_dump(exclude_unset=True, exclude_none=True))
            session.add(row)
            session.flush()
            return ScheduledTaskRead.model_validate(row.model_dump())

    def record_start(
        self, name: str, started_at: datetime, *, _session: Session | None = None
    ) -> None:
        with manage_session(_session, write=True) as session:
            row = _get(session, name)
            row.last_started_at = started_at
            session.add(row)

    def record_finish(
        self,
        name: str,
        *,
        finished_at: datetime,
        duration_s: float,
        summary: dict[str, Any] | None,
        error: str | None,
        _session: Session | None = None,
    ) -> None:
        with manage_session(_session, write=True) as session:
            row = _get(session, name)
            row.last_finished_at = finished_at
            row.last_duration_s = round(duration_s, 3)
            row.last_summary = summary
            row.last_error = error
            session.add(row)
