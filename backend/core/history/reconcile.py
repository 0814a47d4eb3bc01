"""Reconciliation: make every download record agree with the file on disk.

One streaming pass stats every recorded file (one `os.stat` per record, no ORM object per
row); only the records that need a closer look are read in full afterwards. A file that
disappeared is looked for, by fingerprint, in its media's folder tree before it is marked
missing, and a media whose folder is missing or empty (a drive that is not mounted) is left
alone. Only changes are written, in a few write transactions. Blocking: run it in a worker
thread.

Only regular files count as present: a pipe or a folder at a record's path is never opened.
One bad media never stops the run: an error while handling one media (an unreadable file,
a NUL character in its folder path, a failed analysis) is logged with the media and what to
do, counted in `errors`, and the run goes on with the next. A file whose name is not valid
UTF-8 cannot be stored as a record's path (the database holds UTF-8 text), so it is never a
rename target; backfill counts such files and asks for them to be renamed.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from stat import S_ISREG
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Float, and_, case, cast, extract, func, literal, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app_logger import ModuleLogger
from core.base.database.engine import get_engine, read_session, write_session
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.history_query import PRESENT, skip_index
from core.base.database.models.base import utc_now
from core.base.database.models.download import DeletedReason, Download
from core.base.database.models.event import EventCreate, EventType
from core.base.database.models.media import Media
from core.download.service import build_download
from core.download.video_analysis import get_media_info
from core.exceptions import NotFoundError
from core.history.fingerprint import file_fingerprint, fingerprint_size
from core.library.folders import real_within
from core.notify.bus import ConnectEvent, ConnectEventKind, bus, media_label

logger = ModuleLogger("Reconcile")

PARTIAL_SUFFIXES = (".part", ".ytdl")
MTIME_TOLERANCE = 0.002
"""Seconds: SQLite's date functions keep milliseconds, so a closer mtime counts as equal."""
FETCH_CHUNK = 5000
ID_CHUNK = 500
WRITE_BATCH = 500
MAX_ERROR_LINES = 20
"""Files that cannot be checked are logged one by one up to this many, then counted."""
MEASURED_FIELDS = frozenset(
    {
        "size",
        "updated_at",
        "resolution",
        "video_format",
        "audio_format",
        "audio_channels",
        "file_format",
        "duration",
        "subtitles",
        "fingerprint",
    }
)
"""The fields of a record that describe the file itself, measured again when it changes."""


class StopRequested(Exception):
    """The run was asked to stop before its end (the app is shutting down)."""


def check_stop(stop: threading.Event | None) -> None:
    """Raise StopRequested when `stop` is set."""
    if stop is not None and stop.is_set():
        raise StopRequested("stopped before the end: the app is shutting down")


def is_partial_file(name: str) -> bool:
    """A file that is not a finished video: a download in progress (`.part`, `.ytdl`),
    Trailarr's staging copy of a trailer being placed (`trailer_file.is_staging_name`) or a
    macOS metadata file (`._*`)."""
    from core.download.trailer_file import is_staging_name

    return name.startswith("._") or name.lower().endswith(PARTIAL_SUFFIXES) or is_staging_name(name)


def is_utf8_path(path: str) -> bool:
    """Whether `path` is valid UTF-8, so that a record can hold it.

    `os.scandir` gives the bytes of a name that are not UTF-8 as lone surrogates
    (`os.fsdecode`); such a path names the file but cannot be stored as text.
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable_path(path: str) -> str:
    """`path` for a message: each byte that is not UTF-8 shown as U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def folder_available(folder: str) -> bool:
    """True when `folder` is a directory holding at least one entry.

    A media folder that is missing or empty usually means that its drive or share is not
    mounted; nothing found missing in it may then be taken as deleted. Raises ValueError
    when `folder` holds a NUL character (no folder can).
    """
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is not None
    except OSError:
        return False


def warn_unavailable(media_id: int, title: str, folder: str, consequence: str) -> None:
    """Log why a media was skipped and what to check."""
    logger.warning(
        f"The folder {folder!r} of {title!r} [{media_id}] is missing or empty, so {consequence}."
        " Check that the drive or network share holding it is mounted and readable, and that"
        " the media's folder path is right."
    )


def walk_files(folder: str) -> Iterator[tuple[str, int]]:
    """`(path, size)` of every regular file under `folder`, partial files left out.

    Symbolic links to folders are not followed (no loops, nothing outside `folder`), nor
    links to files outside `folder`; unreadable folders are skipped, and so are files whose
    path is not valid UTF-8 (no record can hold them).
    """
    pending = [folder]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                found = list(entries)
        except OSError:
            continue
        for entry in found:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.is_file() and not is_partial_file(entry.name):
                    if entry.is_symlink() and not real_within(entry.path, folder):
                        continue  # a link to a file outside the folder is not its file
                    path = str(Path(directory) / entry.name)
                    if is_utf8_path(path):
                        yield path, entry.stat().st_size
            except OSError:
                continue


class ReconcileSummary(BaseModel):
    """What one reconciliation found and changed.

    `present`: files found at their recorded path; `missing`: records newly marked missing;
    `changed`: files changed in place, measured again; `fingerprinted`: records given the
    fingerprint they lacked; `skipped_media`: media left alone because their folder is
    missing or empty; `errors`: files that could not be checked or measured, and media whose
    handling failed (the run went on without them).
    """

    checked: int = 0
    present: int = 0
    restored: int = 0
    missing: int = 0
    renamed: int = 0
    changed: int = 0
    fingerprinted: int = 0
    skipped_media: int = 0
    errors: int = 0
    duration_seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.checked} trailer records checked in {self.duration_seconds:.2f} s:"
            f" {self.present} present, {self.restored} restored, {self.missing} newly missing,"
            f" {self.renamed} renamed, {self.changed} changed, {self.fingerprinted}"
            f" fingerprinted, {self.skipped_media} media skipped, {self.errors} errors"
        )


@dataclass(slots=True)
class _Record:
    """A record that needs a closer look, with the stat of its file (None: not found)."""

    id: int
    media_id: int
    path: str
    size: int
    updated_at: datetime
    file_exists: bool
    fingerprint: str | None
    deleted_reason: str | None
    youtube_id: str
    stat: os.stat_result | None
    held: bool = False
    """Not present, and another present record holds its path: never restored."""


@dataclass(slots=True)
class _Change:
    """An update of one record, written only if the record is still as it was read."""

    record: _Record
    values: dict[str, Any] = field(default_factory=dict)
    events: list[EventCreate] = field(default_factory=list)
    counters: list[str] = field(default_factory=list)

    def event(self, event_type: EventType, message: str, reason: str | None = None) -> None:
        self.events.append(
            EventCreate(
                media_id=self.record.media_id,
                download_id=self.record.id,
                event_type=event_type,
                message=message,
                reason=reason,
                video_id=self.record.youtube_id or None,
            )
        )


def _mtime_seconds(dialect_name: str) -> ColumnElement[Any]:
    """`updated_at` as seconds since the epoch, computed by the database."""
    if dialect_name == "sqlite":
        return (func.julianday(Download.updated_at) - literal(2440587.5)) * literal(86400.0)
    # PostgreSQL's EXTRACT gives NUMERIC (a Decimal in Python): a float, as the stat's mtime.
    return cast(extract("epoch", col(Download.updated_at)), Float)


def _differs(size: int, mtime: float, stat: os.stat_result) -> bool:
    return stat.st_size != size or not -MTIME_TOLERANCE < stat.st_mtime - mtime < MTIME_TOLERANCE


def _scan(
    stop: threading.Event | None, summary: ReconcileSummary
) -> dict[int, os.stat_result | None]:
    """The hot pass: stat every recorded file; returns the records to look at closer.

    Settled records (present, unchanged, flagged present, fingerprinted) cost one row and
    one stat. Rows come from the DB-API cursor, without SQLAlchemy's row objects.
    """
    settled = case(
        (
            and_(col(Download.file_exists).is_(True), col(Download.fingerprint).is_not(None)),
            literal(1),
        ),
        else_=literal(0),
    )
    flagged: dict[int, os.stat_result | None] = {}
    stat = os.stat
    low, high = -MTIME_TOLERANCE, MTIME_TOLERANCE
    present = 0  # a local: attributes of the pydantic summary are slow to set per row
    with get_engine().connect() as connection:
        query = sa_select(
            col(Download.id),
            col(Download.path),
            col(Download.size),
            _mtime_seconds(connection.dialect.name),
            settled,
        )
        sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        # On PostgreSQL a named (server-side) cursor: psycopg's plain cursor receives the
        # whole result before the first fetchmany (37 MB at 200,000 records); this one
        # fetches FETCH_CHUNK rows at a time, within the connection's transaction.
        postgresql = connection.dialect.name == "postgresql"
        cursor = connection.connection.cursor(*(["reconcile_scan"] if postgresql else []))
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(FETCH_CHUNK):
                check_stop(stop)
                summary.checked += len(rows)
                for record_id, path, size, mtime, is_settled in rows:
                    try:
                        st = stat(path)
                    except (FileNotFoundError, NotADirectoryError):
                        flagged[record_id] = None
                        continue
                    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
                        summary.errors += 1
                        if summary.errors <= MAX_ERROR_LINES:
                            reason = exc.strerror if isinstance(exc, OSError) else exc
                            logger.warning(
                                f"Cannot check the trailer file {path!r} of record {record_id}:"
                                f" {reason}"
                            )
                        continue
                    if not S_ISREG(st.st_mode):  # a pipe or a folder: never opened
                        flagged[record_id] = None
                        continue
                    present += 1
                    # _differs(), inlined: this loop runs once per record.
                    if not is_settled or st.st_size != size or not low < st.st_mtime - mtime < high:
                        flagged[record_id] = st
        finally:
            cursor.close()
    summary.present += present
    if summary.errors > MAX_ERROR_LINES:
        logger.warning(f"{summary.errors} trailer files could not be checked in all")
    return flagged


def _held_paths(session: Session, paths: list[str]) -> set[str]:
    """Those of `paths` that a present record holds."""
    if not paths:
        return set()
    return set(
        session.exec(select(Download.path).where(col(Download.path).in_(paths), PRESENT)).all()
    )


def _load(flagged: dict[int, os.stat_result | None]) -> dict[int, list[_Record]]:
    """The flagged records in full, by media."""
    by_media: dict[int, list[_Record]] = defaultdict(list)
    ids = sorted(flagged)
    with read_session() as session:
        for start in range(0, len(ids), ID_CHUNK):
            rows = session.execute(
                sa_select(
                    col(Download.id),
                    col(Download.media_id),
                    col(Download.path),
                    col(Download.size),
                    col(Download.updated_at),
                    col(Download.file_exists),
                    col(Download.fingerprint),
                    col(Download.deleted_reason),
                    col(Download.youtube_id),
                ).where(col(Download.id).in_(ids[start : start + ID_CHUNK]))
            ).all()
            held = _held_paths(session, [r.path for r in rows if not r.file_exists])
            for rid, media_id, path, size, updated_at, exists, fp, reason, video_id in rows:
                by_media[media_id].append(
                    _Record(
                        id=rid,
                        media_id=media_id,
                        path=path,
                        size=size,
                        updated_at=updated_at,
                        file_exists=exists,
                        fingerprint=fp,
                        deleted_reason=reason,
                        youtube_id=video_id,
                        stat=flagged[rid],
                        held=not exists and path in held,
                    )
                )
    return by_media


def _media_folders(media_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """`media id -> (title, folder_path)`."""
    ids = sorted(media_ids)
    folders: dict[int, tuple[str, str]] = {}
    with read_session() as session:
        for start in range(0, len(ids), ID_CHUNK):
            rows = session.exec(
                select(Media.id, Media.title, Media.folder_path).where(
                    col(Media.id).in_(ids[start : start + ID_CHUNK])
                )
            ).all()
            for media_id, title, folder in rows:
                assert media_id is not None
                folders[media_id] = (title, folder)
    return folders


def _recorded_paths(paths: list[str]) -> set[str]:
    """Those of `paths` that some download record holds."""
    held: set[str] = set()
    with read_session() as session:
        for start in range(0, len(paths), ID_CHUNK):
            held.update(
                session.exec(
                    select(Download.path).where(
                        col(Download.path).in_(paths[start : start + ID_CHUNK])
                    )
                ).all()
            )
    return held


class _RenameFinder:
    """Finds a missing record's file again in its media's folder tree, by fingerprint."""

    def __init__(self, folder: str, sizes: set[int], claimed: set[str]) -> None:
        self._by_size: dict[int, list[str]] = defaultdict(list)
        for path, size in walk_files(folder):
            if size in sizes:
                self._by_size[size].append(path)
        candidates = [p for paths in self._by_size.values() for p in paths]
        # A file that another record holds is that record's, not a renamed one.
        self._taken = _recorded_paths(candidates) if candidates else set()
        self._claimed = claimed
        self._fingerprints: dict[str, str | None] = {}

    def find(self, fingerprint: str) -> str | None:
        size = fingerprint_size(fingerprint)
        for path in self._by_size.get(size, []) if size is not None else []:
            if path in self._taken or path in self._claimed:
                continue
            if path not in self._fingerprints:
                try:
                    self._fingerprints[path] = file_fingerprint(path)
                except OSError:
                    self._fingerprints[path] = None
            if self._fingerprints[path] == fingerprint:
                self._claimed.add(path)
                return path
        return None


def _measure(record: _Record) -> dict[str, Any] | None:
    """The measured fields of the record's file, probed again; None when unreadable."""
    try:
        stat = os.stat(record.path)
    except OSError:
        return None
    info = get_media_info(record.path)
    if info is None:
        return None
    if info.file_size != stat.st_size or info.file_mtime_ns != stat.st_mtime_ns:
        logger.info(f"{record.path} changed while it was analysed; it is measured next time")
        return None
    try:
        fingerprint = file_fingerprint(record.path)
    except OSError:
        return None
    if fingerprint_size(fingerprint) != stat.st_size:
        return None
    fresh = build_download(
        media_id=record.media_id,
        profile_id=0,
        file_path=record.path,
        youtube_video_id=record.youtube_id,
        stat=stat,
        media_info=info,
        fingerprint=fingerprint,
    )
    return fresh.model_dump(include=set(MEASURED_FIELDS))


def _same_file(record: _Record) -> bool:
    """Whether the file now at a gone record's path is the one it recorded (by fingerprint).

    A record without a fingerprint cannot tell, and takes the file as its own when its size
    is the recorded one.
    """
    assert record.stat is not None
    if record.fingerprint is None:
        return record.stat.st_size == record.size
    try:
        return file_fingerprint(record.path) == record.fingerprint
    except OSError:
        return False


def _present_change(record: _Record, summary: ReconcileSummary) -> _Change | None:
    """Restore, measure again or fingerprint a record whose file is at its path."""
    assert record.stat is not None
    change = _Change(record)
    if not record.file_exists:
        if record.held or not _same_file(record):
            return None  # another file took its name: not this record's trailer
        change.values.update(file_exists=True, deleted_reason=None, deleted_at=None)
        change.event(EventType.RESTORED, f"Trailer file is back at {record.path}")
        change.counters.append("restored")
    if _differs(record.size, record.updated_at.timestamp(), record.stat):
        measured = _measure(record)
        if measured is None:
            summary.errors += 1
            logger.warning(
                f"The trailer file {record.path} changed but cannot be analysed; its record"
                " keeps the old details until it can be"
            )
        else:
            change.values.update(measured)
            change.counters.append("changed")
    elif record.fingerprint is None:
        try:
            fingerprint = file_fingerprint(record.path)
        except OSError as exc:
            summary.errors += 1
            logger.warning(f"Cannot fingerprint {record.path}: {exc.strerror}")
        else:
            if fingerprint_size(fingerprint) == record.size:
                change.values["fingerprint"] = fingerprint
                change.counters.append("fingerprinted")
    return change if change.values else None


def _missing_changes(records: list[_Record], folder: str, claimed: set[str]) -> list[_Change]:
    """Renamed or missing: for records whose file is not at its path."""
    # Records already deleted by the user or replaced stay so while their file is away.
    searched = [
        r for r in records if r.file_exists or r.deleted_reason == DeletedReason.MISSING.value
    ]
    sizes = {
        size
        for r in searched
        if r.fingerprint and (size := fingerprint_size(r.fingerprint)) is not None
    }
    finder = _RenameFinder(folder, sizes, claimed) if sizes else None
    changes: list[_Change] = []
    now = utc_now()
    for record in searched:
        found = finder.find(record.fingerprint) if finder and record.fingerprint else None
        change = _Change(record)
        if found is not None:
            if not record.file_exists:
                change.values.update(file_exists=True, deleted_reason=None, deleted_at=None)
                change.event(EventType.RESTORED, f"Trailer file found again at {found}")
                change.counters.append("restored")
            change.values.update(path=found, file_name=os.path.basename(found))
            change.event(EventType.RENAMED, f"{record.path} → {found}")
            change.counters.append("renamed")
        elif record.file_exists:
            change.values.update(
                file_exists=False, deleted_reason=DeletedReason.MISSING.value, deleted_at=now
            )
            change.event(
                EventType.DELETED,
                f"Trailer file not found at {record.path}",
                reason=DeletedReason.MISSING.value,
            )
            change.counters.append("missing")
        if change.values:
            changes.append(change)
    return changes


def _media_changes(
    media_id: int,
    records: list[_Record],
    media: tuple[str, str] | None,
    claimed: set[str],
    summary: ReconcileSummary,
) -> list[_Change]:
    """The changes for one media's flagged records; none when its folder is unavailable."""
    if media is None:  # deleted meanwhile: its records went with it
        return []
    title, folder = media
    gone = [r for r in records if r.stat is None]
    if gone and not folder_available(folder):
        if any(r.file_exists for r in gone):
            summary.skipped_media += 1
            warn_unavailable(media_id, title, folder, "its trailer records were left as they are")
            return []
        gone = []  # only records already missing: nothing to search, nothing to mark
    changes = [c for r in records if r.stat is not None if (c := _present_change(r, summary))]
    if gone:
        changes.extend(_missing_changes(gone, folder, claimed))
    return changes


def _path_free(record: _Record, values: dict[str, Any]) -> list[ColumnElement[bool]]:
    """For a change that leaves the record present: no other present record holds its path.

    A file is one trailer (a unique index says so too): a record is never restored, or
    moved, onto a path whose file another present record has.
    """
    if not values.get("file_exists", record.file_exists):
        return []
    other = aliased(Download)
    held = (
        sa_select(col(other.id))
        .where(
            col(other.path) == values.get("path", record.path),
            skip_index(col(other.file_exists)).is_(True),
            col(other.id) != record.id,
        )
        .exists()
    )
    return [~held]


def _write(changes: list[_Change], summary: ReconcileSummary) -> None:
    """Apply the changes in one write transaction, then bring the media statuses in line.

    A record that changed since it was read (a download, a deletion) is left alone.
    """
    if not changes:
        return
    media_manager = MediaDatabaseManager()
    event_manager = EventManager()
    touched: set[int] = set()
    missing: list[_Record] = []
    with write_session() as session:
        for change in changes:
            record = change.record
            result = session.execute(
                update(Download)
                .where(
                    col(Download.id) == record.id,
                    col(Download.path) == record.path,
                    col(Download.file_exists).is_(record.file_exists),
                    *_path_free(record, change.values),
                )
                .values(**change.values)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                logger.info(
                    f"Download record {record.id} left as it is: it changed meanwhile, or"
                    " another present record holds its file"
                )
                continue
            for event in change.events:
                event_manager.create(event, _session=session)
            for counter in change.counters:
                setattr(summary, counter, getattr(summary, counter) + 1)
            if "missing" in change.counters:
                missing.append(record)
            if change.events:
                touched.add(record.media_id)
                logger.info(f"{change.events[-1].event_type}: {change.events[-1].message}")
        for media_id in sorted(touched):
            try:
                media_manager.refresh_status(media_id, _session=session)
            except NotFoundError:
                continue
    _announce_missing(missing)


def _announce_missing(records: list[_Record]) -> None:
    """Tell Connect about the trailer files found gone, once their change is committed."""
    media_manager = MediaDatabaseManager()
    for record in records:
        try:
            media = media_manager.read(record.media_id)
        except NotFoundError:  # removed meanwhile: nothing left to tell about
            continue
        label = media_label(media.title, media.year)
        bus.publish(
            ConnectEvent(
                kind=ConnectEventKind.TRAILER_MISSING,
                message=f"Trailer missing from disk for {label}: {record.path}",
                media_id=media.id,
                media_title=label,
                folder_path=media.folder_path,
                is_movie=media.is_movie,
            )
        )


def reconcile_library(*, stop: threading.Event | None = None) -> ReconcileSummary:
    """Check every download record against its file and record what changed.

    Present files: a record marked missing is restored, a missing fingerprint is taken,
    a file changed in place is analysed again. Files not at their path: found again in the
    media's folder tree by fingerprint (renamed), else marked missing. A media whose folder
    is missing or empty is left as it is (a warning says what to check). Blocking.

    Args:
        stop: when set, the run stops at the next check with StopRequested.
    """
    started = time.monotonic()
    summary = ReconcileSummary()
    flagged = _scan(stop, summary)
    if flagged:
        by_media = _load(flagged)
        media = _media_folders(by_media)
        closer = sum(1 for st in flagged.values() if st is not None)
        if closer > WRITE_BATCH:
            logger.info(f"Looking closer at {closer} trailer files; this may take a while")
        claimed: set[str] = set()
        pending: list[_Change] = []
        for media_id in sorted(by_media):
            check_stop(stop)
            try:
                changes = _media_changes(
                    media_id, by_media[media_id], media.get(media_id), claimed, summary
                )
            except Exception as exc:  # one bad media never stops the run
                summary.errors += 1
                title, folder = media.get(media_id, ("?", "?"))
                logger.warning(
                    f"The trailer records of {title!r} [{media_id}] in {folder!r} were not"
                    f" checked: {readable_path(f'{type(exc).__name__}: {exc}')}. Check the"
                    " media's folder path and the files in it, then run the task again; the"
                    " other media were checked."
                )
                continue
            pending.extend(changes)
            if len(pending) >= WRITE_BATCH:
                _write(pending, summary)
                pending = []
        _write(pending, summary)
    summary.duration_seconds = round(time.monotonic() - started, 3)
    return summary
