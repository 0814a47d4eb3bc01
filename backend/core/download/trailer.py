"""The trailer download pipeline: choose, download, convert, verify, move, record."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.from_thread

from app_logger import ModuleLogger
from config import get_settings
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.database.manager.wanted import WantedManager
from core.base.database.models.event import EventCreate, EventType
from core.base.database.models.media import MediaRead
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.base.notifier import notifier
from core.download import trailer_file
from core.download.convert import convert_trailer
from core.download.errors import DownloadErrorKind, TrailerError
from core.download.recovery import PlacementIntent, write_intent
from core.download.service import RecordingError, record_trailer_sync
from core.download.sources import Source, parse_source, resolve_source
from core.download.stages import CANCELLED_REASON, Stage, Tracker
from core.download.threads import download_threads
from core.download.trailer_search import find_candidates
from core.download.video_analysis import VideoInfo, get_media_info, verify_trailer
from core.exceptions import SourceRefusedError
from core.history.fingerprint import file_fingerprint
from core.library.folders import FolderError
from core.library.media_service import check_media_folder_on_disk
from core.notify.bus import ConnectEvent, ConnectEventKind, bus, media_label

if TYPE_CHECKING:
    from core.download.downloader import DownloadProgress

logger = ModuleLogger("TrailerDownload")


class Cancelled(Exception):
    """The download's tracker was cancelled: stop, and record no failure."""


class CandidateFailed(Exception):
    """This source cannot give a trailer; the next candidate may.

    `reason` is what the user is shown (events, live messages, the wanted list); `detail`
    the full text for the log (yt-dlp's own message, say), when it says more.
    """

    def __init__(
        self,
        source: Source,
        reason: str,
        *,
        source_failed: bool,
        stop: bool,
        detail: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.source = source
        self.reason = reason
        self.detail = detail or reason
        self.source_failed = source_failed
        self.stop = stop


@dataclass(frozen=True)
class DownloadResult:
    """How a download ended: true when a trailer was placed and recorded; else why not."""

    ok: bool
    reason: str | None = None
    cancelled: bool = False
    """Stopped on request (the queue's cancel, shut-down) or the media gone: not a failure
    of the source, and none is recorded."""

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class VerifiedTrailer:
    path: Path
    video_id: str
    source_url: str
    info: VideoInfo
    fingerprint: str


async def prepare_download(
    media_id: int, *, profile_id: int | None, url: str | None
) -> tuple[MediaRead, TrailerProfileRead, Source | None]:
    """Check a download request before it is accepted.

    Raises NotFoundError for an unknown media or profile, SourceRefusedError for a source
    the policy refuses. (The queue refuses a second download of the same media and profile.)
    """
    media = await anyio.to_thread.run_sync(MediaDatabaseManager().read, media_id)
    profiles = TrailerProfileManager()
    if profile_id is None:
        profile = await anyio.to_thread.run_sync(profiles.read_default)
    else:
        profile = await anyio.to_thread.run_sync(profiles.read, profile_id)
    source = await anyio.to_thread.run_sync(resolve_source, url) if url else None
    return media, profile, source


async def mark_downloading(media: MediaRead) -> None:
    """Set the media's status to downloading."""
    await anyio.to_thread.run_sync(
        partial(MediaDatabaseManager().refresh_status, media.id, in_flight=True)
    )


async def _record_failure(media: MediaRead, failure: CandidateFailed) -> None:
    event = EventCreate(
        media_id=media.id,
        event_type=EventType.DOWNLOAD_FAILED,
        video_id=failure.source.video_id or failure.source.url,
        source_failed=failure.source_failed,
        message=f"Download from {failure.source.url} failed: {failure.reason}",
    )
    try:
        await anyio.to_thread.run_sync(EventManager().create, event)
    except Exception as exc:
        logger.error(f"Could not record the failed download for media {media.id}: {exc}")


async def _candidates(
    media: MediaRead, profile: TrailerProfileRead, source: Source | None, tracker: Tracker
) -> AsyncIterator[Source]:
    """The sources to try, in order; the search runs only when it is needed."""
    if source is not None:
        yield source
        return
    tried: set[str] = set()
    if media.trailer_url and not profile.always_search:
        try:
            saved = await anyio.to_thread.run_sync(resolve_source, media.trailer_url)
        except SourceRefusedError as exc:
            logger.warning(
                f"The saved trailer_url of {media.title} [{media.id}] is refused: {exc.detail}"
            )
        else:
            tried.add(saved.video_id or saved.url)
            yield saved
    if media.youtube_trailer_id and not profile.always_search:
        tried.add(media.youtube_trailer_id)
        yield parse_source(media.youtube_trailer_id)
    tracker.update(Stage.SEARCHING)
    failed = await anyio.to_thread.run_sync(EventManager().failed_video_ids, media.id)
    await notifier.send(
        f"Searching for a trailer for {media.title} [{media.id}]", "Info", media_id=media.id
    )
    found = await anyio.to_thread.run_sync(
        lambda: find_candidates(media, profile, exclude_ids=failed | tried)
    )
    if not found:
        logger.warning(f"No trailer found by search for {media.title} [{media.id}]")
    for video_id in found:
        yield parse_source(video_id)


def _progress_reporter(tracker: Tracker) -> Callable[[DownloadProgress], None]:
    """yt-dlp's reports as the tracker's stages: its download, then its own post-processing
    (merging, embedding) as the start of the conversion."""

    def report(progress: DownloadProgress) -> None:
        if progress.status == "processing":
            tracker.update(Stage.CONVERTING)
            return
        percent = progress.percent
        tracker.update(
            Stage.DOWNLOADING,
            progress=None if percent is None else percent / 100,
            speed=progress.speed,
            eta=progress.eta,
        )

    return report


def __download_and_verify_trailer_sync(
    media: MediaRead,
    source: Source,
    profile: TrailerProfileRead,
    work_dir: Path,
    tracker: Tracker,
) -> VerifiedTrailer:
    """Download, convert and verify one candidate in `work_dir`; blocking.

    Raises CandidateFailed, or Cancelled once the tracker is cancelled.
    """
    # yt-dlp, under the downloader, loads on the first download rather than at start-up.
    from core.download.downloader import download_video

    try:
        tracker.update(Stage.DOWNLOADING)
        downloaded = download_video(
            source.url,
            profile,
            work_dir=work_dir,
            progress=_progress_reporter(tracker),
            cancel=tracker.cancel,
        )
        video_id = source.video_id or downloaded.video_id
        tracker.update(Stage.CONVERTING, progress=0.0)
        converted = convert_trailer(
            downloaded.path,
            profile,
            output_dir=work_dir,
            source_url=downloaded.webpage_url,
            progress=lambda share: tracker.update(Stage.CONVERTING, progress=share),
            should_stop=tracker.stop_reason,
        )
        tracker.update(Stage.VERIFYING)
        info = get_media_info(str(converted), check_integrity=True)
        verify_trailer(info, min_duration=profile.min_duration, max_duration=profile.max_duration)
        assert info is not None
        verified = VerifiedTrailer(
            path=converted,
            video_id=video_id,
            source_url=downloaded.webpage_url,
            info=info,
            fingerprint=file_fingerprint(converted),
        )
    except TrailerError as exc:
        if tracker.cancelled:
            raise Cancelled(CANCELLED_REASON) from exc
        for leftover in work_dir.iterdir():
            leftover.unlink(missing_ok=True)
        # A source that cannot give this profile's trailer (gone, private, too short, not
        # convertible) is no use; the next candidate may be. Anything else (the network,
        # a rate limit) ends this download: the next candidate would fail the same way.
        permanent = exc.kind == DownloadErrorKind.PERMANENT
        raise CandidateFailed(
            source, exc.readable, source_failed=permanent, stop=not permanent, detail=exc.reason
        ) from exc
    if tracker.cancelled:
        raise Cancelled(CANCELLED_REASON)
    return verified


def _place_and_record_sync(
    media: MediaRead,
    profile: TrailerProfileRead,
    verified: VerifiedTrailer,
    work_dir: Path,
    replaces: int | None,
) -> str:
    """Place the verified trailer in the media folder and record it; its final path. Blocking.

    The placement intent is written first (start-up recovery records the trailer from it
    if the process stops before the record). A trailer that cannot be recorded is removed
    again: a file with no record is not one Trailarr knows of. RecordingError says why.
    """
    write_intent(
        work_dir,
        PlacementIntent(
            media_id=media.id,
            profile_id=profile.id,
            video_id=verified.video_id,
            source_url=verified.source_url,
            fingerprint=verified.fingerprint,
        ),
    )
    try:
        check_media_folder_on_disk(media)
        final_path = trailer_file.move_trailer_to_folder(
            verified.path, media, profile, info=verified.info, video_id=verified.video_id
        )
    except FolderError as exc:
        raise RecordingError(f"the trailer could not be placed: {exc.detail}") from exc
    except OSError as exc:
        raise RecordingError(f"the trailer could not be placed: {exc}") from exc
    try:
        record_trailer_sync(
            media.id,
            profile.id,
            final_path,
            verified.video_id,
            media_info=verified.info,
            source_url=verified.source_url,
            replaces=replaces,
            fingerprint=verified.fingerprint,
        )
    except Exception as exc:
        leftover = trailer_file.remove_trailer_file(final_path, within=media.folder_path)
        kept = f"; the file {final_path} could not be removed: {leftover}" if leftover else ""
        raise RecordingError(f"the trailer could not be recorded: {exc}{kept}") from exc
    return final_path


async def download_trailer(
    media: MediaRead,
    profile: TrailerProfileRead,
    source: Source | None = None,
    *,
    replaces: int | None = None,
    tracker: Tracker | None = None,
) -> DownloadResult:
    """Download a trailer for `media` with `profile` and record it.

    `source` is an explicit video to use; without it, the media's saved `trailer_url`, then
    its saved trailer id (both unless the profile always searches) and then a search give
    the candidates. With `replaces` (a download record id of this media), once the new
    trailer is recorded the old file is deleted and its record marked replaced.

    `tracker` follows the stages (searching, downloading, converting, verifying, moving);
    its cancel stops the download at once in any stage before moving, leaving no file
    behind and no failure on record (the result is `cancelled`).

    Returns an ok result when a trailer was downloaded, moved into the media folder and
    recorded (the download-missing engine's failures of this media and profile are
    forgotten then); otherwise one with the reason (also logged, broadcast and kept as an
    event). Never raises, except when its task is cancelled.
    """
    settings = get_settings()
    tracker = tracker or Tracker()
    work_dir = settings.temp_dir / f"media-{media.id}-{uuid.uuid4().hex[:12]}"
    last_reason = "no trailer was found"
    try:
        await mark_downloading(media)
        # Refused before anything is fetched; checked again just before the trailer is placed.
        await anyio.to_thread.run_sync(check_media_folder_on_disk, media)
        await anyio.to_thread.run_sync(lambda: work_dir.mkdir(parents=True, exist_ok=True))
        async for candidate in _candidates(media, profile, source, tracker):
            if tracker.cancelled:
                raise Cancelled(CANCELLED_REASON)
            tracker.trying(candidate.url)
            await notifier.send(
                f"Downloading trailer for {media.title} [{media.id}] from {candidate.url}",
                "Info",
                media_id=media.id,
            )
            try:
                verified = await download_threads.run(
                    __download_and_verify_trailer_sync,
                    media,
                    candidate,
                    profile,
                    work_dir,
                    tracker,
                )
            except CandidateFailed as failure:
                last_reason = failure.reason
                logger.warning(
                    f"Trailer candidate {candidate.url} for {media.title} [{media.id}] "
                    f"failed: {failure.detail}"
                )
                await _record_failure(media, failure)
                if failure.stop:
                    break
                continue
            if not tracker.begin_moving():
                raise Cancelled(CANCELLED_REASON)
            try:
                await download_threads.run(
                    _place_and_record_sync, media, profile, verified, work_dir, replaces
                )
            except RecordingError as exc:
                last_reason = exc.detail
                logger.error(f"Trailer for {media.title} [{media.id}]: {exc.detail}")
                await _record_failure(
                    media,
                    CandidateFailed(candidate, exc.detail, source_failed=False, stop=True),
                )
                break
            msg = (
                f"Trailer downloaded successfully for {media.title} [{media.id}]"
                f" from ({verified.video_id})"
            )
            logger.info(msg)
            await _forget_failures(media, profile)
            await notifier.send(msg, "Success", media_id=media.id)
            _announce(media, ConnectEventKind.DOWNLOADED, "Trailer downloaded for {}")
            return DownloadResult(ok=True)
        if tracker.cancelled:  # the search ended after a cancel, with nothing to try
            raise Cancelled(CANCELLED_REASON)
    except asyncio.CancelledError:
        tracker.cancel.set()
        with anyio.CancelScope(shield=True):
            await _finish_failed(media, CANCELLED_REASON)
        raise
    except Cancelled:
        logger.info(f"Trailer download for {media.title} [{media.id}] was cancelled")
        last_reason = CANCELLED_REASON
    except FolderError as exc:
        last_reason = exc.detail
    except TrailerError as exc:  # the search failed: no candidate to try
        logger.warning(f"Trailer search for {media.title} [{media.id}] failed: {exc.reason}")
        last_reason = exc.readable
    except Exception as exc:
        logger.exception(f"Trailer download for {media.title} [{media.id}] failed: {exc}")
        last_reason = str(exc)
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(shutil.rmtree, work_dir, True)
    await _finish_failed(media, last_reason)
    if not tracker.cancelled:
        _announce(
            media,
            ConnectEventKind.DOWNLOAD_FAILED,
            f"Trailer download failed for {{}}: {last_reason}",
        )
    return DownloadResult(ok=False, reason=last_reason, cancelled=tracker.cancelled)


def _announce(media: MediaRead, kind: ConnectEventKind, message: str) -> None:
    """Tell Connect (notifications, media servers); `{}` in the message is the media."""
    label = media_label(media.title, media.year)
    bus.publish(
        ConnectEvent(
            kind=kind,
            message=message.replace("{}", label, 1),
            media_id=media.id,
            media_title=label,
            folder_path=media.folder_path,
            is_movie=media.is_movie,
        )
    )


async def _forget_failures(media: MediaRead, profile: TrailerProfileRead) -> None:
    """A trailer arrived: the engine's backoff for this media and profile ends."""
    try:
        await anyio.to_thread.run_sync(WantedManager().clear_failure, media.id, profile.id)
    except Exception as exc:  # the trailer is recorded; a stale backoff only delays a retry
        logger.error(f"Could not clear the failed attempts of media {media.id}: {exc}")


async def _finish_failed(media: MediaRead, reason: str) -> None:
    """Broadcast the failure and put the media's status back.

    The status follows the trailer files on record now ("downloaded" with one present,
    "missing" without): a trailer deleted, or found again, while the download ran counts.
    """
    msg = f"Trailer download failed for {media.title} [{media.id}]: {reason}"
    logger.error(msg)
    try:
        await anyio.to_thread.run_sync(
            partial(MediaDatabaseManager().refresh_status, media.id, in_flight=False)
        )
    except Exception as exc:
        logger.error(f"Could not reset the status of media {media.id}: {exc}")
    await notifier.send(msg, "Error", media_id=media.id)
