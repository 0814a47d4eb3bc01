"""Conversion of a downloaded video to the container and codecs a trailer profile asks for.

How streams are chosen and converted:

* Video: the first real video stream (embedded cover art is dropped). It is stream-copied
  when its codec already is the profile's and its height is within the profile's
  `video_resolution`; otherwise it is encoded with fast settings (trailers are short),
  scaled down to `video_resolution` lines when taller, as 8-bit 4:2:0 for the widest
  player support. `copy` keeps the stream as it is, whatever its height (the height is
  chosen at download time); only when the container forces an encode is it scaled too.
* Audio: every audio stream, each stream-copied when its codec already is the profile's
  (or the profile says `copy`), otherwise encoded keeping its channel count.
* Containers win over codecs: WebM only holds VP8/VP9/AV1 video and Opus/Vorbis audio,
  MP4 holds H.264/H.265/VP9/AV1/MPEG-4 video and AAC/MP3/AC-3/E-AC-3/Opus/ALAC audio. A
  stream the profile would put in a container that cannot hold it (`copy` of H.264 into
  WebM, or a profile asking for H.264 in WebM) is encoded to the container's usual codec
  instead: VP9/Opus for WebM, H.264/AAC for MP4. Matroska holds everything.
* Subtitles: kept only when the profile enables them. Text subtitles become SubRip in
  Matroska (ASS/SSA and SubRip are copied), mov_text in MP4 and WebVTT in WebM. Picture
  subtitles (PGS, DVD) are copied into Matroska and dropped from MP4 and WebM, which
  cannot hold them. Stream languages are kept.
* Data streams and attachments (fonts, thumbnails) are not carried over.
* Metadata: the source's global tags and chapters are kept; with `embed_metadata` the
  source URL is written as the `comment` tag, where `get_media_info` finds the YouTube id.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app_logger import ModuleLogger
from config import get_settings
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.base.utils.process import (
    ProcessStoppedError,
    ProcessTimeoutError,
    run_process,
    run_process_lines,
)
from core.download.errors import DownloadErrorKind, TrailerError
from core.download.video_analysis import StreamInfo, VideoInfo, get_media_info

logger = ModuleLogger("Convert")

MUXERS = {"mkv": "matroska", "mp4": "mp4", "webm": "webm"}

# Profile codec name -> ffprobe codec name.
PROFILE_VIDEO_CODECS = {"h264": "h264", "h265": "hevc", "vp9": "vp9", "av1": "av1"}
PROFILE_AUDIO_CODECS = {"aac": "aac", "opus": "opus", "ac3": "ac3"}

# What each container can hold (None: anything), and what to encode to when it cannot.
CONTAINER_VIDEO: dict[str, frozenset[str] | None] = {
    "mkv": None,
    "mp4": frozenset({"h264", "hevc", "vp9", "av1", "mpeg4"}),
    "webm": frozenset({"vp8", "vp9", "av1"}),
}
CONTAINER_AUDIO: dict[str, frozenset[str] | None] = {
    "mkv": None,
    "mp4": frozenset({"aac", "mp3", "ac3", "eac3", "opus", "alac"}),
    "webm": frozenset({"opus", "vorbis"}),
}
FALLBACK_VIDEO = {"mkv": "h264", "mp4": "h264", "webm": "vp9"}
FALLBACK_AUDIO = {"mkv": "aac", "mp4": "aac", "webm": "opus"}

TEXT_SUBTITLES = frozenset(
    {
        "subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text", "microdvd", "mpl2",
        "subviewer", "subviewer1", "sami", "realtext", "vplayer", "pjs", "jacosub", "stl",
    }
)  # fmt: skip
PICTURE_SUBTITLES = frozenset({"hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub"})
# Per container: subtitle codecs copied as they are, and the encoder for other text ones.
SUBTITLE_COPY = {
    "mkv": frozenset({"subrip", "srt", "ass", "ssa"}) | PICTURE_SUBTITLES,
    "mp4": frozenset({"mov_text"}),
    "webm": frozenset({"webvtt"}),
}
SUBTITLE_ENCODER = {"mkv": "srt", "mp4": "mov_text", "webm": "webvtt"}

STDERR_TAIL_LINES = 8


class ConversionError(TrailerError):
    """The conversion failed; the message says why. Counted against the source (PERMANENT)
    as before: the next candidate may convert."""

    default_kind = DownloadErrorKind.PERMANENT


@functools.cache
def _thread_args(threads: int) -> list[str]:
    """`-threads N` (FFMPEG_THREADS): given before the input it bounds the decoder's
    threads, after it the encoder's; nothing for 0, ffmpeg's own choice."""
    return ["-threads", str(threads)] if threads > 0 else []


def available_encoders(ffmpeg_path: str) -> frozenset[str]:
    """The encoder names `ffmpeg -encoders` lists (cached per ffmpeg program)."""
    try:
        result = run_process([ffmpeg_path, "-hide_banner", "-encoders"], timeout=30)
    except (OSError, ProcessTimeoutError) as exc:
        logger.warning(f"Cannot list the encoders of {ffmpeg_path}: {exc}")
        return frozenset()
    names: set[str] = set()
    listing = False
    for line in result.stdout.splitlines():
        if line.strip().startswith("------"):
            listing = True
            continue
        parts = line.split()
        if listing and len(parts) >= 2:
            names.add(parts[1])
    return frozenset(names)


@dataclass
class _Plan:
    """The ffmpeg arguments for each kind of stream."""

    maps: list[str] = field(default_factory=list)
    codec_args: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)


def _fits(codec: str, allowed: frozenset[str] | None) -> bool:
    return allowed is None or codec in allowed


def _video_encoder_args(codec: str, ffmpeg_path: str) -> list[str]:
    """Encoder and fast quality settings for a target video codec (ffprobe name)."""
    if codec == "h264":
        return ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21"]
    if codec == "hevc":
        return [
            "-c:v", "libx265", "-preset", "veryfast", "-crf", "24",
            "-x265-params", "log-level=error",
        ]  # fmt: skip
    if codec == "vp9":
        return [
            "-c:v", "libvpx-vp9", "-deadline", "good", "-cpu-used", "5", "-row-mt", "1",
            "-crf", "31", "-b:v", "0",
        ]  # fmt: skip
    if codec == "av1":
        if "libsvtav1" in available_encoders(ffmpeg_path):
            return ["-c:v", "libsvtav1", "-preset", "10", "-crf", "32"]
        return ["-c:v", "libaom-av1", "-cpu-used", "8", "-row-mt", "1", "-crf", "32", "-b:v", "0"]
    raise ConversionError(f"no encoder for video codec {codec}")


def _plan_video(
    video: StreamInfo, profile: TrailerProfileRead, container: str, ffmpeg_path: str
) -> _Plan:
    plan = _Plan(maps=["-map", f"0:{video.index}"])
    source = video.codec_name
    allowed = CONTAINER_VIDEO[container]
    height = video.height or video.coded_height
    cap = profile.video_resolution
    if profile.video_format == "copy":
        target = source
        within_cap = True  # `copy` never re-encodes for size
    else:
        target = PROFILE_VIDEO_CODECS[profile.video_format]
        within_cap = height <= cap
    if not _fits(target, allowed):
        fallback = FALLBACK_VIDEO[container]
        logger.info(f"{container} cannot hold {target} video; encoding it as {fallback}")
        target = fallback
    if target == source and within_cap:
        plan.codec_args += ["-c:v", "copy"]
        plan.summary.append(f"video {source} copied")
    else:
        plan.codec_args += _video_encoder_args(target, ffmpeg_path)
        plan.codec_args += ["-pix_fmt", "yuv420p"]
        if height > cap:
            plan.codec_args += ["-vf", f"scale=-2:{cap}"]
        plan.summary.append(f"video {source} -> {target}" + (f" {cap}p" if height > cap else ""))
    if target == "hevc" and container == "mp4":
        plan.codec_args += ["-tag:v", "hvc1"]  # the tag Apple players need
    return plan


def _audio_encoder_args(codec: str, out_index: int, stream: StreamInfo) -> list[str]:
    """Encoder, bit rate and channel layout fix-up for one output audio stream."""
    channels = stream.audio_channels or 2
    spec = f":a:{out_index}"
    if codec == "aac":
        args = [f"-c{spec}", "aac", f"-b{spec}", f"{min(64 * channels, 512)}k"]
    elif codec == "opus":
        args = [f"-c{spec}", "libopus", f"-b{spec}", f"{min(48 * channels, 510)}k"]
    elif codec == "ac3":
        args = [f"-c{spec}", "ac3", f"-b{spec}", "448k" if channels > 2 else "192k"]
    else:
        raise ConversionError(f"no encoder for audio codec {codec}")
    if codec in {"aac", "opus"} and stream.channel_layout == "5.1(side)":
        # Same six speakers; libopus refuses the "side" variant and aac loses the layout.
        args += [f"-filter{spec}", "channelmap=channel_layout=5.1"]
    return args


def _plan_audio(streams: list[StreamInfo], profile: TrailerProfileRead, container: str) -> _Plan:
    plan = _Plan()
    allowed = CONTAINER_AUDIO[container]
    for out_index, stream in enumerate(streams):
        plan.maps += ["-map", f"0:{stream.index}"]
        source = stream.codec_name
        if profile.audio_format == "copy":
            target = source
        else:
            target = PROFILE_AUDIO_CODECS[profile.audio_format]
        if not _fits(target, allowed):
            fallback = FALLBACK_AUDIO[container]
            logger.info(f"{container} cannot hold {target} audio; encoding it as {fallback}")
            target = fallback
        if target == source:
            plan.codec_args += [f"-c:a:{out_index}", "copy"]
            plan.summary.append(f"audio {source} copied")
        else:
            plan.codec_args += _audio_encoder_args(target, out_index, stream)
            plan.summary.append(f"audio {source} -> {target}")
    return plan


def _plan_subtitles(streams: list[StreamInfo], container: str) -> _Plan:
    plan = _Plan()
    out_index = 0
    for stream in streams:
        codec = stream.codec_name
        if codec in SUBTITLE_COPY[container]:
            codec_arg = "copy"
        elif codec in TEXT_SUBTITLES:
            codec_arg = SUBTITLE_ENCODER[container]
        else:
            logger.info(
                f"Dropping {codec} subtitles ({stream.language}): {container} cannot hold them"
            )
            continue
        plan.maps += ["-map", f"0:{stream.index}"]
        plan.codec_args += [f"-c:s:{out_index}", codec_arg]
        plan.summary.append(f"subtitles {stream.language or 'und'} {codec} -> {codec_arg}")
        out_index += 1
    return plan


def output_path_for(input_path: Path, output_dir: Path, file_format: str) -> Path:
    """`<output_dir>/<input stem>.<ext>`, or `<stem>.converted.<ext>` when that is the input."""
    final = output_dir / f"{input_path.stem}.{file_format}"
    if final.resolve() == input_path.resolve():
        final = output_dir / f"{input_path.stem}.converted.{file_format}"
    return final


def _progress_reader(
    duration: float | None, progress: Callable[[float], None] | None
) -> Callable[[str], None]:
    """Reads ffmpeg's `-progress` lines (`key=value`): the time written so far, of the
    input's duration, is the share done; `progress=end` is all of it."""

    def read(line: str) -> None:
        if progress is None:
            return
        key, _, value = line.partition("=")
        if key == "progress" and value == "end":
            progress(1.0)
        elif key == "out_time_us" and duration and value.isdigit():
            progress(min(1.0, int(value) / 1_000_000 / duration))

    return read


def _stderr_tail(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return " | ".join(lines[-STDERR_TAIL_LINES:]) or "no error output"


def convert_trailer(
    input_path: Path,
    profile: TrailerProfileRead,
    *,
    output_dir: Path,
    source_url: str | None = None,
    info: VideoInfo | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], str | None] | None = None,
) -> Path:
    """Convert `input_path` to the profile's container and codecs; return the new file.

    The result is `<output_dir>/<input stem>.<file_format>` (`<stem>.converted.<ext>` when
    that would be the input itself), written under a temporary name and renamed when
    complete; an existing file of that name is replaced. The input is left in place.
    `info` is a probe of the input, taken again when not given. `progress` gets the share
    done (0 to 1) as ffmpeg reports it (`-progress`); once `should_stop` gives a reason
    (a cancel), ffmpeg is stopped and the ConversionError is CANCELLED.
    Blocking: call it from a worker thread. Raises ConversionError, leaving no partial
    output behind.
    """
    settings = get_settings()
    container = profile.file_format
    if info is None:
        info = get_media_info(str(input_path), check_integrity=True)
    if info is None:
        raise ConversionError(f"{input_path.name} could not be read as a video")
    video = info.video_stream
    if video is None:
        raise ConversionError(f"{input_path.name} has no video stream")

    video_plan = _plan_video(video, profile, container, settings.ffmpeg_path)
    audio_plan = _plan_audio(info.audio_streams, profile, container)
    subtitle_plan = (
        _plan_subtitles(info.subtitle_streams, container) if profile.subtitles_enabled else _Plan()
    )

    output_dir.mkdir(parents=True, exist_ok=True)
    final = output_path_for(input_path, output_dir, container)
    temp = output_dir / f".{input_path.stem}.{secrets.token_hex(4)}.part.{container}"

    threads = _thread_args(settings.ffmpeg_threads)
    args = [
        settings.ffmpeg_path, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-progress", "pipe:1", "-nostats", *threads, "-i", str(input_path),
    ]  # fmt: skip
    for plan in (video_plan, audio_plan, subtitle_plan):
        args += plan.maps
    if not profile.subtitles_enabled:
        args.append("-sn")
    for plan in (video_plan, audio_plan, subtitle_plan):
        args += plan.codec_args
    args += ["-map_metadata", "0", "-max_muxing_queue_size", "4096"]
    if threads:
        args += [*threads, "-filter_threads", threads[1]]
    if profile.embed_metadata and source_url:
        args += ["-metadata", f"comment={source_url}"]
    if container == "mp4":
        args += ["-movflags", "+faststart+use_metadata_tags"]
    args += ["-f", MUXERS[container], str(temp)]

    summary = ", ".join(video_plan.summary + audio_plan.summary + subtitle_plan.summary)
    logger.info(f"Converting {input_path.name} to {container}: {summary}")
    try:
        try:
            result = run_process_lines(
                args,
                timeout=settings.ffmpeg_timeout,
                on_line=_progress_reader(info.duration_seconds, progress),
                should_stop=should_stop,
                nice=settings.ffmpeg_nice,
            )
        except ProcessStoppedError as exc:
            raise ConversionError(
                f"Converting {input_path.name} was stopped: {exc.reason}",
                kind=DownloadErrorKind.CANCELLED,
            ) from exc
        except ProcessTimeoutError as exc:
            raise ConversionError(f"Converting {input_path.name} took too long: {exc}") from exc
        except OSError as exc:
            raise ConversionError(f"Cannot run ffmpeg ({settings.ffmpeg_path}): {exc}") from exc
        if result.returncode != 0:
            raise ConversionError(
                f"ffmpeg could not convert {input_path.name} (exit code {result.returncode}):"
                f" {_stderr_tail(result.stderr)}"
            )
        if not temp.is_file() or temp.stat().st_size == 0:
            raise ConversionError(f"ffmpeg wrote no output for {input_path.name}")
        temp.replace(final)
    finally:
        temp.unlink(missing_ok=True)
    logger.info(f"Converted {input_path.name} to {final.name}")
    return final
