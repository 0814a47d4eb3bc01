"""Test videos made with the real ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

VIDEO_ENCODERS = {"h264": "libx264", "hevc": "libx265", "vp9": "libvpx-vp9", "av1": "libaom-av1"}
AUDIO_ENCODERS = {"aac": "aac", "opus": "libopus", "ac3": "ac3", "vorbis": "libvorbis"}
SUBTITLE_CODECS = {".mkv": "srt", ".mp4": "mov_text", ".webm": "webvtt"}


def make_video(
    path: Path,
    *,
    duration: float = 2.0,
    width: int = 320,
    height: int = 240,
    vcodec: str = "h264",
    acodec: str | None = "aac",
    channels: int = 2,
    subtitles: list[str] | None = None,
    tags: dict[str, str] | None = None,
) -> Path:
    """Write a small test video: a test pattern, a sine tone, optional subtitle tracks.

    `subtitles` is a list of language codes, one subtitle stream each, in order.
    `tags` become global metadata (`-metadata key=value`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    args = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size={width}x{height}:rate=15:duration={duration}",
    ]
    inputs = 1
    if acodec:
        layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
        args += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={duration},"
            f"aformat=channel_layouts={layout}",
        ]
        inputs += 1
    srt_files = []
    for index, _lang in enumerate(subtitles or []):
        srt = path.with_name(f"{path.stem}.sub{index}.srt")
        srt.write_text(f"1\n00:00:00,000 --> 00:00:01,000\nLine {index}\n", encoding="utf-8")
        srt_files.append(srt)
        args += ["-i", str(srt)]
    args += ["-map", "0:v"]
    if acodec:
        args += ["-map", "1:a"]
    for index in range(len(srt_files)):
        args += ["-map", f"{inputs + index}:s"]
    args += ["-c:v", VIDEO_ENCODERS[vcodec], "-pix_fmt", "yuv420p"]
    if vcodec == "h264":
        args += ["-preset", "ultrafast"]
    elif vcodec == "vp9":
        args += ["-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k"]
    elif vcodec == "av1":
        args += ["-cpu-used", "8", "-b:v", "200k"]
    if acodec:
        args += ["-c:a", AUDIO_ENCODERS[acodec], "-ac", str(channels)]
    if srt_files:
        args += ["-c:s", SUBTITLE_CODECS[path.suffix]]
        for index, lang in enumerate(subtitles or []):
            args += [f"-metadata:s:s:{index}", f"language={lang}"]
    for key, value in (tags or {}).items():
        args += ["-metadata", f"{key}={value}"]
    if path.suffix == ".mp4":
        args += ["-movflags", "+faststart+use_metadata_tags"]
    args.append(str(path))
    subprocess.run(args, check=True, timeout=120, capture_output=True)
    for srt in srt_files:
        srt.unlink()
    return path
