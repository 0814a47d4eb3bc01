"""Backfill: record the trailers already in the media folders that Trailarr has no record of.

Where a trailer is looked for, per media: every video file in its `Trailers` (or
`trailers`) folder and in the folder of every enabled trailer profile, and the video files
beside the media whose name ends with `-trailer` or `.trailer` (the Plex and Jellyfin
convention). A file is recorded once: one whose path or fingerprint a record of that media
already has is skipped. Blocking: run it in a worker thread.

A trailer is a video: a file without a video stream (audio only, subtitles only) is counted
as `not_video` and not recorded; one that cannot be analysed (empty, truncated, not a
video at all, a pipe or a broken link) is counted as `unreadable`. A file whose name is not
valid UTF-8 is not recorded either: a record's path must name the real file, and such a
name cannot be stored as text (the database holds UTF-8). It is counted as `bad_names` and
logged in a readable form (each undecodable byte shown as U+FFFD) with the advice to
rename it. One bad media never stops the run: an error while handling one media (a NUL
character in its folder path, a file system error) is logged with the media and what to do,
counted as `failed_media`, and the run goes on with the next.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from pydantic import BaseModel
from sqlmodel import Session, col, select

from app_logger import ModuleLogger
from core.base.database.engine import read_session, write_session
from core.base.database.manager.history_query import PRESENT
from core.base.database.models.download import UNKNOWN_PROFILE_ID, Download, DownloadCreate
from core.base.database.models.event import EventType
from core.base.database.models.media import Media
from core.base.database.models.trailerprofile import TrailerProfile
from core.download.service import PathTakenError, build_download, record_download
from core.download.video_analysis import get_media_info
from core.history.fingerprint import file_fingerprint, fingerprint_size
from core.history.reconcile import (
    check_stop,
    folder_available,
    is_partial_file,
    is_utf8_path,
    readable_path,
    warn_unavailable,
)
from core.library.folders import real_within

logger = ModuleLogger("Backfill")

VIDEO_EXTENSIONS = frozenset({".mkv", ".mp4", ".webm", ".m4v", ".mov", ".avi"})
TRAILER_FOLDERS = ("Trailers", "trailers")
TRAILER_STEM_SUFFIXES = ("-trailer", ".trailer")
YOUTUBE_WATCH_URL = "https://www.youtube.com/watch?v={}"


class BackfillSummary(BaseModel):
    """What one backfill found and recorded.

    `found`: trailer files seen, each then counted once as `recorded`, `already_known`
    (a record already has it, by path or fingerprint), `unreadable` (it could not be read or
    analysed as a video), `not_video` (no video stream) or `bad_names` (a name that is not
    valid UTF-8); `skipped_media`: media whose folder is missing or empty; `failed_media`:
    media whose search failed (the run went on without them).
    """

    media_scanned: int = 0
    found: int = 0
    recorded: int = 0
    already_known: int = 0
    unreadable: int = 0
    not_video: int = 0
    bad_names: int = 0
    skipped_media: int = 0
    failed_media: int = 0
    duration_seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.media_scanned} media scanned in {self.duration_seconds:.2f} s:"
            f" {self.found} trailer files found, {self.recorded} recorded,"
            f" {self.already_known} already known, {self.unreadable} unreadable,"
            f" {self.not_video} not videos, {self.bad_names} with names that are not UTF-8,"
            f" {self.skipped_media} media skipped, {self.failed_media} media failed"
        )


def is_video_name(name: str) -> bool:
    """A file name of a video (by extension) that is not a partial download."""
    return os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS and not is_partial_file(name)


def find_trailer_files(
    folder: str, subfolders: list[str], summary: BackfillSummary | None = None
) -> list[str]:
    """The trailer files of a media folder that a record can hold, each once, in order.

    An entry named like a trailer that is not a regular file (a pipe, a broken link) or
    whose name is not valid UTF-8 is left out, with a warning, and counted in `summary`.
    Nothing is opened here.

    Args:
        folder: the media's folder.
        subfolders: names of the folders (inside `folder`) that hold only trailers.
        summary: counts what was found and left out.
    """
    summary = summary if summary is not None else BackfillSummary()
    root = Path(folder)
    places = [(root, True)] + [(root / name, False) for name in subfolders]
    seen: set[tuple[int, int]] = set()
    found: list[str] = []
    for directory, marked_only in places:
        if not marked_only and not real_within(str(directory), folder):
            if os.path.isdir(directory):
                logger.warning(
                    f"Skipped {readable_path(str(directory))}: it leads outside the media"
                    f" folder {readable_path(folder)} (a symbolic link?)"
                )
            continue
        try:
            with os.scandir(directory) as entries:
                names = sorted(e.name for e in entries if is_video_name(e.name))
        except OSError:
            continue
        for name in names:
            stem = os.path.splitext(name)[0].lower()
            if marked_only and not stem.endswith(TRAILER_STEM_SUFFIXES):
                continue
            path = directory / name
            try:
                if path.is_symlink() and not real_within(str(path), folder):
                    logger.warning(
                        f"Skipped {readable_path(str(path))}: it is a link that leads outside"
                        f" the media folder {readable_path(folder)}"
                    )
                    continue
                if not path.is_file():  # stat only: a pipe is never opened
                    if not path.is_dir():
                        summary.found += 1
                        summary.unreadable += 1
                        logger.warning(
                            f"Skipped {readable_path(str(path))}: it is not a regular file (a"
                            " broken link, a pipe or a device); remove it or fix the link"
                        )
                    continue
                stat = path.stat()
            except OSError:
                continue
            # "Trailers" and "trailers" are one folder on a case-insensitive file system.
            if (stat.st_dev, stat.st_ino) in seen:
                continue
            seen.add((stat.st_dev, stat.st_ino))
            summary.found += 1
            if not is_utf8_path(str(path)):
                summary.bad_names += 1
                logger.warning(
                    f"Skipped {readable_path(str(path))}: its name is not valid UTF-8, so it"
                    " cannot be recorded; rename it (the bytes shown as \ufffd) and run the"
                    " backfill again"
                )
                continue
            found.append(str(path))
    return found


def _trailer_subfolders(session: Session) -> list[str]:
    names = list(TRAILER_FOLDERS)
    for name in session.exec(
        select(TrailerProfile.folder_name).where(col(TrailerProfile.enabled).is_(True))
    ).all():
        if "\x00" in name:
            logger.warning(
                f"The trailer folder name {name!r} of a trailer profile holds a NUL character,"
                " so it was not searched; correct the profile's folder name"
            )
        elif name not in names:
            names.append(name)
    return names


def _describe(
    path: str, media_id: int, fingerprint: str, summary: BackfillSummary
) -> DownloadCreate | None:
    """The record of an unknown trailer file; None (with a warning, counted) when it is not
    a readable video."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        summary.unreadable += 1
        logger.warning(f"Skipped {path}: cannot read it ({exc.strerror})")
        return None
    info = get_media_info(path)
    if info is None:
        summary.unreadable += 1
        logger.warning(f"Skipped {path}: it cannot be analysed as a video")
        return None
    if info.video_stream is None:
        summary.not_video += 1
        logger.warning(f"Skipped {path}: it has no video stream, so it is not a trailer")
        return None
    if (
        fingerprint_size(fingerprint) != stat.st_size
        or info.file_size != stat.st_size
        or info.file_mtime_ns != stat.st_mtime_ns
    ):
        summary.unreadable += 1
        logger.warning(f"Skipped {path}: it changed while it was read; try again later")
        return None
    video_id = info.youtube_id or ""
    return build_download(
        media_id=media_id,
        profile_id=UNKNOWN_PROFILE_ID,
        file_path=path,
        youtube_video_id=video_id,
        stat=stat,
        media_info=info,
        source_url=YOUTUBE_WATCH_URL.format(video_id) if video_id else None,
        fingerprint=fingerprint,
    )


def _record(media_id: int, found: list[DownloadCreate], summary: BackfillSummary) -> None:
    """Write the new records and their events through the one write path.

    Checked again under the write lock: a file whose path a present record holds, or whose
    fingerprint a record of this media has, was recorded meanwhile (a download, another
    backfill) and is skipped.
    """
    with write_session() as session:
        if session.get(Media, media_id) is None:  # deleted meanwhile
            return
        for download in found:
            known = session.exec(
                select(Download.id)
                .where(
                    col(Download.media_id) == media_id,
                    col(Download.fingerprint) == download.fingerprint,
                )
                .limit(1)
            ).first()
            if known is not None:
                summary.already_known += 1
                continue
            try:
                recorded = record_download(
                    session,
                    download,
                    event_type=EventType.DISCOVERED,
                    message=f"Trailer found on disk at {download.path}",
                    take_path=False,
                    ends_download=False,
                )
            except PathTakenError:
                summary.already_known += 1
                continue
            logger.info(f"Recorded the trailer found at {recorded.record.path}")
            summary.recorded += 1


def _backfill_media(
    media_id: int, folder: str, subfolders: list[str], summary: BackfillSummary
) -> None:
    files = find_trailer_files(folder, subfolders, summary)
    if not files:
        return
    with read_session() as session:
        recorded_paths = set(
            session.exec(select(Download.path).where(col(Download.path).in_(files), PRESENT)).all()
        )
        fingerprints = set(
            session.exec(
                select(Download.fingerprint).where(
                    Download.media_id == media_id, col(Download.fingerprint).is_not(None)
                )
            ).all()
        )
    new: list[DownloadCreate] = []
    for path in files:
        if path in recorded_paths:
            summary.already_known += 1
            continue
        try:
            fingerprint = file_fingerprint(path)
        except OSError as exc:
            summary.unreadable += 1
            logger.warning(f"Skipped {path}: cannot read it ({exc.strerror})")
            continue
        if fingerprint in fingerprints:  # a recorded trailer, renamed or copied
            summary.already_known += 1
            continue
        download = _describe(path, media_id, fingerprint, summary)
        if download is None:
            continue
        fingerprints.add(fingerprint)
        new.append(download)
    if new:
        _record(media_id, new, summary)


def backfill_library(*, stop: threading.Event | None = None) -> BackfillSummary:
    """Record every trailer file in the media folders that no record has yet.

    Each is recorded with profile 0 (unknown), the YouTube id its tags name (and the
    watch URL as its source), its fingerprint, and a "discovered" event. A media whose
    folder is missing or empty is skipped with a warning; one whose search fails is
    counted in `failed_media` and the run goes on. Blocking.

    Args:
        stop: when set, the run stops at the next media with StopRequested.
    """
    started = time.monotonic()
    summary = BackfillSummary()
    with read_session() as session:
        subfolders = _trailer_subfolders(session)
        media = session.exec(
            select(Media.id, Media.title, Media.folder_path).order_by(col(Media.id))
        ).all()
    for media_id, title, folder in media:
        assert media_id is not None
        check_stop(stop)
        try:
            if not folder_available(folder):
                summary.skipped_media += 1
                warn_unavailable(media_id, title, folder, "it was not searched for trailers")
                continue
            summary.media_scanned += 1
            _backfill_media(media_id, folder, subfolders, summary)
        except Exception as exc:  # one bad media never stops the run
            summary.failed_media += 1
            logger.warning(
                f"The folder {folder!r} of {title!r} [{media_id}] was not searched for"
                f" trailers to the end: {readable_path(f'{type(exc).__name__}: {exc}')}."
                " Check the media's folder path and the files in it, then run the backfill"
                " again; the other media were searched."
            )
    summary.duration_seconds = round(time.monotonic() - started, 3)
    return summary
