"""EventManager: the per-media event log."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, func, insert, or_
from sqlmodel import Session, col, select

from core.base.database.manager.history_search import media_title_contains, text_contains
from core.base.database.manager.session import manage_session
from core.base.database.models.base import as_utc
from core.base.database.models.connection import ArrType, Connection
from core.base.database.models.event import Event, EventCreate, EventRead, EventType
from core.base.database.models.history import EventHistoryRead
from core.base.database.models.media import Media
from core.base.database.models.page import Page
from core.exceptions import NotFoundError

_EVENT = Event.metadata.tables["event"]
_INSERT_EVENT = insert(_EVENT).returning(*_EVENT.c)
_NEWEST_FIRST = (col(Event.created_at).desc(), col(Event.id).desc())


class EventSource(StrEnum):
    """Where an event's media comes from: its connection's *arr app, or a local root."""

    RADARR = ArrType.RADARR.value
    SONARR = ArrType.SONARR.value
    LOCAL = "local"


def _event_source_is(source: EventSource) -> ColumnElement[bool]:
    """The event's media comes from `source`; an event whose media is gone matches none.

    A subquery on the media (and its connection) keyed by the event's media_id, so the same
    condition serves the count and the page, on every engine.
    """
    media_of_source = select(Media.id)
    if source == EventSource.LOCAL:
        media_of_source = media_of_source.where(col(Media.connection_id).is_(None))
    else:
        media_of_source = media_of_source.join(
            Connection, col(Connection.id) == col(Media.connection_id)
        ).where(col(Connection.arr_type) == ArrType(source.value))
    return col(Event.media_id).in_(media_of_source)


def _with_title(event: Event, title: str | None, year: int | None) -> EventHistoryRead:
    """The event with its media's title and year; a removed media's is the title kept."""
    shown = title if title is not None else (event.media_title or "(removed media)")
    return EventHistoryRead.model_validate(event, update={"media_title": shown, "media_year": year})


def _event_text_contains(text: str) -> ColumnElement[bool]:
    """The event's media title (a removed media's: the one kept) or video id holds `text`."""
    return or_(
        media_title_contains(col(Event.media_id), text),
        text_contains(col(Event.media_title), text),
        text_contains(col(Event.video_id), text),
    )


class EventManager:
    """Reads and writes Event rows; returns Read models only."""

    def create(self, event_create: EventCreate, *, _session: Session | None = None) -> EventRead:
        """Log an event: one INSERT ... RETURNING in the session's transaction."""
        with manage_session(_session, write=True) as session:
            row = session.connection().execute(_INSERT_EVENT, event_create.model_dump()).one()
            return EventRead.model_validate(row, from_attributes=True)

    def record_media_removed(
        self, title: str, reason: str, *, _session: Session | None = None
    ) -> EventRead:
        """Log that a media was removed from the library; the event outlives the media.

        `title` is the media's "Title (Year)", kept in the event (its media_id is NULL, so
        that deleting the media does not take the event with it). `reason` says why (gone
        from Radarr, its folder gone from a local root...). Call it in the transaction that
        deletes the media.
        """
        return self.create(
            EventCreate(
                media_id=None,
                media_title=title,
                event_type=EventType.MEDIA_REMOVED,
                message=f"{title} was removed from the library: {reason}",
                reason=reason,
            ),
            _session=_session,
        )

    def delete_older_than(self, cutoff: datetime, *, _session: Session | None = None) -> int:
        """Delete the events created before `cutoff`, in one statement; how many."""
        with manage_session(_session, write=True) as session:
            result = session.connection().execute(
                _EVENT.delete().where(_EVENT.c.created_at < as_utc(cutoff))
            )
            return int(result.rowcount or 0)

    def read_for_media(self, media_id: int, *, _session: Session | None = None) -> list[EventRead]:
        """The media's events, newest first."""
        with manage_session(_session) as session:
            rows = session.exec(
                select(Event).where(Event.media_id == media_id).order_by(*_NEWEST_FIRST)
            ).all()
            return [EventRead.model_validate(e) for e in rows]

    def read_media_history(
        self,
        media_id: int,
        *,
        _session: Session | None = None,
    ) -> list[EventHistoryRead]:
        """The media's events with its title, newest first; NotFoundError for no media."""
        with manage_session(_session) as session:
            media = session.get(Media, media_id)
            if media is None:
                raise NotFoundError(f"Media {media_id} not found")
            rows = session.exec(
                select(Event).where(Event.media_id == media_id).order_by(*_NEWEST_FIRST)
            ).all()
            return [_with_title(e, media.title, media.year) for e in rows]

    def read_page(
        self,
        *,
        page: int = 1,
        page_size: int = 50,
        media_id: int | None = None,
        event_type: EventType | Collection[EventType] | None = None,
        source: EventSource | None = None,
        since: datetime | None = None,
        q: str | None = None,
        _session: Session | None = None,
    ) -> Page[EventHistoryRead]:
        """A page of every media's events, newest first, optionally filtered.

        `event_type` keeps the events of that type, or of any of several; an empty
        collection filters nothing. `source` keeps the events whose media comes from a
        Radarr or Sonarr connection, or from no connection (local); an event whose media is
        gone matches no source. `since` keeps the events created at or after it; a naive
        datetime is UTC. `q` keeps the events whose media title or video id contains it,
        ignoring case, every character taken literally; blank text filters nothing.
        """
        with manage_session(_session) as session:
            conditions: list[ColumnElement[bool]] = []
            if media_id is not None:
                conditions.append(col(Event.media_id) == media_id)
            if isinstance(event_type, str):  # one type (EventType is a str too)
                conditions.append(col(Event.event_type) == EventType(event_type))
            elif event_type:
                conditions.append(col(Event.event_type).in_(sorted(set(event_type))))
            if source is not None:
                conditions.append(_event_source_is(source))
            if since is not None:
                conditions.append(col(Event.created_at) >= as_utc(since))
            if q and q.strip():
                conditions.append(_event_text_contains(q))
            total = session.exec(select(func.count()).select_from(Event).where(*conditions)).one()
            rows = session.exec(
                select(Event, Media.title, Media.year)
                .outerjoin(Media, col(Media.id) == col(Event.media_id))
                .where(*conditions)
                .order_by(*_NEWEST_FIRST)
                .offset((page - 1) * page_size)
                .limit(page_size)
            ).all()
            return Page[EventHistoryRead](
                page=page,
                page_size=page_size,
                total=total,
                records=[_with_title(event, title, year) for event, title, year in rows],
            )

    def failed_video_ids(self, media_id: int, *, _session: Session | None = None) -> set[str]:
        """Source ids that failed for this media in a way that retrying cannot fix."""
        with manage_session(_session) as session:
            rows = session.exec(
                select(Event.video_id).where(
                    Event.media_id == media_id,
                    Event.event_type == EventType.DOWNLOAD_FAILED,
                    col(Event.source_failed).is_(True),
                    col(Event.video_id).is_not(None),
                )
            ).all()
            return {v for v in rows if v}
