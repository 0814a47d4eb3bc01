"""Downloads one video with yt-dlp, used as a library. Blocking: the download pipeline runs
it in a worker thread.

`download_video` is the one retry layer of a download (yt-dlp's own retries are off, see
`core.download.ytdlp_options`): a network failure is tried again with a growing wait, in a
clean work folder, within the download's deadline; a cancel ends the wait and the attempt.
Hooks report progress and stop yt-dlp at its next step; a `ProcessWatch` stops the
programs yt-dlp runs (ffmpeg) in between. Every failure is a `TrailerDownloadError`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yt_dlp.networking.exceptions import HTTPError
from yt_dlp.utils import DownloadCancelled, YoutubeDLError

from app_logger import ModuleLogger
from config import get_settings
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download.egress import EgressGuard
from core.download.errors import (
    DownloadErrorKind,
    TrailerDownloadError,
    classify_error,
    clean_error_message,
)
from core.download.fit import known_duration, rejection_reasons
from core.download.process_watch import ProcessWatch
from core.download.video_analysis import remote_duration
from core.download.ytdlp_options import build_options, guarded_youtube_dl

logger = ModuleLogger("Downloader")

# Files in the work folder that are never the downloaded video.
SIDE_FILE_SUFFIXES = frozenset(
    {".part", ".ytdl", ".vtt", ".srt", ".ass", ".lrc", ".json", ".temp", ".tmp", ".jpg", ".webp"}
)


@dataclass
class DownloadProgress:
    """One progress report of the file being downloaded.

    When yt-dlp downloads a video and an audio stream to merge, each goes from 0 to 100 %.
    `status` is yt-dlp's ("downloading", "finished"), or "processing" when one of its
    post-processors (merging, embedding subtitles or metadata) starts.
    """

    video_id: str | None
    percent: float | None
    downloaded_bytes: int | None
    total_bytes: int | None
    speed: float | None
    eta: float | None
    status: str


@dataclass
class DownloadedVideo:
    """The file yt-dlp produced and what it knows about its source."""

    path: Path
    video_id: str
    webpage_url: str
    title: str | None
    extractor: str


class _Interrupted(DownloadCancelled):
    """Raised from a hook to stop yt-dlp; yt-dlp lets DownloadCancelled through."""

    def __init__(self, kind: DownloadErrorKind, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class _Attempt:
    """One yt-dlp run: hooks that report progress and stop on cancel or deadline."""

    def __init__(
        self,
        *,
        progress: Callable[[DownloadProgress], None] | None,
        cancel: threading.Event | None,
        deadline: float,
        deadline_seconds: float,
    ) -> None:
        self.progress = progress
        self.cancel = cancel
        self.deadline = deadline
        self.deadline_seconds = deadline_seconds
        self.video_id: str | None = None

    def stop_reason(self) -> _Interrupted | None:
        """Why this attempt must stop now (cancelled, past its deadline), or None."""
        if self.cancel is not None and self.cancel.is_set():
            return _Interrupted(DownloadErrorKind.CANCELLED, "the download was cancelled")
        if time.monotonic() > self.deadline:
            return _Interrupted(
                DownloadErrorKind.FAILED,
                f"the download took longer than {self.deadline_seconds:g} s",
            )
        return None

    def check(self) -> None:
        reason = self.stop_reason()
        if reason is not None:
            raise reason

    def progress_hook(self, status: dict[str, Any]) -> None:
        info = status.get("info_dict") or {}
        self.video_id = info.get("id") or self.video_id
        self.check()
        if self.progress is None or status.get("status") not in {"downloading", "finished"}:
            return
        downloaded = status.get("downloaded_bytes")
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        if status["status"] == "finished":
            percent: float | None = 100.0
            total = total or downloaded
        elif downloaded is not None and total:
            percent = min(100.0, downloaded * 100.0 / total)
        else:
            percent = None
        self.progress(
            DownloadProgress(
                video_id=self.video_id,
                percent=percent,
                downloaded_bytes=_as_int(downloaded),
                total_bytes=_as_int(total),
                speed=status.get("speed"),
                eta=status.get("eta"),
                status=status["status"],
            )
        )

    def postprocessor_hook(self, status: dict[str, Any]) -> None:
        if status.get("status") != "started":
            return
        self.check()
        if self.progress is not None:
            self.progress(
                DownloadProgress(
                    video_id=self.video_id,
                    percent=None,
                    downloaded_bytes=None,
                    total_bytes=None,
                    speed=None,
                    eta=None,
                    status="processing",
                )
            )


class _ProfileCheck:
    """yt-dlp's `match_filter`: once it knows the video, and before a byte of it is
    fetched, a video that does not fit the profile (its duration, the title's include and
    exclude words, a live stream or a Short: `core.download.fit`) stops the download as a
    PERMANENT failure of the source. A direct video link has no duration in its page; it
    is read from the file's header through the egress guard.

    yt-dlp skips a video whose filter gives a reason (and re-raises an exception from the
    filter without its arguments), so the reason is kept in `rejected` for the caller.
    """

    def __init__(self, profile: TrailerProfileRead, proxy: str) -> None:
        self.profile = profile
        self.proxy = proxy
        self.rejected: str | None = None

    def __call__(self, info: dict[str, Any], *, incomplete: bool = False) -> str | None:
        if incomplete:  # a playlist's entry before its extraction: judged once complete
            return None
        reasons = rejection_reasons(info, self.profile)
        media_url = info.get("url")
        if not reasons and known_duration(info) is None and isinstance(media_url, str):
            duration = remote_duration(media_url, proxy=self.proxy)
            if duration is not None:
                reasons = rejection_reasons({**info, "duration": duration}, self.profile)
        if reasons:
            name = info.get("title") or info.get("id") or "the video"
            self.rejected = (
                f"{name} does not fit the profile {self.profile.name}: {'; '.join(reasons)}"
            )
        return self.rejected


def _as_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def download_video(
    url: str,
    profile: TrailerProfileRead,
    *,
    work_dir: Path,
    progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
    deadline_seconds: float = 1800,
    retries: int = 3,
    backoff_seconds: float = 2.0,
) -> DownloadedVideo:
    """Download one video into `work_dir` (a folder private to this call). Blocking.

    Network errors are tried again, `retries` attempts in all, waiting
    `backoff_seconds * 2**n` between them; the files of a failed attempt are removed.

    Args:
        url: the source URL, already accepted by the source policy.
        profile: gives the preferred height, codecs, subtitles and metadata.
        work_dir: where yt-dlp writes; created when missing.
        progress: called from this thread with each progress report.
        cancel: when set, the download stops with a CANCELLED error.
        deadline_seconds: the whole call, retries included, ends with a FAILED error after it.
        retries: attempts in all for network errors.
        backoff_seconds: the first wait between attempts.

    Raises:
        TrailerDownloadError: with the kind of failure and a readable reason.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + deadline_seconds
    attempts = max(1, retries)
    for attempt in range(attempts):
        before = set(work_dir.iterdir())
        try:
            return _download_once(
                url,
                profile,
                work_dir=work_dir,
                state=_Attempt(
                    progress=progress,
                    cancel=cancel,
                    deadline=deadline,
                    deadline_seconds=deadline_seconds,
                ),
            )
        except TrailerDownloadError as exc:
            _remove_new_files(work_dir, before)
            if exc.kind is not DownloadErrorKind.NETWORK or attempt + 1 >= attempts:
                raise
            delay = backoff_seconds * 2**attempt
            if time.monotonic() + delay > deadline:
                raise
            logger.warning(
                f"Download of {url} failed ({exc.reason}); attempt {attempt + 2} of {attempts} "
                f"in {delay:g} s"
            )
            _wait(delay, cancel=cancel)
    raise AssertionError("unreachable")  # pragma: no cover


def _download_once(
    url: str, profile: TrailerProfileRead, *, work_dir: Path, state: _Attempt
) -> DownloadedVideo:
    try:
        state.check()
    except _Interrupted as exc:
        raise TrailerDownloadError(exc.kind, exc.reason) from None
    options = build_options(profile, work_dir)
    options["progress_hooks"] = [state.progress_hook]
    options["postprocessor_hooks"] = [state.postprocessor_hook]
    # yt-dlp's programs name the paths of files inside the work folder.
    watch = ProcessWatch(state.stop_reason, f"{work_dir}{os.sep}", nice=get_settings().ffmpeg_nice)
    with watch, guarded_youtube_dl(options) as (ydl, guard):
        fit = _ProfileCheck(profile, guard.proxy_url)
        ydl.params["match_filter"] = fit
        try:
            info = ydl.extract_info(url, download=True)
        except _Interrupted as exc:
            raise TrailerDownloadError(exc.kind, exc.reason, video_id=state.video_id) from None
        except (YoutubeDLError, OSError) as exc:
            guarded = None if watch.stopped else _refused(guard)
            raise guarded or _download_error(exc, watch.stopped, state.video_id) from exc
        except Exception as exc:
            # A program yt-dlp ran was stopped: whatever yt-dlp made of its end (an
            # IndexError on its empty output, for one), the reason is the cancel or the
            # deadline.
            if watch.stopped is None:
                raise
            raise _download_error(exc, watch.stopped, state.video_id) from exc

    if fit.rejected is not None:
        raise TrailerDownloadError(DownloadErrorKind.PERMANENT, fit.rejected)
    info = _single_entry(info)
    if info is None:
        raise TrailerDownloadError(DownloadErrorKind.PERMANENT, f"no video found at {url}")
    video_id = str(info.get("id") or state.video_id or "")
    path = _final_path(info, work_dir)
    if path is None:
        raise TrailerDownloadError(
            DownloadErrorKind.FAILED, "yt-dlp finished but left no video file", video_id=video_id
        )
    return DownloadedVideo(
        path=path,
        video_id=video_id,
        webpage_url=str(info.get("webpage_url") or url),
        title=info.get("title"),
        extractor=str(info.get("extractor") or info.get("extractor_key") or "unknown").lower(),
    )


def _refused(guard: EgressGuard) -> TrailerDownloadError | None:
    """The error of a download the guard stopped: a refused request or an unreachable host.

    yt-dlp only sees the guard's 403 or 502; the guard knows the reason behind it.
    """
    if guard.refusal is not None:
        return TrailerDownloadError(
            DownloadErrorKind.PERMANENT, f"source refused during the download: {guard.refusal}"
        )
    if guard.unreachable is not None:
        return TrailerDownloadError(DownloadErrorKind.NETWORK, guard.unreachable)
    return None


def _download_error(
    exc: Exception, stopped: _Interrupted | None, video_id: str | None
) -> TrailerDownloadError:
    """The download's failure for an error out of yt-dlp.

    When the watch stopped one of yt-dlp's programs, its reason (cancel or deadline) is
    the failure; otherwise yt-dlp's message, classified, or the write error.
    """
    if isinstance(exc, YoutubeDLError):
        _close_error_responses(exc)
    if stopped is not None:
        return TrailerDownloadError(stopped.kind, stopped.reason, video_id=video_id)
    if isinstance(exc, YoutubeDLError):
        reason = clean_error_message(str(exc))
        return TrailerDownloadError(classify_error(reason), reason, video_id=video_id)
    return TrailerDownloadError(
        DownloadErrorKind.FAILED, f"cannot write the download: {exc}", video_id=video_id
    )


def _close_error_responses(error: BaseException) -> None:
    """Close the HTTP responses that yt-dlp's HTTPErrors keep open along the error chain."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, HTTPError):
            with contextlib.suppress(Exception):
                current.close()
        exc_info = getattr(current, "exc_info", None)
        linked = exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) > 1 else None
        pending += [current.__cause__, current.__context__, getattr(current, "cause", None), linked]


def _single_entry(info: dict[str, Any] | None) -> dict[str, Any] | None:
    """The video's info dict; for a playlist result, its first entry."""
    if info is None:
        return None
    if info.get("_type") in {"playlist", "multi_video"}:
        entries = [e for e in info.get("entries") or [] if e]
        return entries[0] if entries else None
    return info


def _is_side_file(path: Path) -> bool:
    return path.suffix.lower() in SIDE_FILE_SUFFIXES or ".part" in path.suffixes


def _final_path(info: dict[str, Any], work_dir: Path) -> Path | None:
    """Where the finished video is: from yt-dlp's report, else the newest video file."""
    reported = [d.get("filepath") for d in info.get("requested_downloads") or []]
    reported.append(info.get("filepath"))
    for value in reported:
        if value:
            path = Path(value)
            if not path.is_absolute():
                path = work_dir / path
            if path.is_file() and not _is_side_file(path):
                return path
    candidates = [
        p for p in work_dir.iterdir() if p.is_file() and not _is_side_file(p) and p.stat().st_size
    ]
    return max(candidates, key=lambda p: p.stat().st_mtime, default=None)


def _remove_new_files(work_dir: Path, before: set[Path]) -> None:
    if not work_dir.is_dir():
        return
    for path in work_dir.iterdir():
        if path in before:
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError as exc:
            logger.warning(f"Cannot remove the partial download {path}: {exc}")


def _wait(seconds: float, *, cancel: threading.Event | None) -> None:
    """Sleep before the next attempt; a cancel ends the wait at once."""
    if cancel is None:
        time.sleep(seconds)
    elif cancel.wait(seconds):
        raise TrailerDownloadError(DownloadErrorKind.CANCELLED, "the download was cancelled")
