"""DownloadManager: the download history across all media, and what the user does with it."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from typing import Any

import msgspec
from sqlalchemy import Row, Select, func
from sqlmodel import Session, col, select

from core.base.database.engine import get_engine, single_read
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.history_export import (
    EXPORT_FIELDS,
    RowKey,
    export_record_key,
    export_record_select,
    export_row_key,
    export_select,
)
from core.base.database.manager.history_query import (
    PRESENT,
    after_key,
    history_count,
    history_page_select,
    history_select,
    prefer_sort_index,
    row_to_history,
    rows_to_history,
    skip_index,
)
from core.base.database.manager.history_ranges import record_readers
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
from core.base.database.read_processes import BatchReaders
from core.base.utils.csv_rows import CsvRules, csv_text
from core.exceptions import NotFoundError

_ABSENT = col(Download.file_exists).is_(False)
_ABSENT_MEDIA = (
    select(col(Download.media_id).label("media_id"))
    .where(_ABSENT)
    .group_by(col(Download.media_id))
    .subquery("absent_media")
)

EXPORT_BATCH_SIZE = 1000

_JSONRecord = msgspec.defstruct("HistoryRecord", EXPORT_FIELDS, gc=False)
"""A row as msgspec writes an object: its values, in order, under the fields' names.

A tuple with names, built positionally with no validation or conversion (the values are
JSON's already; no cycles, so the garbage collector need not track it): about a fifth of
the time of a dict of the same pairs, and encoded faster.
"""


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


def _media_of(download: Download) -> int:
    assert download.media_id is not None  # NOT NULL, ON DELETE CASCADE
    return download.media_id


def _history_batches(
    query: HistoryQuery,
    statement: Callable[[bool], Select[Any]],
    key_of: RowKey | None,
    batch_size: int,
) -> Iterator[Sequence[Row[Any]]]:
    """The rows of `statement` (the history's SELECT for `query` with the columns of the
    caller's choice; its argument is `scan_sort_index`), in order, `batch_size` at a time.

    Each batch is one statement on a connection of its own (`single_read`), given back
    before the batch is yielded: a slow consumer (a streamed export) holds neither the rows
    nor a transaction, and one that stops (a client gone) stops the reading. Indexed sort
    keys page by keyset (key, id), `key_of` giving a row's. The resolution order has no
    index (and `key_of` may be None), so every keyset batch would sort the whole table
    again: its ids are read once, in order, and the rows fetched by id (8 bytes per record
    held).
    """
    with single_read() as connection:
        matching = connection.execute(history_count(query)).scalar_one()
        table_size = connection.execute(select(func.max(Download.id))).scalar() or 0
    if not matching:
        return
    if query.sort == HistorySort.RESOLUTION:
        yield from _batches_by_ids(query, statement(False), batch_size)
        return
    scan = prefer_sort_index(query, matching=matching, window=batch_size, table_size=table_size)
    stmt = statement(scan)
    last: tuple[Any, int] | None = None
    while True:
        page = stmt if last is None else stmt.where(after_key(query, *last))
        with single_read() as connection:
            rows = connection.execute(page.limit(batch_size)).all()
        if rows:
            yield rows
        if len(rows) < batch_size:
            return
        assert key_of is not None  # every order but resolution's has one
        last = key_of(rows[-1])


def _batches_by_ids(
    query: HistoryQuery, stmt: Select[Any], batch_size: int
) -> Iterator[Sequence[Row[Any]]]:
    ordered: Select[int] = history_select(query).with_only_columns(col(Download.id))
    with single_read() as connection:
        ids = array("q", connection.execute(ordered).scalars().all())
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size].tolist()
        with single_read() as connection:
            rows = connection.execute(stmt.where(col(Download.id).in_(chunk))).all()
        yield rows


def _read_by_workers(readers: BatchReaders, batches: Iterator[bytes]) -> Iterator[bytes]:
    with closing(readers):
        # A range may have lost its records to a removal since its bounds were read.
        yield from (batch for batch in batches if batch)


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
            stmt = history_page_select(query, offset=offset, limit=page_size, scan_sort_index=scan)
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
        """Every record `query` selects, in its order, `batch_size` at a time (see
        `_history_batches`: one short read per batch)."""

        def statement(scan: bool) -> Select[Any]:
            return history_select(query, with_sort_key=True, scan_sort_index=scan)

        def key_of(row: Any) -> tuple[Any, int]:
            return row.sort_key, row.id

        for rows in _history_batches(query, statement, key_of, batch_size):
            yield rows_to_history(row._mapping for row in rows)

    def iter_export_rows(
        self,
        query: HistoryQuery,
        fields: Sequence[str] = EXPORT_FIELDS,
        *,
        batch_size: int | None = None,
    ) -> Iterator[Sequence[Sequence[Any]]]:
        """Every record `query` selects as a plain row of `fields`, in order, in batches.

        The export's read path: no model per record. Each value is the field's JSON value
        (`history_export.export_select`: datetimes as ISO 8601 UTC text); `fields` must
        include `id` and the sort key's field. Batches as `iter_history_batches` (default
        size: EXPORT_BATCH_SIZE).
        """

        def statement(scan: bool) -> Select[Any]:
            return export_select(query, fields, scan_sort_index=scan)

        size = EXPORT_BATCH_SIZE if batch_size is None else batch_size
        yield from _history_batches(query, statement, export_row_key(query, fields), size)

    def iter_export_json(
        self, query: HistoryQuery, *, batch_size: int | None = None
    ) -> Generator[bytes]:
        """Every record `query` selects as a JSON object, in order: each batch's objects as
        UTF-8 text, separated by commas (the inside of a JSON array).

        The JSON export's read path; batches as `iter_export_rows`. On SQLite the database
        writes each record (`history_export.json_record`) and Python only joins them: one
        value per record instead of 25; a large unfiltered export is read by a worker
        process and the server at once (`history_ranges`). PostgreSQL's JSON functions
        cost more than the rows' encoding here (7.6 s against 5.5 s at 200,000 records,
        docs/benchmarks.md), so its rows are encoded by msgspec.
        """
        size = EXPORT_BATCH_SIZE if batch_size is None else batch_size
        if get_engine().dialect.name != "sqlite":
            for rows in self.iter_export_rows(query, EXPORT_FIELDS, batch_size=size):
                # Each batch encodes as an array of its own: keep what is between the brackets.
                yield msgspec.json.encode([_JSONRecord(*row) for row in rows])[1:-1]
            return

        in_processes = record_readers(query, size)
        if in_processes is not None:
            yield from _read_by_workers(*in_processes)
            return

        def statement(scan: bool) -> Select[Any]:
            return export_record_select(query, scan_sort_index=scan)

        for rows in _history_batches(query, statement, export_record_key(query), size):
            yield ",".join([row[0] for row in rows]).encode()

    def iter_export_csv(
        self,
        query: HistoryQuery,
        fields: Sequence[str],
        rules: CsvRules,
        *,
        batch_size: int | None = None,
    ) -> Generator[bytes]:
        """Every record `query` selects as CSV lines of `fields` (UTF-8, CRLF line ends,
        cells as `rules` say), in order, a batch at a time.

        The CSV export's read path: the rows of `iter_export_rows`, written by
        `csv_rows.csv_text`; a large unfiltered export on SQLite is read by a worker
        process and the server at once (`history_ranges`), its lines written by SQLite
        (`history_export.csv_line`, the same bytes).
        """
        size = EXPORT_BATCH_SIZE if batch_size is None else batch_size
        in_processes = record_readers(query, size, csv=(fields, rules))
        if in_processes is not None:
            yield from _read_by_workers(*in_processes)
            return
        for rows in self.iter_export_rows(query, fields, batch_size=size):
            yield csv_text(rows, rules).encode()

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

    def present_holder(
        self, path: str, *, exclude_id: int | None = None, _session: Session | None = None
    ) -> int | None:
        """The id of the record whose file is present at `path` (at most one), if any."""
        with manage_session(_session) as session:
            query = select(Download.id).where(col(Download.path) == path, PRESENT)
            if exclude_id is not None:
                query = query.where(col(Download.id) != exclude_id)
            return session.exec(query.limit(1)).first()

    def retire(
        self,
        download_id: int,
        *,
        reason: DeletedReason,
        message: str,
        _session: Session | None = None,
    ) -> DownloadHistoryRead:
        """Mark the record's file gone for `reason`, with a "deleted" event; status follows.

        Only the record changes: removing the file is the caller's, after the commit.
        """
        with manage_session(_session, write=True) as session:
            download = _get(session, download_id)
            media_id = _media_of(download)
            download.file_exists = False
            download.deleted_reason = reason
            download.deleted_at = utc_now()
            session.add(download)
            session.flush()
            EventManager().create(
                EventCreate(
                    media_id=media_id,
                    download_id=download_id,
                    event_type=EventType.DELETED,
                    reason=reason,
                    video_id=download.youtube_id or None,
                    message=message,
                ),
                _session=session,
            )
            MediaDatabaseManager().refresh_status(media_id, _session=session)
            return _read_one(session, download_id)

    def put_back(
        self, download_id: int, *, message: str, _session: Session | None = None
    ) -> DownloadHistoryRead:
        """Mark the record present again (its file could not be removed), with an event."""
        with manage_session(_session, write=True) as session:
            download = _get(session, download_id)
            media_id = _media_of(download)
            download.file_exists = True
            download.deleted_reason = None
            download.deleted_at = None
            session.add(download)
            session.flush()
            EventManager().create(
                EventCreate(
                    media_id=media_id,
                    download_id=download_id,
                    event_type=EventType.RESTORED,
                    video_id=download.youtube_id or None,
                    message=message,
                ),
                _session=session,
            )
            MediaDatabaseManager().refresh_status(media_id, _session=session)
            return _read_one(session, download_id)

    def purge(self, download_id: int, *, message: str, _session: Session | None = None) -> None:
        """Delete the record; a "deleted" event on its media says so (events keep no link)."""
        with manage_session(_session, write=True) as session:
            download = _get(session, download_id)
            media_id = _media_of(download)
            session.delete(download)
            session.flush()
            EventManager().create(
                EventCreate(
                    media_id=media_id,
                    event_type=EventType.DELETED,
                    reason=DeletedReason.DELETED_BY_USER,
                    video_id=download.youtube_id or None,
                    message=message,
                ),
                _session=session,
            )
            MediaDatabaseManager().refresh_status(media_id, _session=session)
