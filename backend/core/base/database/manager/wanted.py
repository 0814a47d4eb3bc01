"""WantedManager: what the download-missing engine reads (in bulk) and its failed attempts."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.base.database.manager.session import manage_session
from core.base.database.models.base import as_utc
from core.base.database.models.download import Download
from core.base.database.models.media import Media, MonitorStatus
from core.base.database.models.wanted import WantedFailure, WantedFailureRead


class WantedMedia(NamedTuple):
    """The fields of a monitored media that the engine plans with (a plain row: 20,000 of
    them are read for each plan)."""

    id: int
    title: str
    year: int
    is_movie: bool
    connection_id: int | None
    status: MonitorStatus
    trailer_url: str | None
    youtube_trailer_id: str | None


_MEDIA_COLUMNS = tuple(col(getattr(Media, name)) for name in WantedMedia._fields)


class WantedManager:
    """Bulk reads for planning, and the failure rows; returns Read models only."""

    def monitored_media(self, *, _session: Session | None = None) -> list[WantedMedia]:
        """Every monitored media, by title then id (one statement)."""
        with manage_session(_session) as session:
            rows = session.connection().execute(
                sa_select(*_MEDIA_COLUMNS)
                .where(col(Media.monitor).is_(True))
                .order_by(col(Media.title), col(Media.id))
            )
            return [
                WantedMedia(
                    id=row[0],
                    title=row[1],
                    year=row[2],
                    is_movie=bool(row[3]),
                    connection_id=row[4],
                    status=MonitorStatus(row[5]),
                    trailer_url=row[6],
                    youtube_trailer_id=row[7],
                )
                for row in rows
            ]

    def present_pairs(self, *, _session: Session | None = None) -> set[tuple[int, int]]:
        """(media_id, profile_id) of every present trailer on record."""
        with manage_session(_session) as session:
            rows = session.connection().execute(
                sa_select(col(Download.media_id), col(Download.profile_id))
                .where(col(Download.file_exists).is_(True))
                .distinct()
            )
            return {
                (media_id, profile_id)
                for media_id, profile_id in rows
                if media_id is not None  # a record always has its media; for the type
            }

    def failures(
        self, *, _session: Session | None = None
    ) -> dict[tuple[int, int], WantedFailureRead]:
        with manage_session(_session) as session:
            rows = session.exec(select(WantedFailure)).all()
            return {
                (r.media_id, r.profile_id): WantedFailureRead.model_validate(r.model_dump())
                for r in rows
            }

    def record_failure(
        self,
        media_id: int,
        profile_id: int,
        error: str,
        *,
        at: datetime,
        next_attempt_at: datetime,
        _session: Session | None = None,
    ) -> WantedFailureRead:
        """Count one more failure in a row for (media, profile), with when to try again."""
        with manage_session(_session, write=True) as session:
            row = session.exec(
                select(WantedFailure).where(
                    col(WantedFailure.media_id) == media_id,
                    col(WantedFailure.profile_id) == profile_id,
                )
            ).one_or_none()
            if row is None:
                row = WantedFailure(
                    media_id=media_id,
                    profile_id=profile_id,
                    attempts=0,
                    last_error=error,
                    next_attempt_at=next_attempt_at,
                )
            row.attempts += 1
            row.last_error = error[:2000]
            row.last_attempt_at = as_utc(at)
            row.next_attempt_at = as_utc(next_attempt_at)
            session.add(row)
            session.flush()
            return WantedFailureRead.model_validate(row.model_dump())

    def clear_failure(
        self, media_id: int, profile_id: int, *, _session: Session | None = None
    ) -> None:
        """A trailer from this profile arrived: forget the failures."""
        with manage_session(_session, write=True) as session:
            session.connection().execute(
                delete(WantedFailure).where(
                    col(WantedFailure.media_id) == media_id,
                    col(WantedFailure.profile_id) == profile_id,
                )
            )
