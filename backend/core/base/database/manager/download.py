"""DownloadManager: the download history across all media, and what the user does with it."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app_logger import ModuleLogger
from core.base.database.engine import read_session
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.history_query import (
    after_key,
    history_count,
    history_select,
    prefer_sort_index,
    row_to_history,
    rows_to_history,
    skip_index,
)
from core.base.database.manager.session import manage_session
from core.base.database.models.base import utc_now
from core.base.database.models.download import DeletedReason, Download
from core.base.database.models.event import EventCreate, EventType
from core.base.database.models.history import (
    CountBucket,
    DownloadHistoryRead,
    DownloadStats,
    HistoryQuery,
    HistorySort,
    ProfileBucket,
)
from core.base.database.models.media import Media
from core.base.database.models.page import Page
from core.base.database.models.trailerprofile import TrailerProfile
from core.download import trailer_file
from core.exceptions import ConflictError, NotFoundError

logger = ModuleLogger("DownloadManager")

_ABSENT = col(Download.file_exists).is_(False)
_ABSENT_MEDIA = (
    select(col(Download.media_id).label("media_id"))
    .where(_ABSENT)
    .group_by(col(Download.media_id))
    .subquery("absent_media")
)

EXPORT_BATCH_SIZE = 1000


def _get(session: Session, download_id: int) -> Download:
    download = session.get(Download, download_id)
    if download is None:
        raise NotFoundError(f"Download {download_id} not found")
    return download


def _read_one(session: Session, download_id: int) -> DownloadHistoryRead:
    row = (
        session.execute(history_select(HistoryQuery()).where(col(Download.id) == download_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(f"Download {download_id} not found")
    return row_to_history(row)


def _inside(path: str, folder: str) -> bool:
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def _present_owner(session: Session, download: Download) -> int | None:
    """The id of another present record with the same path: the file is that one's."""
    return session.exec(
        select(Download.id)
        .where(
            col(Download.path) == download.path,
            col(Download.id) != download.id,
            col(Download.file_exists).is_(True),
        )
        .limit(1)
    ).first()


def _remove_file(session: Session, download: Download, media: Media) -> str:
    """Delete the record's trailer file; returns what happened, for the event message.

    Raises ConflictError when the file is there but cannot be removed: outside the media
    folder, or refused by the file system.
    """
    path = download.path
    owner = _present_owner(session, download)
    if owner is not None:
        return f"the file {path} was kept: it is the trailer of download {owner}"
    if not Path(path).exists():
        return f"the file {path} was already gone"
    if not _inside(path, media.folder_path):
        raise ConflictError(
            f"Not deleting {path}: it is outside the media folder {media.folder_path}"
        )
    trailer_file.delete_files([path], within=media.folder_path)
    if Path(path).exists():
        raise ConflictError(f"Could not delete {path}; the server log has the reason")
    return f"the file {path} was deleted"


def _batches_by_ids(query: HistoryQuery, batch_size: int) -> Iterator[list[DownloadHistoryRead]]:
    ordered = history_select(query).with_only_columns(col(Download.id))
    with read_session() as session:
        ids = array("q", session.execute(ordered).scalars().all())
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size].tolist()
        with read_session() as session:
            rows = (
                session.execute(history_select(query).where(col(Download.id).in_(chunk)))
                .mappings()
                .all()
            )
        yield rows_to_history(rows)


def _present_counts(session: Session, column: Any) -> Counter[Any]:
    """Present records per value of `column`: all of them minus the absent ones.

    Counting all records walks the column's index alone; filtering on `file_exists` would
    look up every row. The absent records are usually few, and found by their index.
    """
    counts: Counter[Any] = Counter(
        dict(session.exec(select(column, func.count()).group_by(column)).all())
    )
    counts.subtract(
        dict(session.exec(select(column, func.count()).where(_ABSENT).group_by(column)).all())
    )
    return +counts  # drops the values left with no present record


def _buckets(counts: Counter[Any]) -> list[CountBucket]:
    return [CountBucket(key=key, count=n) for key, n in _most_first(counts)]


def _most_first(counts: Counter[Any]) -> list[tuple[Any, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


class DownloadManager:
    """The history of every recorded trailer; returns Read models only."""

    def read(self, download_id: int, *, _session: Session | None = None) -> DownloadHistoryRead:
        """The record with its media and profile; NotFoundError when there is none."""
        with manage_session(_session) as session:
            return _read_one(session, download_id)

    def read_page(
        self,
        query: HistoryQuery,
        *,
        page: int = 1,
        page_size: int = 50,
        _session: Session | None = None,
    ) -> Page[DownloadHistoryRead]:
        """One page of the history and the number of records across all pages."""
        with manage_session(_session) as session:
            total = session.exec(history_count(query)).one()
            offset = (page - 1) * page_size
            table_size = session.exec(select(func.max(Download.id))).one() or 0
            scan = prefer_sort_index(
                query, matching=total, window=offset + page_size, table_size=table_size
            )
            stmt = history_select(query, scan_sort_index=scan).offset(offset).limit(page_size)
            rows = session.execute(stmt).mappings().all()
            return Page[DownloadHistoryRead](
                page=page,
                page_size=page_size,
                total=total,
                records=rows_to_history(rows),
            )

    def iter_history(
        self, query: HistoryQuery, *, batch_size: int = EXPORT_BATCH_SIZE
    ) -> Iterator[DownloadHistoryRead]:
        """Every record `query` selects, in its order (see `iter_history_batches`)."""
        for batch in self.iter_history_batches(query, batch_size=batch_size):
            yield from batch

    def iter_history_batches(
        self, query: HistoryQuery, *, batch_size: int = EXPORT_BATCH_SIZE
    ) -> Iterator[list[DownloadHistoryRead]]:
        """Every record `query` selects, in its order, `batch_size` at a time.

        Each batch is read in a short read transaction of its own, so that a slow consumer
        (a streamed export) holds neither the rows nor a transaction. Indexed sort keys
        page by keyset (key, id). The resolution order has no index, so every keyset batch
        would sort the whole table again: its ids are read once, in order, and the rows
        fetched by id (8 bytes per record held).
        """
        with read_session() as session:
            matching = session.exec(history_count(query)).one()
            table_size = session.exec(select(func.max(Download.id))).one() or 0
        if not matching:
            return
        if query.sort == HistorySort.RESOLUTION:
            yield from _batches_by_ids(query, batch_size)
            return
        scan = prefer_sort_index(query, matching=matching, window=batch_size, table_size=table_size)
        last: tuple[Any, int] | None = None
        while True:
            stmt = history_select(query, with_sort_key=True, scan_sort_index=scan)
            if last is not None:
                stmt = stmt.where(after_key(query, *last))
            with read_session() as session:
                rows = session.execute(stmt.limit(batch_size)).mappings().all()
            if rows:
                yield rows_to_history(rows)
            if len(rows) < batch_size:
                return
            last = (rows[-1]["sort_key"], rows[-1]["id"])

    def stats(self, *, _session: Session | None = None) -> DownloadStats:
        """Totals of the history. The `by_*` lists count present files only, most first.

        Present figures are taken as "all records" (index-only scans) minus "absent
        records" (few, found through the `file_exists` index).
        """
        with manage_session(_session) as session:
            session = session
            total, size_total, media_recorded = session.exec(
                select(
                    func.count(),
                    func.coalesce(func.sum(Download.size), 0),
                    func.count(func.distinct(Download.media_id)),
                )
            ).one()
            absent, size_absent = session.exec(
                select(func.count(), func.coalesce(func.sum(Download.size), 0)).where(_ABSENT)
            ).one()
            # Media whose records are all absent: some absent record, no present one.
            present_too = select(Download.id).where(
                col(Download.media_id) == _ABSENT_MEDIA.c.media_id,
                skip_index(col(Download.file_exists)).is_(True),
            )
            media_all_absent = session.exec(
                select(func.count()).select_from(_ABSENT_MEDIA).where(~present_too.exists())
            ).one()
            media_total = session.exec(select(func.count()).select_from(Media)).one()
            by_profile = _most_first(_present_counts(session, col(Download.profile_id)))
            names = dict(
                session.exec(
                    select(TrailerProfile.id, TrailerProfile.name).where(
                        col(TrailerProfile.id).in_([pid for pid, _ in by_profile])
                    )
                ).all()
            )
            media_with = media_recorded - media_all_absent
            return DownloadStats(
                downloads_total=total,
                downloads_present=total - absent,
                total_size_present=size_total - size_absent,
                by_resolution=_buckets(_present_counts(session, col(Download.resolution))),
                by_video_format=_buckets(_present_counts(session, col(Download.video_format))),
                by_audio_format=_buckets(_present_counts(session, col(Download.audio_format))),
                by_file_format=_buckets(_present_counts(session, col(Download.file_format))),
                by_profile=[
                    ProfileBucket(profile_id=pid, profile_name=names.get(pid), count=n)
                    for pid, n in by_profile
                ],
                media_total=media_total,
                media_with_trailer=media_with,
                media_without_trailer=media_total - media_with,
            )

    def delete(
        self,
        download_id: int,
        *,
        purge: bool = False,
        _session: Session | None = None,
    ) -> DownloadHistoryRead | None:
        """Delete the record's trailer file and mark the record deleted by the user.

        The file is removed only when the record says it is present, it lies inside the
        media's folder and no other present record has the same path; a file that should
        go but cannot is a ConflictError, and nothing changes. A record already deleted or
        replaced is returned unchanged, without a second event.
        With `purge` the record itself is removed too (its events keep a NULL
        download_id; a file that cannot be removed is kept and the event says so) and None
        is returned. The media's status follows.
        """
        with manage_session(_session, write=True) as session:
            download = _get(session, download_id)
            media_id = download.media_id
            media = session.get(Media, media_id)
            assert media_id is not None and media is not None  # NOT NULL, ON DELETE CASCADE
            already_gone = not download.file_exists and download.deleted_reason in {
                DeletedReason.DELETED_BY_USER,
                DeletedReason.REPLACED,
            }
            if already_gone and not purge:
                return _read_one(session, download_id)

            if not download.file_exists:
                outcome = f"the file {download.path} was already gone"
            elif purge:
                # Forgetting the record must stay possible when its file cannot be removed.
                try:
                    outcome = _remove_file(session, download, media)
                except ConflictError as exc:
                    outcome = f"the file was kept: {exc.detail}"
            else:
                outcome = _remove_file(session, download, media)
            events = EventManager()
            if purge:
                session.delete(download)
                session.flush()
                events.create(
                    EventCreate(
                        media_id=media_id,
                        event_type=EventType.DELETED,
                        reason=DeletedReason.DELETED_BY_USER,
                        video_id=download.youtube_id,
                        message=f"Download record {download_id} ({download.file_name}) "
                        f"was purged; {outcome}",
                    ),
                    _session=session,
                )
            else:
                download.file_exists = False
                download.deleted_reason = DeletedReason.DELETED_BY_USER
                download.deleted_at = utc_now()
                session.add(download)
                session.flush()
                events.create(
                    EventCreate(
                        media_id=media_id,
                        download_id=download_id,
                        event_type=EventType.DELETED,
                        reason=DeletedReason.DELETED_BY_USER,
                        video_id=download.youtube_id,
                        message=f"Trailer deleted by the user: {outcome}",
                    ),
                    _session=session,
                )
            MediaDatabaseManager().sync_trailer_status(media_id, _session=session)
            return None if purge else _read_one(session, download_id)

    def replace(
        self,
        old_id: int,
        *,
        media_id: int,
        new_path: str,
        _session: Session | None = None,
    ) -> bool:
        """Retire record `old_id` now that a newer trailer at `new_path` is recorded.

        The old file is deleted and the old record marked "replaced", with an event. Nothing
        happens (False) when the new record is not found, when the old record belongs to
        another media, or when its file is already gone. An old file outside the media
        folder, or one that cannot be removed, is kept and the old record left present.
        """
        with manage_session(_session, write=True) as session:
            old = session.get(Download, old_id)
            if old is None or old.media_id != media_id:
                logger.warning(
                    f"Not replacing download {old_id}: no such record for media {media_id}"
                )
                return False
            new_id = session.exec(
                select(Download.id)
                .where(
                    col(Download.media_id) == media_id,
                    col(Download.path) == new_path,
                    col(Download.file_exists).is_(True),
                    col(Download.id) != old_id,
                )
                .order_by(col(Download.id).desc())
                .limit(1)
            ).first()
            if new_id is None:
                logger.warning(f"Not replacing download {old_id}: the new trailer was not recorded")
                return False
            if not old.file_exists:
                return False
            media = session.get(Media, media_id)
            assert media is not None
            if Path(old.path).resolve() == Path(new_path).resolve():
                outcome = "the new trailer took its file name"
            else:
                try:
                    outcome = _remove_file(session, old, media)
                except ConflictError as exc:
                    logger.warning(f"Download {old_id} not replaced: {exc.detail}")
                    return False
            old.file_exists = False
            old.deleted_reason = DeletedReason.REPLACED
            old.deleted_at = utc_now()
            session.add(old)
            session.flush()
            EventManager().create(
                EventCreate(
                    media_id=media_id,
                    download_id=old_id,
                    event_type=EventType.DELETED,
                    reason=DeletedReason.REPLACED,
                    video_id=old.youtube_id,
                    message=f"Trailer replaced by download {new_id}: {outcome}",
                ),
                _session=session,
            )
            MediaDatabaseManager().sync_trailer_status(media_id, _session=session)
            return True
