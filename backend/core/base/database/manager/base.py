"""MediaDatabaseManager: media items and their download records."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Literal

from pydantic import TypeAdapter
from sqlalchemy import bindparam, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.base.database.engine import single_read
from core.base.database.manager.session import manage_session
from core.base.database.models.base import utc_now
from core.base.database.models.download import Download, DownloadCreate, DownloadRead
from core.base.database.models.media import (
    Media,
    MediaCreate,
    MediaRead,
    MediaUpdate,
    MonitorStatus,
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


def _get_media(session: Session, media_id: int) -> Media:
    media = session.get(Media, media_id)
    if media is None:
        raise NotFoundError(f"Media {media_id} not found")
    return media


class MediaDatabaseManager:
    """Reads and writes Media and Download rows; returns Read models only."""

    def create(self, media_create: MediaCreate, *, _session: Session | None = None) -> MediaRead:
        """Create a media item."""
        with manage_session(_session, write=True) as session:
            media = Media.model_validate(media_create)
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
        """A page of media, sorted (by title unless asked otherwise), optionally filtered."""
        with manage_session(_session) as session:
            query = select(Media)
            if search:
                escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
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
        media_update: MediaUpdate,
        *,
        _session: Session | None = None,
    ) -> MediaRead:
        """Apply the fields that were sent."""
        with manage_session(_session, write=True) as session:
            media = _get_media(session, media_id)
            media.sqlmodel_update(media_update.model_dump(exclude_unset=True))
            media.updated_at = utc_now()
            session.add(media)
            session.flush()
            return MediaRead.model_validate(media)

    def update_status(
        self,
        media_id: int,
        status: MonitorStatus,
        *,
        touch_downloaded_at: bool = True,
        _session: Session | None = None,
    ) -> MediaRead:
        """Set the media's status; `downloaded_at` is set when it becomes downloaded
        (unless `touch_downloaded_at` is False: a status put back, not a new trailer)."""
        with manage_session(_session, write=True) as session:
            media = _get_media(session, media_id)
            media.status = status
            now = utc_now()
            media.updated_at = now
            if status == MonitorStatus.DOWNLOADED and touch_downloaded_at:
                media.downloaded_at = now
            session.add(media)
            session.flush()
            return MediaRead.model_validate(media)

    def sync_trailer_status(
        self,
        media_id: int,
        *,
        download_ended: bool = False,
        _session: Session | None = None,
    ) -> MonitorStatus:
        """Make the media's status agree with its trailer files on record.

        With a recorded trailer present on disk it is "downloaded"; a "downloaded" media
        without one goes back to "missing". A running download ("downloading") is left as
        it is, unless `download_ended` says that it has just ended without a new trailer:
        then the status is "downloaded" or "missing" by the files on record at that moment
        (not by what they were when the download started). A "monitored" media without a
        trailer is left as it is.
        """
        with manage_session(_session, write=True) as session:
            media = _get_media(session, media_id)
            present = session.exec(
                select(func.count())
                .select_from(Download)
                .where(Download.media_id == media_id, col(Download.file_exists).is_(True))
            ).one()
            status = MonitorStatus(media.status)
            if status == MonitorStatus.DOWNLOADING and download_ended:
                media.status = MonitorStatus.DOWNLOADED if present else MonitorStatus.MISSING
            elif status == MonitorStatus.DOWNLOADING:
                return status
            elif present and status != MonitorStatus.DOWNLOADED:
                media.status = MonitorStatus.DOWNLOADED
            elif not present and status == MonitorStatus.DOWNLOADED:
                media.status = MonitorStatus.MISSING
            else:
                return status
            media.updated_at = utc_now()
            session.add(media)
            session.flush()
            return MonitorStatus(media.status)

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
