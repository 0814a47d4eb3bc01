"""ArrSyncManager: the bulk reads and writes of a Radarr/Sonarr sync.

A sync compares thousands of media at once, so every method here is one statement (or
one per chunk of ids) for all of them: no query per media. The caller passes one write
session for the whole sync and commits it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import delete, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core.base.database.manager.history_query import PRESENT
from core.base.database.manager.session import manage_session
from core.base.database.models.download import Download
from core.base.database.models.media import Media, MonitorStatus

CHUNK = 500
"""Ids per IN (...) list: well under SQLite's limit of bound parameters."""

SYNCED_FIELDS = (
    "title",
    "year",
    "is_movie",
    "folder_path",
    "imdb_id",
    "tmdb_id",
    "tvdb_id",
    "youtube_trailer_id",
    "media_exists",
    "poster_url",
    "monitor",
)
"""The media fields a sync sets from the *arr app."""


class SyncedMedia(NamedTuple):
    """A media row as the sync compares it (a row shape, not an API model)."""

    id: int
    arr_id: int | None
    connection_id: int | None
    status: MonitorStatus
    title: str
    year: int
    is_movie: bool
    folder_path: str
    imdb_id: str | None
    tmdb_id: str | None
    tvdb_id: str | None
    youtube_trailer_id: str | None
    media_exists: bool
    poster_url: str | None
    monitor: bool


_COLUMNS = (
    col(Media.id),
    col(Media.arr_id),
    col(Media.connection_id),
    col(Media.status),
    *(col(getattr(Media, name)) for name in SYNCED_FIELDS),
)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


class ArrSyncManager:
    """Bulk statements over media for the sync; pure data access."""

    def read_connection_media(
        self, connection_id: int, *, _session: Session | None = None
    ) -> list[SyncedMedia]:
        """Every media of the connection."""
        with manage_session(_session) as session:
            rows = session.execute(
                sa_select(*_COLUMNS).where(col(Media.connection_id) == connection_id)
            ).all()
            return [SyncedMedia(*row) for row in rows]

    def read_other_media(
        self, connection_id: int, *, _session: Session | None = None
    ) -> list[SyncedMedia]:
        """Every media that is not the connection's (for folders taken by another media)."""
        with manage_session(_session) as session:
            rows = session.execute(
                sa_select(*_COLUMNS).where(
                    (col(Media.connection_id) != connection_id) | col(Media.connection_id).is_(None)
                )
            ).all()
            return [SyncedMedia(*row) for row in rows]

    def with_present_trailer(
        self, media_ids: Sequence[int], *, _session: Session | None = None
    ) -> set[int]:
        """The ids among `media_ids` that have a recorded trailer present on disk."""
        found: set[int] = set()
        with manage_session(_session) as session:
            for chunk in _chunks(media_ids):
                rows = session.execute(
                    sa_select(col(Download.media_id))
                    .where(col(Download.media_id).in_(chunk), PRESENT)
                    .distinct()
                ).all()
                found.update(row[0] for row in rows)
        return found

    def insert_many(
        self, rows: Sequence[dict[str, Any]], *, _session: Session | None = None
    ) -> int:
        """Insert media rows (each with every column it needs); how many."""
        if not rows:
            return 0
        with manage_session(_session, write=True) as session:
            session.execute(insert(Media), list(rows))
        return len(rows)

    def update_many(
        self, rows: Sequence[dict[str, Any]], *, _session: Session | None = None
    ) -> int:
        """Update media by primary key; each row holds `id` and the columns that change."""
        if not rows:
            return 0
        with manage_session(_session, write=True) as session:
            session.execute(update(Media), list(rows))
        return len(rows)

    def delete_many(self, media_ids: Sequence[int], *, _session: Session | None = None) -> int:
        """Delete media by id; their download records and events go with them (CASCADE)."""
        deleted = 0
        with manage_session(_session, write=True) as session:
            for chunk in _chunks(media_ids):
                result = session.execute(
                    delete(Media).where(col(Media.id).in_(chunk)),
                    execution_options={"synchronize_session": False},
                )
                deleted += int(getattr(result, "rowcount", 0) or 0)
        return deleted
