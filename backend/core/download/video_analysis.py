"""Media analysis with ffprobe: streams, duration, size, and the YouTube id a file carries.

Every function here is blocking (it runs ffprobe or reads the disk); the download pipeline
calls them from worker threads, never on the event loop.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from pydantic import BaseModel

from app_logger import ModuleLogger
from config import get_settings
from core.base.utils.process import ProcessTimeoutError, run_process
from core.download.errors import DownloadErrorKind, TrailerError

logger = ModuleLogger("VideoAnalysis")

FORMAT_ENTRIES = "format=format_name,duration,size,bit_rate"
STREAM_ENTRIES = (
    "stream=index,codec_type,codec_name,width,height,coded_width,coded_height,"
    "channels,channel_layout,sample_rate,duration"
)
STREAM_TAG_ENTRIES = "stream_tags=language,duration,name,title"
STREAM_DISPOSITION_ENTRIES = "stream_disposition=attached_pic"

# Demuxer messages that mean the file is cut short or damaged. ffprobe still exits 0 on
# most truncated files, so its error output is the only sign of them.
DAMAGE_MARKERS = (
    "partial file",
    "ended prematurely",
    "truncat",
    "invalid data found",
    "moov atom not found",
    "error reading header",
    "ebml header parsing failed",
)

# Tag keys that may hold the source of the video, in the order they are trusted.
YOUTUBE_TAG_KEYS = ("youtube_id", "youtube", "purl", "comment", "description", "synopsis")

_VIDEO_ID = r"([A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])"
_BARE_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
# A host must start at a boundary (so "notyoutube.com" does not count) and end at the path.
_YOUTUBE_HOST = (
    r"(?:https?://)?(?<![\w.-])(?:[a-z0-9-]+\.)*(?:youtube\.com|youtube-nocookie\.com)"
    r"(?::\d+)?"
)
_YOUTUBE_LINKS = (
    re.compile(_YOUTUBE_HOST + r"/watch/?\?(?:[^\s#]*?&)?v=" + _VIDEO_ID, re.IGNORECASE),
    re.compile(_YOUTUBE_HOST + r"/(?:embed|shorts|live|v)/" + _VIDEO_ID, re.IGNORECASE),
    re.compile(r"(?:https?://)?(?<![\w.-])youtu\.be(?::\d+)?/" + _VIDEO_ID, re.IGNORECASE),
)


class StreamInfo(BaseModel):
    """One stream of a media file.

    `width`/`height` are the display size; `coded_width`/`coded_height` are the size the
    codec works in, which may be padded (1920x1088 for a 1080p H.264 stream).
    `duration` is "H:MM:SS" ("0:00:00" when the container does not say).
    """

    index: int
    codec_type: str
    codec_name: str
    coded_width: int = 0
    coded_height: int = 0
    width: int = 0
    height: int = 0
    audio_channels: int = 0
    channel_layout: str | None = None
    sample_rate: int = 0
    language: str | None = None
    duration: str = "0:00:00"
    name: str | None = None
    is_attached_pic: bool = False


class VideoInfo(BaseModel):
    """What ffprobe found in a media file.

    `file_size` and `file_mtime_ns` come from `os.stat` just before probing: when the file
    still has both, this probe still describes it.
    """

    name: str
    format_name: str
    duration_seconds: int = 0
    duration: str = "0:00:00"
    size: int = 0
    bitrate: str = "0 bps"
    streams: list[StreamInfo]
    youtube_id: str | None = None
    file_size: int = 0
    file_mtime_ns: int = 0

    @property
    def video_stream(self) -> StreamInfo | None:
        """The first real video stream (embedded cover art does not count)."""
        return next(
            (s for s in self.streams if s.codec_type == "video" and not s.is_attached_pic),
            None,
        )

    @property
    def audio_streams(self) -> list[StreamInfo]:
        return [s for s in self.streams if s.codec_type == "audio"]

    @property
    def subtitle_streams(self) -> list[StreamInfo]:
        return [s for s in self.streams if s.codec_type == "subtitle"]


class TrailerVerificationError(TrailerError):
    """A file that is not an acceptable trailer; the message says why. The source gave it,
    so the source is no use for this profile (PERMANENT)."""

    default_kind = DownloadErrorKind.PERMANENT


def convert_duration(seconds: float) -> str:
    """Seconds as "H:MM:SS" (whole seconds, rounded down)."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def convert_bitrate(bits_per_second: float) -> str:
    """A bit rate for people: "850 bps", "128.00 kbps", "1.23 Mbps", "1.50 Gbps"."""
    value = max(float(bits_per_second), 0.0)
    if value < 1000:
        return f"{int(value)} bps"
    for unit in ("kbps", "Mbps"):
        value /= 1000
        if value < 1000:
            return f"{value:.2f} {unit}"
    return f"{value / 1000:.2f} Gbps"


def extract_youtube_id(tags: dict[str, str]) -> str | None:
    """The YouTube video id named by a file's tags, or None.

    Keys are matched whatever their case (Matroska writes COMMENT, PURL, DESCRIPTION; MP4
    writes comment). A `youtube_id` tag may hold the bare 11-character id; every other tag
    counts only when it holds a YouTube link (`watch?v=`, `youtu.be/`, `/embed/`,
    `/shorts/`, `/live/`, `/v/` on youtube.com, youtube-nocookie.com or youtu.be).
    """
    by_key: dict[str, str] = {}
    for key, value in tags.items():
        if isinstance(value, str):
            by_key.setdefault(key.lower(), value)
    for key in YOUTUBE_TAG_KEYS:
        value = by_key.get(key, "").strip()
        if not value:
            continue
        if key == "youtube_id" and _BARE_VIDEO_ID.fullmatch(value):
            return value
        for pattern in _YOUTUBE_LINKS:
            match = pattern.search(value)
            if match:
                return match.group(1)
    return None


def _to_int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _to_float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if number == number else 0.0  # NaN counts as unknown


def _tag_seconds(value: Any) -> float:
    """A Matroska DURATION tag ("00:02:31.045000000") in seconds; 0 when unreadable."""
    if not isinstance(value, str):
        return 0.0
    parts = value.strip().split(":")
    if len(parts) != 3:
        return 0.0
    try:
        return int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2])
    except ValueError:
        return 0.0


def _lower_keys(tags: Any) -> dict[str, str]:
    if not isinstance(tags, dict):
        return {}
    return {str(k).lower(): str(v) for k, v in tags.items()}


def _parse_stream(raw: dict[str, Any]) -> StreamInfo:
    tags = _lower_keys(raw.get("tags"))
    seconds = _to_float(raw.get("duration")) or _tag_seconds(tags.get("duration"))
    disposition = raw.get("disposition")
    attached_pic = isinstance(disposition, dict) and bool(disposition.get("attached_pic"))
    return StreamInfo(
        index=_to_int(raw.get("index")),
        codec_type=str(raw.get("codec_type") or "unknown"),
        codec_name=str(raw.get("codec_name") or "unknown"),
        coded_width=_to_int(raw.get("coded_width")),
        coded_height=_to_int(raw.get("coded_height")),
        width=_to_int(raw.get("width")),
        height=_to_int(raw.get("height")),
        audio_channels=_to_int(raw.get("channels")),
        channel_layout=raw.get("channel_layout") or None,
        sample_rate=_to_int(raw.get("sample_rate")),
        language=tags.get("language") or None,
        duration=convert_duration(seconds),
        name=tags.get("name") or tags.get("title") or None,
        is_attached_pic=attached_pic,
    )


def _damage_reported(stderr: str) -> str | None:
    """The first line of ffprobe's error output that says the file is cut short or damaged."""
    for line in stderr.splitlines():
        lowered = line.lower()
        if any(marker in lowered for marker in DAMAGE_MARKERS):
            return line.strip()
    return None


def get_media_info(file_path: str, *, check_integrity: bool = False) -> VideoInfo | None:
    """Probe `file_path` with ffprobe; None (with a warning logged) when it cannot be read.

    A plain probe reads the container's headers only, which is all a record needs. With
    `check_integrity` the whole file is demuxed too (`-count_packets`, no decoding), so that
    a file cut short anywhere is noticed and not only one whose header is damaged: the
    download pipeline's verification uses it. Never raises. Blocking: call it from a worker
    thread.
    """
    settings = get_settings()
    try:
        stat = os.stat(file_path)
    except OSError as exc:
        logger.warning(f"Cannot analyse {file_path}: {exc.strerror or exc}")
        return None
    args = [
        settings.ffprobe_path,
        "-v",
        "error",
        *(["-count_packets"] if check_integrity else []),
        "-show_entries",
        ":".join(
            (
                FORMAT_ENTRIES,
                "format_tags",
                STREAM_ENTRIES,
                STREAM_TAG_ENTRIES,
                STREAM_DISPOSITION_ENTRIES,
            )
        ),
        "-of",
        "json",
        "--",
        file_path,
    ]
    try:
        result = run_process(args, timeout=settings.ffprobe_timeout, nice=settings.ffmpeg_nice)
    except ProcessTimeoutError as exc:
        logger.warning(f"Cannot analyse {file_path}: {exc}")
        return None
    except OSError as exc:
        logger.warning(f"Cannot analyse {file_path}: cannot run ffprobe ({exc})")
        return None
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1:] or [f"exit code {result.returncode}"]
        logger.warning(f"Cannot analyse {file_path}: ffprobe failed: {detail[0]}")
        return None
    damage = _damage_reported(result.stderr)
    if damage is not None:
        logger.warning(f"Cannot analyse {file_path}: the file is truncated or corrupt ({damage})")
        return None
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        logger.warning(f"Cannot analyse {file_path}: ffprobe gave unreadable output ({exc})")
        return None
    if not isinstance(data, dict):
        logger.warning(f"Cannot analyse {file_path}: ffprobe gave unexpected output")
        return None
    raw_streams = [s for s in data.get("streams") or [] if isinstance(s, dict)]
    if not raw_streams:
        logger.warning(f"Cannot analyse {file_path}: no audio or video streams found")
        return None
    fmt = data.get("format")
    if not isinstance(fmt, dict):
        fmt = {}
    format_tags = fmt.get("tags")
    seconds = _to_float(fmt.get("duration"))
    info = VideoInfo(
        name=os.path.basename(file_path),
        format_name=str(fmt.get("format_name") or "N/A"),
        duration_seconds=int(seconds),
        duration=convert_duration(seconds),
        size=_to_int(fmt.get("size")) or stat.st_size,
        bitrate=convert_bitrate(_to_float(fmt.get("bit_rate"))),
        streams=[_parse_stream(s) for s in raw_streams],
        youtube_id=extract_youtube_id(format_tags if isinstance(format_tags, dict) else {}),
        file_size=stat.st_size,
        file_mtime_ns=stat.st_mtime_ns,
    )
    logger.debug(
        f"Analysed {file_path}: {info.format_name}, {info.duration}, {len(info.streams)} streams"
    )
    return info


def remote_duration(url: str, *, proxy: str) -> float | None:
    """The duration of the video at `url`, read by ffprobe through the HTTP proxy `proxy`
    (the egress guard) from the file's header; None when it cannot be read. Blocking.

    For a direct video link, whose page yt-dlp's generic extractor cannot read a duration
    from: the check before a download needs it.
    """
    settings = get_settings()
    args = [
        settings.ffprobe_path, "-v", "error", "-http_proxy", proxy,
        "-show_entries", "format=duration", "-of", "json", "--", url,
    ]  # fmt: skip
    try:
        result = run_process(args, timeout=settings.ffprobe_timeout, nice=settings.ffmpeg_nice)
        seconds = json.loads(result.stdout or "{}").get("format", {}).get("duration")
        return float(seconds) if seconds is not None else None
    except (OSError, ProcessTimeoutError, ValueError, AttributeError) as exc:
        logger.debug(f"No duration read from {url}: {exc}")
        return None


def verify_trailer(info: VideoInfo | None, *, min_duration: int, max_duration: int) -> None:
    """Raise TrailerVerificationError unless `info` describes a playable trailer.

    A trailer needs a video stream (cover art does not count), an audio stream, and a
    duration from `min_duration` to `max_duration` seconds (a bound of 0 is not checked).
    """
    if info is None:
        raise TrailerVerificationError(
            "The file could not be read as a video (missing, truncated or corrupt)"
        )
    if info.video_stream is None:
        raise TrailerVerificationError(f"{info.name} has no video stream")
    if not info.audio_streams:
        raise TrailerVerificationError(f"{info.name} has no audio stream")
    seconds = info.duration_seconds
    if min_duration > 0 and seconds < min_duration:
        raise TrailerVerificationError(
            f"{info.name} is {seconds} s long, shorter than the minimum of {min_duration} s"
        )
    if max_duration > 0 and seconds > max_duration:
        raise TrailerVerificationError(
            f"{info.name} is {seconds} s long, longer than the maximum of {max_duration} s"
        )
