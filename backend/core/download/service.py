"""Download tracking: the record of every trailer, and the one path that writes it.

Every new record goes through `record_download` (the pipeline, backfill, re-download);
`delete_download` retires one. Both write in one transaction and touch files only after
it has committed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio
from sqlmodel import Session

from app_logger import ModuleLogger
from core.base.database.engine import write_session
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.download import DownloadManager
from core.base.database.manager.event import EventManager
from core.base.database.models.download import DeletedReason, DownloadCreate, DownloadRead
from core.base.database.models.event import EventCreate, EventType
from core.base.database.models.history import DownloadHistoryRead
from core.download import trailer_file
from core.download.video_analysis import VideoInfo, get_media_info
from core.exceptions import AppError, ConflictError, NotFoundError
from core.history.fingerprint import file_fingerprint
from core.notify.bus import ConnectEvent, ConnectEventKind, bus, media_label

logger = ModuleLogger("DownloadService")


class RecordingError(AppError):
    """A downloaded trailer cannot be recorded (its file cannot be analysed)."""

    status_code = 422


def _probe_if_changed(
    file_path: str, stat: os.stat_result, media_info: VideoInfo | None
) -> VideoInfo | None:
    """Reuse `media_info` when it was taken of this very file content; else probe."""
    if (
        media_info is not None
        and media_info.file_size == stat.st_size
        and media_info.file_mtime_ns == stat.st_mtime_ns
    ):
        return media_info
    return get_media_info(file_path)


def build_download(
    *,
    media_id: int,
    profile_id: int,
    file_path: str,
    youtube_video_id: str,
    stat: os.stat_result,
    media_info: VideoInfo,
    source_url: str | None = None,
    fingerprint: str | None = None,
) -> DownloadCreate:
    """The download record of a probed file."""
    video = media_info.video_stream
    audio = next(iter(media_info.audio_streams), None)
    subtitles = [s.language or "unk" for s in media_info.subtitle_streams]
    if video is not None:
        width = video.width or video.coded_width
        height = video.height or video.coded_height
        resolution = f"{width}x{height}"
    else:
        resolution = "N/A"
    return DownloadCreate(
        path=file_path,
        file_name=os.path.basename(file_path),
        size=stat.st_size,
        updated_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
        resolution=resolution,
        video_format=video.codec_name if video else "N/A",
        audio_format=audio.codec_name if audio else "N/A",
        audio_channels=str(audio.audio_channels) if audio else "N/A",
        file_format=media_info.format_name,
        duration=media_info.duration_seconds,
        subtitles=",".join(subtitles) or "unk",
        added_at=datetime.now(UTC),
        profile_id=profile_id,
        media_id=media_id,
        youtube_id=youtube_video_id,
        file_exists=True,
        source_url=source_url,
        fingerprint=fingerprint,
    )


class PathTakenError(ConflictError):
    """Another record's file is present at this path: the file is that record's."""


@dataclass(frozen=True)
class Recorded:
    """A record just written, and the files to remove once its transaction has committed."""

    record: DownloadRead
    removals: list[tuple[int, str, str]] = field(default_factory=list)
    """(record id, path, media folder) of files that the new trailer retired."""


def record_download(
    session: Session,
    download_create: DownloadCreate,
    *,
    event_type: EventType = EventType.DOWNLOADED,
    message: str | None = None,
    take_path: bool = True,
    replaces: int | None = None,
    ends_download: bool = True,
) -> Recorded:
    """Write a trailer's record, its event and its media's status in the caller's transaction.

    The one write path of download records: the pipeline, backfill and re-download (with
    `replaces`) all record through it. At most one present record holds a path (a unique
    index says so too): when another present record holds it, the new file took a name
    whose old file was gone, so that record is marked missing (`take_path`), or the new
    record is refused with PathTakenError (backfill: a file already recorded). With
    `replaces`, that record of the same media is marked replaced; its file, when it is
    another one, is listed in `removals` for the caller to delete after the commit
    (`remove_retired_files`). Never touches the disk itself.

    Args:
        session: the unit of work's write session; the caller commits.
        download_create: the record to write.
        event_type: the event that goes with it (downloaded, discovered).
        message: the event's message.
        take_path: see above.
        replaces: a present record of the same media that the new trailer replaces.
        ends_download: the media's download ends with this record (its status is no
            longer "downloading"); False leaves a running download as it is.
    """
    assert download_create.media_id is not None
    media_id = download_create.media_id
    downloads = DownloadManager()
    path = download_create.path
    holder = downloads.present_holder(path, _session=session)
    if holder is not None and not take_path:
        raise PathTakenError(f"{path} is the trailer of download {holder} already")
    if holder is not None:
        downloads.retire(
            holder,
            reason=DeletedReason.MISSING,
            message=f"Trailer file was no longer at {path}: a new trailer was saved there",
            _session=session,
        )
    record = MediaDatabaseManager().create_download_record(download_create, _session=session)
    EventManager().create(
        EventCreate(
            media_id=media_id,
            download_id=record.id,
            event_type=event_type,
            video_id=record.youtube_id or None,
            message=message or f"Trailer downloaded to {path}",
        ),
        _session=session,
    )
    removals = _retire_replaced(session, record, replaces) if replaces is not None else []
    MediaDatabaseManager().refresh_status(
        media_id, in_flight=False if ends_download else None, new_trailer=True, _session=session
    )
    return Recorded(record=record, removals=removals)


def _retire_replaced(
    session: Session, record: DownloadRead, old_id: int
) -> list[tuple[int, str, str]]:
    """Mark `old_id` replaced by `record`; its file to remove, unless the new one took it."""
    downloads = DownloadManager()
    try:
        old = downloads.read(old_id, _session=session)
    except NotFoundError:
        old = None
    if old is None or old.media_id != record.media_id or not old.file_exists:
        logger.warning(f"Not replacing download {old_id}: no present record of that media")
        return []
    folder = MediaDatabaseManager().read(record.media_id, _session=session).folder_path
    same_file = old.path == record.path
    refused = trailer_file.removal_refused(old.path, folder, resolve=False)  # no disk I/O
    if not same_file and refused:
        logger.warning(f"Download {old_id} not replaced: {refused}")
        return []
    outcome = "the new trailer took its file name" if same_file else f"{old.path} is deleted"
    downloads.retire(
        old_id,
        reason=DeletedReason.REPLACED,
        message=f"Trailer replaced by download {record.id}: {outcome}",
        _session=session,
    )
    return [] if same_file else [(old_id, old.path, folder)]


def remove_retired_files(removals: list[tuple[int, str, str]]) -> None:
    """After the commit: delete the files of retired records. Blocking; never raises.

    A file that cannot be removed makes its record present again, with an event saying why:
    the record stays true.
    """
    for record_id, path, folder in removals:
        reason = trailer_file.remove_trailer_file(path, within=folder)
        if reason is None:
            continue
        try:
            DownloadManager().put_back(
                record_id, message=f"The replaced trailer was kept: {reason}"
            )
        except Exception as exc:
            logger.error(f"Could not mark download {record_id} present again: {exc}")


def record_trailer_sync(
    media_id: int,
    profile_id: int,
    file_path: str,
    youtube_video_id: str,
    *,
    media_info: VideoInfo | None = None,
    source_url: str | None = None,
    replaces: int | None = None,
    fingerprint: str | None = None,
) -> DownloadRead:
    """Probe (unless `media_info` still describes the file) and record a new trailer; blocking.

    `fingerprint` is the file's, taken before it was placed (its bytes are the same);
    without it, it is taken here.

    The record, its "downloaded" event and the media's status are written in one
    transaction; the probe and fingerprint come before it, the removal of a replaced file
    after it. Raises RecordingError when the file cannot be analysed, and the database's
    error when the write fails.
    """
    stat = os.stat(file_path)
    info = _probe_if_changed(file_path, stat, media_info)
    if info is None:
        raise RecordingError(f"{file_path} cannot be analysed as a video")
    download_create = build_download(
        media_id=media_id,
        profile_id=profile_id,
        file_path=file_path,
        youtube_video_id=youtube_video_id,
        stat=stat,
        media_info=info,
        source_url=source_url,
        fingerprint=fingerprint or file_fingerprint(file_path),
    )
    with write_session() as session:
        recorded = record_download(session, download_create, replaces=replaces)
    remove_retired_files(recorded.removals)
    return recorded.record


def delete_download(download_id: int, *, purge: bool = False) -> DownloadHistoryRead | None:
    """Delete a record's trailer file and mark the record deleted by the user. Blocking.

    The record is marked first; the file is removed after that commit. A file that should
    go but may not (outside the media folder) is a ConflictError before anything changes;
    one that the file system refuses puts the record back, with an event, and is a
    ConflictError too. A record already deleted or replaced is returned unchanged. With
    `purge` the record itself goes (its events stay); a file that cannot be removed is then
    kept, and the event says so. Returns the record, or None when purged.
    """
    downloads = DownloadManager()
    record = downloads.read(download_id)
    media = MediaDatabaseManager().read(record.media_id)
    folder = media.folder_path
    gone_for_good = record.deleted_reason in {
        DeletedReason.DELETED_BY_USER,
        DeletedReason.REPLACED,
    }
    if not record.file_exists and gone_for_good and not purge:
        return record
    remove = record.file_exists and os.path.lexists(record.path)
    refused = trailer_file.removal_refused(record.path, folder) if remove else None
    if refused is not None and not purge:
        raise ConflictError(refused)
    if refused is not None:
        outcome = f"the file was kept: {refused}"
        remove = False
    elif remove:
        outcome = f"the file {record.path} is deleted"
    else:
        outcome = f"the file {record.path} was already gone"
    with write_session() as session:
        if purge:
            downloads.purge(
                download_id,
                message=f"Download record {download_id} ({record.file_name}) was purged; {outcome}",
                _session=session,
            )
        else:
            downloads.retire(
                download_id,
                reason=DeletedReason.DELETED_BY_USER,
                message=f"Trailer deleted by the user: {outcome}",
                _session=session,
            )
    failure = trailer_file.remove_trailer_file(record.path, within=folder) if remove else None
    if remove and failure is None:
        label = media_label(media.title, media.year)
        bus.publish(
            ConnectEvent(
                kind=ConnectEventKind.TRAILER_DELETED,
                message=f"Trailer deleted for {label}: {record.path}",
                media_id=media.id,
                media_title=label,
                folder_path=media.folder_path,
                is_movie=media.is_movie,
            )
        )
    if failure is not None:
        if purge:
            EventManager().create(
                EventCreate(
                    media_id=record.media_id,
                    event_type=EventType.DELETED,
                    reason=DeletedReason.DELETED_BY_USER,
                    message=f"The file of purged download {download_id} was kept: {failure}",
                )
            )
        else:
            downloads.put_back(download_id, message=f"The trailer was kept: {failure}")
            raise ConflictError(f"{failure}; the trailer is kept")
    return None if purge else downloads.read(download_id)


async def record_new_trailer_download(
    media_id: int,
    profile_id: int,
    file_path: str,
    youtube_video_id: str,
    *,
    media_info: VideoInfo | None = None,
    source_url: str | None = None,
) -> None:
    """
    Records a new trailer download in the database.

    The file is probed and stat'ed in a worker thread, never on the event loop. This
    function never raises: a failure is logged.

    Args:
        media_id (int): The ID of the media.
        profile_id (int): The ID of the profile used for the download.
        file_path (str): The path to the downloaded file.
        youtube_video_id (str): The YouTube video ID of the trailer.
        media_info (VideoInfo, optional): A probe of the file taken earlier (by the
            verification step); reused when the file has not changed since.
        source_url (str, optional): The page or file URL the trailer came from.
    """
    logger.info(f"Recording new trailer download for media {media_id}")
    try:
        await anyio.to_thread.run_sync(
            lambda: record_trailer_sync(
                media_id,
                profile_id,
                file_path,
                youtube_video_id,
                media_info=media_info,
                source_url=source_url,
            )
        )
    except Exception as exc:
        logger.error(f"Failed to record new trailer download for media {media_id}: {exc}")
    else:
        logger.info(f"Successfully recorded new trailer download for media {media_id}")
