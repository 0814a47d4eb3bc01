"""Download tracking: the record of every trailer that was downloaded."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import anyio

from app_logger import ModuleLogger
from core.base.database.engine import write_session
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.models.download import DownloadCreate, DownloadRead
from core.base.database.models.event import EventCreate, EventType
from core.download.video_analysis import VideoInfo, get_media_info
from core.history.fingerprint import file_fingerprint

logger = ModuleLogger("DownloadService")


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


def record_download_sync(
    media_id: int,
    profile_id: int,
    file_path: str,
    youtube_video_id: str,
    *,
    media_info: VideoInfo | None = None,
    source_url: str | None = None,
) -> DownloadRead | None:
    """Probe (unless `media_info` still describes the file) and record; blocking.

    The record and its "downloaded" event are written in one transaction. Returns None,
    with a log line saying why, when the file cannot be read.
    """
    stat = os.stat(file_path)
    info = _probe_if_changed(file_path, stat, media_info)
    if info is None:
        logger.error(f"Failed to get media info for {file_path}; the download was not recorded")
        return None
    download_create = build_download(
        media_id=media_id,
        profile_id=profile_id,
        file_path=file_path,
        youtube_video_id=youtube_video_id,
        stat=stat,
        media_info=info,
        source_url=source_url,
        fingerprint=file_fingerprint(file_path),
    )
    with write_session() as session:
        record = MediaDatabaseManager().create_download_record(download_create, _session=session)
        EventManager().create(
            EventCreate(
                media_id=media_id,
                download_id=record.id,
                event_type=EventType.DOWNLOADED,
                video_id=youtube_video_id,
                message=f"Trailer downloaded to {file_path}",
            ),
            _session=session,
        )
    return record


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
        record = await anyio.to_thread.run_sync(
            lambda: record_download_sync(
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
        return
    if record is not None:
        logger.info(f"Successfully recorded new trailer download for media {media_id}")
