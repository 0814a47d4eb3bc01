"""MediaDatabaseManager: media items and their download records."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Literal

from pydantic import TypeAdapter
from sqlalchemy import bindparam, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.base.database.engine import single_read
from core.base.database.manager.history_query import PRESENT
from core.base.database.manager.session import manage_session
from core.base.database.models.base import utc_now
from core.base.database.models.download import Download, DownloadCreate, DownloadRead
from core.base.database.models.media import (
    Media,
    MediaCreate,
    MediaRead,
    MediaSyncCreate,
    MediaSyncUpdate,
    MediaUpdate,
    MonitorStatus,
    derive_status,
)
from core.base.database.models.page import Page
from core.exceptions import NotFoundError

MediaSort = Literal["title", "year", "status", "added_at"]
SortOrder = Literal["asc", "desc"]


_DOWNLOAD_TABLE = Download.metadata.tables["download"]
_MEDIA_DOWNLOADS = (
    sa_select(*_DOWNLOAD_TABLE.columns)
    .select_from(Media)
    .outerjoin(_DOWNLOAD_TABLE, _DOWNLOAD_TABLE.c.media_id == col(Media.id))
    .where(col(Media.id) == bindparam("media_id"))
    .order_by(_DOWNLOAD_TABLE.c.added_at.desc(), _DOWNLOAD_TABLE.c.id.desc())
)
"""A media's download records, newest first; one row of NULLs for a media without any."""
_INSERT_DOWNLOAD = insert(_DOWNLOAD_TABLE).returning(*_DOWNLOAD_TABLE.c)
_DOWNLOAD_ROWS: TypeAdapter[list[DownloadRead]] = TypeAdapter(list[DownloadRead])


def _has_present_trailer(session: Session, media_id: int) -> bool:
    found = session.exec(
        select(Download.id).where(col(Download.media_id) == media_id, PRESENT).limit(1)
    ).first()
    return found is not None


def _refresh_status(
    session: Session, media: Media, *, in_flight: bool | None = None, new_trailer: bool = False
) -> MonitorStatus:
    assert media.id is not None
    flying = media.status == MonitorStatus.DOWNLOADING if in_flight is None else in_flight
    status = derive_status(
        in_flight=flying,
        present=_has_present_trailer(session, media.id),
        monitor=media.monitor,
    )
    if status == media.status and not new_trailer:
        return status
    now = utc_now()
    media.status = status
    media.updated_at = now
    if new_trailer:
        media.downloaded_at = now
    session.add(media)
    session.flush()
    return status


def _get_media(session: Session, media_id: int) -> Media:
    media = session.get(Media, media_id)
    if media is None:
        raise NotFoundError(f"Media {media_id} not found")
    return media


class MediaDatabaseManager:
    """Reads and writes Media and Download rows; returns Read models only."""

    def create(
        self, media_create: MediaCreate | MediaSyncCreate, *, _session: Session | None = None
    ) -> MediaRead:
        """Create a media item."""
        with manage_session(_session, write=True) as session:
            media = Media.model_validate(media_create)
            media.status = derive_status(in_flight=False, present=False, monitor=media.monitor)
            session.add(media)
            session.flush()
            return MediaRead.model_validate(media)

    def read(self, media_id: int, *, _session: Session | None = None) -> MediaRead:
        """The media item with this id; NotFoundError when there is none."""
        with manage_session(_session) as session:
            return MediaRead.model_validate(_get_media(session, media_id))

    def read_all(
        self,
        *,
        page: int = 1,
        page_size: int = 50,
        search: str | None = None,
        is_movie: bool | None = None,
        status: MonitorStatus | None = None,
        sort: MediaSort = "title",
        order: SortOrder = "asc",
        _session: Session | None = None,
    ) -> Page[MediaRead]:
        """A page of media, sorted (by title unless asked otherwise), optionally filtered.

        `search`: every word of it must be part of the title (ignoring case, any order).
        """
        with manage_session(_session) as session:
            query = select(Media)
            for word in (search or "").split():
                # Each word must be in the title, in any order: "tears steel" finds
                # "Tears of Steel". Every character is literal.
                escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                query = query.where(col(Media.title).ilike(f"%{escaped}%", escape="\\"))
            if is_movie is not None:
                query = query.where(Media.is_movie == is_movie)
            if status is not None:
                query = query.where(Media.status == status)
            total = session.exec(select(func.count()).select_from(query.subquery())).one()
            column = col(getattr(Media, sort))
            tie = col(Media.id)
            ordering = (column.desc(), tie.desc()) if order == "desc" else (column, tie)
            rows = session.exec(
                query.order_by(*ordering).offset((page - 1) * page_size).limit(page_size)
            ).all()
            return Page[MediaRead](
                page=page,
                page_size=page_size,
                total=total,
                records=[MediaRead.model_validate(m) for m in rows],
            )

    def update(
        self,
        media_id: int,
        media_update: MediaUpdate | MediaSyncUpdate,
        *,
        _session: Session | None = None,
    ) -> MediaRead:
        """Apply the fields that were sent (checked by core/library/media_service.py)."""
        with manage_session(_session, write=True) as session:
            media = _get_media(session, media_id)
            media.sqlmodel_update(media_update.model_dump(exclude_unset=True))
            media.updated_at = utc_now()
            session.add(media)
            session.flush()
            _refresh_status(session, media)  # "monitor" may have changed
            return MediaRead.model_validate(media)

    def find_by_folder(
        self, folder_path: str, *, exclude_id: int | None = None, _session: Session | None = None
    ) -> MediaRead | None:
        """A media (other than `exclude_id`) whose folder is exactly `folder_path`, or None."""
        with manage_session(_session) as session:
            query = select(Media).where(col(Media.folder_path) == folder_path)
            if exclude_id is not None:
                query = query.where(col(Media.id) != exclude_id)
            found = session.exec(query.order_by(col(Media.id)).limit(1)).first()
            return MediaRead.model_validate(found) if found is not None else None

    def read_in_folder(self, folder: str, *, _session: Session | None = None) -> list[MediaRead]:
        """The media whose folder lies inside the normalised `folder` (not the folder itself)."""
        with manage_session(_session) as session:
            prefix = folder.rstrip("/") + "/"
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = session.exec(
                select(Media)
                .where(col(Media.folder_path).like(f"{escaped}%", escape="\\"))
                .order_by(col(Media.id))
            ).all()
            # LIKE ignores the case of ASCII letters on SQLite; paths do not.
            return [MediaRead.model_validate(m) for m in rows if m.folder_path.startswith(prefix)]

    def set_monitor(
        self, media_ids: list[int], monitor: bool, *, _session: Session | None = None
    ) -> int:
        """Set `monitor` on the media of `media_ids` that exist, their status refreshed.

        Returns how many media exist among the ids (changed or already so); unknown ids are
        left out.
        """
        with manage_session(_session, write=True) as session:
            found = session.exec(
                select(Media).where(col(Media.id).in_(set(media_ids))).order_by(col(Media.id))
            ).all()
            now = utc_now()
            for media in found:
                if media.monitor != monitor:
                    media.monitor = monitor
                    media.updated_at = now
                    session.add(media)
            session.flush()
            for media in found:
                _refresh_status(session, media)
            return len(found)

    def refresh_status(
        self,
        media_id: int,
        *,
        in_flight: bool | None = None,
        new_trailer: bool = False,
        _session: Session | None = None,
    ) -> MonitorStatus:
        """Set the media's status by `derive_status` from its records; the one place it is set.

        `in_flight`: whether a download for it is running now; None keeps what the stored
        status says (a download that a task cannot see stays "downloading"). With
        `new_trailer`, `downloaded_at` is set to now: a trailer was just recorded.
        """
        with manage_session(_session, write=True) as session:
            return _refresh_status(
                session, _get_media(session, media_id), in_flight=in_flight, new_trailer=new_trailer
            )

    def read_in_flight(self, *, _session: Session | None = None) -> list[MediaRead]:
        """The media whose stored status says a download is running."""
        with manage_session(_session) as session:
            rows = session.exec(
                select(Media)
                .where(col(Media.status) == MonitorStatus.DOWNLOADING)
                .order_by(col(Media.id))
            ).all()
            return [MediaRead.model_validate(m) for m in rows]

    def delete(self, media_id: int, *, _session: Session | None = None) -> list[DownloadRead]:
        """Delete the media item; its download records go with it (ON DELETE CASCADE).

        Returns the download records it had, so that the caller can remove their files.
        """
        with manage_session(_session, write=True) as session:
            media = _get_media(session, media_id)
            downloads = self.read_downloads(media_id, _session=session)
            session.delete(media)
            session.flush()
            return downloads

    def create_download(
        self,
        download_create: DownloadCreate,
        *,
        _session: Session | None = None,
    ) -> None:
        """Create a new download object in the database.\n
        Args:
            download_create (DownloadCreate): The download object to create.\n
            _session (Session, Optional): A session to use for the database connection.\n
                Default is None, in which case a new session will be created.\n
        Returns:
            None
        """
        with manage_session(_session, write=True) as session:
            self.create_download_record(download_create, _session=session)

    def create_download_record(
        self,
        download_create: DownloadCreate,
        *,
        _session: Session | None = None,
    ) -> DownloadRead:
        """Like `create_download`, returning the record made.

        One INSERT ... RETURNING in the session's transaction, without an ORM object: this
        is part of recording every download.
        """
        with manage_session(_session, write=True) as session:
            values = download_create.model_dump(exclude={"id"})
            row = session.connection().execute(_INSERT_DOWNLOAD, values).one()
            return DownloadRead.model_validate(row, from_attributes=True)

    def read_downloads(
        self,
        media_id: int,
        *,
        _session: Session | None = None,
    ) -> list[DownloadRead]:
        """The media's download records, newest first; NotFoundError for an unknown media.

        The media page's hot path: one statement (the media LEFT JOIN its records, so that
        an unknown media and a media without records differ), plain rows, no ORM objects.
        """
        reading = nullcontext(_session.connection()) if _session is not None else single_read()
        with reading as connection:
            rows = connection.execute(_MEDIA_DOWNLOADS, {"media_id": media_id}).all()
        if not rows:
            raise NotFoundError(f"Media {media_id} not found")
        records = [row for row in rows if row.id is not None]
        return _DOWNLOAD_ROWS.validate_python(records, from_attributes=True)
