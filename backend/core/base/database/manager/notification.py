"""NotificationTargetManager: the notification targets (Apprise URLs) and the events they want."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from core.base.database.manager.session import manage_session
from core.base.database.models.base import utc_now
from core.base.database.models.notification import (
    NotificationEvent,
    NotificationTarget,
    NotificationTargetCreate,
    NotificationTargetRead,
    NotificationTargetUpdate,
    event_column,
)
from core.exceptions import NotFoundError


def _get(session: Session, target_id: int) -> NotificationTarget:
    target = session.get(NotificationTarget, target_id)
    if target is None:
        raise NotFoundError(f"Notification {target_id} not found")
    return target


def _to_read(target: NotificationTarget) -> NotificationTargetRead:
    return NotificationTargetRead.model_validate(target, update={"events": target.events()})


class NotificationTargetManager:
    """Reads and writes NotificationTarget rows; returns Read models (with the full URL)."""

    def create(
        self, target_create: NotificationTargetCreate, *, _session: Session | None = None
    ) -> NotificationTargetRead:
        with manage_session(_session, write=True) as session:
            target = NotificationTarget.model_validate(target_create.model_dump(exclude={"events"}))
            target.set_events(target_create.events)
            session.add(target)
            session.flush()
            return _to_read(target)

    def read(self, target_id: int, *, _session: Session | None = None) -> NotificationTargetRead:
        with manage_session(_session) as session:
            return _to_read(_get(session, target_id))

    def read_all(self, *, _session: Session | None = None) -> list[NotificationTargetRead]:
        with manage_session(_session) as session:
            rows = session.exec(select(NotificationTarget).order_by(col(NotificationTarget.id)))
            return [_to_read(target) for target in rows.all()]

    def read_listening(
        self, events: set[NotificationEvent], *, _session: Session | None = None
    ) -> list[NotificationTargetRead]:
        """The enabled targets that want at least one of `events`, by id."""
        if not events:
            return []
        flags = [col(getattr(NotificationTarget, event_column(event))) for event in events]
        with manage_session(_session) as session:
            rows = session.exec(
                select(NotificationTarget)
                .where(col(NotificationTarget.enabled))
                .where(or_(*flags))
                .order_by(col(NotificationTarget.id))
            )
            return [_to_read(target) for target in rows.all()]

    def update(
        self,
        target_id: int,
        target_update: NotificationTargetUpdate,
        *,
        _session: Session | None = None,
    ) -> NotificationTargetRead:
        with manage_session(_session, write=True) as session:
            target = _get(session, target_id)
            target.sqlmodel_update(target_update.model_dump(exclude_unset=True, exclude={"events"}))
            if target_update.events is not None:
                target.set_events(target_update.events)
            target.updated_at = utc_now()
            session.add(target)
            session.flush()
            return _to_read(target)

    def delete(self, target_id: int, *, _session: Session | None = None) -> None:
        with manage_session(_session, write=True) as session:
            session.delete(_get(session, target_id))
            session.flush()
