"""EventManager: the per-media event log."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.base.database.manager.session import manage_session
from core.base.database.models.event import Event, EventCreate, EventRead, EventType


class EventManager:
    """Reads and writes Event rows; returns Read models only."""

    @manage_session
    def create(self, event_create: EventCreate, *, _session: Session = None) -> EventRead:  # type: ignore[assignment]
        event = Event.model_validate(event_create)
        _session.add(event)
        _session.flush()
        return EventRead.model_validate(event)

    @manage_session
    def read_for_media(self, media_id: int, *, _session: Session = None) -> list[EventRead]:  # type: ignore[assignment]
        """The media's events, newest first."""
        rows = _session.exec(
            select(Event)
            .where(Event.media_id == media_id)
            .order_by(col(Event.created_at).desc(), col(Event.id).desc())
        ).all()
        return [EventRead.model_validate(e) for e in rows]

    @manage_session
    def failed_video_ids(self, media_id: int, *, _session: Session = None) -> set[str]:  # type: ignore[assignment]
        """Source ids that failed for this media in a way that retrying cannot fix."""
        rows = _session.exec(
            select(Event.video_id).where(
                Event.media_id == media_id,
                Event.event_type == EventType.DOWNLOAD_FAILED,
                col(Event.source_failed).is_(True),
                col(Event.video_id).is_not(None),
            )
        ).all()
        return {v for v in rows if v}
