"""Downloads one video with yt-dlp, used as a library.

Everything here blocks: the download pipeline runs it in a worker thread.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.globals import all_plugins_loaded, plugin_dirs
from yt_dlp.networking.exceptions import HTTPError
from yt_dlp.utils import DownloadCancelled, YoutubeDLError

from app_logger import ModuleLogger
from config.settings import get_settings
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download.egress import EgressGuard
from core.download.messages import readable_reason

logger = ModuleLogger("Downloader")

SOCKET_TIMEOUT = 30
# Files in the work folder that are never the downloaded video.
SIDE_FILE_SUFFIXES = frozenset(
    {".part", ".ytdl", ".vtt", ".srt", ".ass", ".lrc", ".json", ".temp", ".tmp", ".jpg", ".webp"}
)

# Preferred codecs, as yt-dlp format filters, for each profile format.
_VIDEO_CODEC_FILTERS = {
    "h264": "[vcodec^=avc1]",
    "h265": "[vcodec~='^(hvc1|hev1|hevc|h265)']",
    "vp9": "[vcodec~='^vp0?9']",
    "av1": "[vcodec^=av01]",
}
_AUDIO_CODEC_FILTERS = {
    "aac": "[acodec^=mp4a]",
    "opus": "[acodec=opus]",
    "ac3": "[acodec~='^(ac-?3)']",
}


class DownloadErrorKind(StrEnum):
    """Why a download failed; decides whether it is worth retrying."""

    PERMANENT = "permanent"
    RATE_LIMITED = "rate_limited"
    NETWORK = "network"
    CANCELLED = "cancelled"
    FAILED = "failed"


class TrailerDownloadError(Exception):
    """A download or search that failed, with the kind of failure and its reason.

    `reason` is the full text (for the log); `readable` is the line a person is shown.
    """

    def __init__(
        self, kind: DownloadErrorKind, reason: str, *, video_id: str | None = None
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.video_id = video_id

    @property
    def readable(self) -> str:
        return readable_reason(self.reason)


@dataclass
class DownloadProgress:
    """One progress report of the file being downloaded.

    When yt-dlp downloads a video and an audio stream to merge, each goes from 0 to 100 %.
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


# Ordered: the first pattern that matches decides. HTTP status codes come before phrases,
# so that "HTTP Error 503: Service Unavailable" is a network error, not an unavailable video.
_ERROR_PATTERNS: list[tuple[re.Pattern[str], DownloadErrorKind]] = [
    (
        re.compile(
            r"HTTP Error 429|\b429\b.{0,3}Too Many Requests|Too Many Requests"
            r"|Sign in to confirm you[’']re not a bot|rate.?limit|captcha|try again later",
            re.IGNORECASE,
        ),
        DownloadErrorKind.RATE_LIMITED,
    ),
    (
        re.compile(r"HTTP Error (?:404|410)\b|\b(?:404|410):? (?:Not Found|Gone)\b", re.I),
        DownloadErrorKind.PERMANENT,
    ),
    (
        re.compile(
            r"HTTP Error 5\d\d\b|\b5\d\d:? (?:Internal Server Error|Bad Gateway"
            r"|Service Unavailable|Gateway Time-?out)",
            re.IGNORECASE,
        ),
        DownloadErrorKind.NETWORK,
    ),
    (
        re.compile(
            r"unavailable|no longer available|not available|isn[’']t available|has been removed"
            r"|been terminated|in your country|geo.?restrict"
            r"|private video|video is private|Sign in to confirm your age|age.?restricted"
            r"|inappropriate for some users|members.only|Join this channel|copyright"
            r"|Unsupported URL|No video formats found|Requested format is not available"
            r"|is not a valid URL|Premieres in|live event will begin",
            re.IGNORECASE,
        ),
        DownloadErrorKind.PERMANENT,
    ),
    (
        re.compile(
            r"timed out|time-?out|Connection refused|Connection reset|Connection aborted"
            r"|Remote end closed|Name or service not known|name resolution"
            r"|nodename nor servname|getaddrinfo failed|Temporary failure|Network is unreachable"
            r"|No route to host|incomplete ?read|IncompleteRead|Broken pipe"
            r"|Unable to download webpage: <urlopen error|Did not get any data blocks"
            r"|Content too short|bytes read, \d+ more expected",
            re.IGNORECASE,
        ),
        DownloadErrorKind.NETWORK,
    ),
]
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def classify_error(message: str) -> DownloadErrorKind:
    """The kind of a yt-dlp error message."""
    for pattern, kind in _ERROR_PATTERNS:
        if pattern.search(message):
            return kind
    return DownloadErrorKind.FAILED


def clean_error_message(message: str) -> str:
    """A yt-dlp error message without colour codes and the "ERROR: " prefix."""
    text = _ANSI_RE.sub("", message).strip()
    text = re.sub(r"^(?:ERROR:\s*)+", "", text)
    return text or "yt-dlp failed without a message"


class _YtDlpLogger:
    """Sends yt-dlp's messages to the app log at debug level; errors are raised anyway."""

    def debug(self, msg: str) -> None:
        logger.debug(f"yt-dlp: {msg}")

    def info(self, msg: str) -> None:
        logger.debug(f"yt-dlp: {msg}")

    def warning(self, msg: str) -> None:
        logger.debug(f"yt-dlp warning: {msg}")

    def error(self, msg: str) -> None:
        logger.debug(f"yt-dlp error: {_ANSI_RE.sub('', msg)}")


_plugins_lock = threading.Lock()


def new_youtube_dl(params: dict[str, Any]) -> yt_dlp.YoutubeDL:
    """A YoutubeDL that reads no configuration: no config files, no plugins, no cookies.

    yt-dlp reads config files only from its command line, never as a library; plugins are
    loaded on the first YoutubeDL, so plugin folders are switched off before that.
    """
    with _plugins_lock:
        if not all_plugins_loaded.value:
            plugin_dirs.value = []
    base: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": _YtDlpLogger(),
        "color": {"stdout": "no_color", "stderr": "no_color"},
        "socket_timeout": SOCKET_TIMEOUT,
        "cachedir": str(get_settings().app_data_dir / "cache" / "yt-dlp"),
        "js_runtimes": js_runtimes(),
    }
    base.update(params)
    return yt_dlp.YoutubeDL(base)


@contextlib.contextmanager
def guarded_youtube_dl(params: dict[str, Any]) -> Iterator[tuple[yt_dlp.YoutubeDL, EgressGuard]]:
    """A YoutubeDL (see `new_youtube_dl`) whose every request goes through an EgressGuard.

    The guard applies the source policy to each connection, redirects included; after a
    failure, `guard.refusal` says whether the policy was the cause.
    """
    with EgressGuard(allow_local=get_settings().allow_local_sources) as guard:
        guarded = {
            **params,
            "proxy": guard.proxy_url,
            # yt-dlp's own downloaders, which use the proxy for every fragment; a program
            # it would run instead (aria2c, ffmpeg for HLS) might not.
            "external_downloader": {"default": "native"},
        }
        with new_youtube_dl(guarded) as ydl:
            yield ydl, guard


def js_runtimes() -> dict[str, dict[str, str]]:
    """The JavaScript runtimes yt-dlp may use for YouTube's challenges.

    Deno comes with the project (the `deno` package installs it next to the interpreter);
    node, when installed, is the fallback.
    """
    runtimes: dict[str, dict[str, str]] = {}
    beside_python = Path(sys.executable).parent / "deno"
    deno = str(beside_python) if beside_python.exists() else shutil.which("deno")
    if deno:
        runtimes["deno"] = {"path": deno}
    node = shutil.which("node")
    if node:
        runtimes["node"] = {"path": node}
    return runtimes


def build_format(profile: TrailerProfileRead) -> str:
    """The yt-dlp format selector for a profile: capped height, its codecs preferred."""
    height = f"[height<=?{profile.video_resolution}]"
    video = _VIDEO_CODEC_FILTERS.get(profile.video_format, "")
    audio = _AUDIO_CODEC_FILTERS.get(profile.audio_format, "")
    choices: list[str] = []
    if video or audio:
        choices.append(f"bv*{height}{video}+ba{audio}")
    if video and audio:
        choices.append(f"bv*{height}{video}+ba")
    choices += [f"bv*{height}+ba", f"b{height}", "bv*+ba", "b"]
    return "/".join(choices)


def _ffmpeg_location() -> str | None:
    configured = get_settings().ffmpeg_path
    if "/" in configured or "\\" in configured:
        return configured
    return shutil.which(configured)


def build_options(profile: TrailerProfileRead, work_dir: Path) -> dict[str, Any]:
    """The YoutubeDL parameters for downloading with `profile` into `work_dir`."""
    postprocessors: list[dict[str, Any]] = []
    options: dict[str, Any] = {
        "format": build_format(profile),
        "outtmpl": {"default": "%(id)s.%(ext)s"},
        "paths": {"home": str(work_dir)},
        "restrictfilenames": True,
        "noplaylist": True,
        "playlist_items": "1",
        "merge_output_format": "mkv",
        "retries": 2,
        "fragment_retries": 3,
        "extractor_retries": 1,
        "updatetime": False,
        "overwrites": True,
        "postprocessors": postprocessors,
    }
    ffmpeg = _ffmpeg_location()
    if ffmpeg:
        options["ffmpeg_location"] = ffmpeg
    if profile.subtitles_enabled:
        languages = [code.strip() for code in profile.subtitles_languages.split(",")]
        options.update(
            {
                "writesubtitles": True,
                "writeautomaticsub": False,
                "subtitleslangs": [code for code in languages if code] or ["en"],
                "subtitlesformat": f"{profile.subtitles_format}/vtt/srt/best",
            }
        )
        postprocessors.append({"key": "FFmpegEmbedSubtitle", "already_have_subtitle": False})
    if profile.embed_metadata:
        postprocessors.append(
            {
                "key": "FFmpegMetadata",
                "add_metadata": True,
                "add_chapters": False,
                "add_infojson": False,
            }
        )
    return options


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

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise _Interrupted(DownloadErrorKind.CANCELLED, "the download was cancelled")
        if time.monotonic() > self.deadline:
            raise _Interrupted(
                DownloadErrorKind.FAILED,
                f"the download took longer than {self.deadline_seconds:g} s",
            )

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
        if status.get("status") == "started":
            self.check()


class _ChildWatch:
    """Stops the programs yt-dlp starts for one download when it is cancelled or late.

    yt-dlp runs ffmpeg (merging, embedding subtitles and metadata) without a timeout, and
    calls no hook while it runs, so a stuck ffmpeg would hold the download for ever. While
    the yt-dlp call runs, a thread checks the cancel flag and the deadline every
    `poll_seconds`; once either fires, it kills this process's children whose command
    line names the download's private work folder (found in /proc, so on Linux only), and
    keeps `stopped` to report why.
    """

    def __init__(self, state: _Attempt, marker: str, *, poll_seconds: float = 0.5) -> None:
        self.state = state
        self.marker = marker.encode()
        self.poll_seconds = poll_seconds
        self.stopped: _Interrupted | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="yt-dlp-child-watch", daemon=True)

    def __enter__(self) -> _ChildWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(self.poll_seconds):
            try:
                self.state.check()
            except _Interrupted as exc:
                self.stopped = self.stopped or exc
                for pid in _children_naming(self.marker):
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                        logger.warning(f"Stopped process {pid} of a download: {exc.reason}")


def _children_naming(marker: bytes) -> list[int]:
    """The ids of this process's children whose command line contains `marker`."""
    me = os.getpid()
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    found = []
    for name in names:
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == me and marker in Path(f"/proc/{name}/cmdline").read_bytes():
                found.append(int(name))
        except (OSError, ValueError, IndexError):
            continue
    return found


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
    watch = _ChildWatch(state, f"{work_dir}{os.sep}")  # the paths of files inside it
    with watch, guarded_youtube_dl(options) as (ydl, guard):
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
