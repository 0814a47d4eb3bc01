"""The parameters yt-dlp gets for a profile."""

from __future__ import annotations

from pathlib import Path

from core.download.ytdlp_options import build_format, build_options
from tests.utils.factories import make_profile


def test_format_prefers_the_profile_codecs_under_the_height_cap() -> None:
    h264 = build_format(make_profile(video_resolution=720))
    assert h264.split("/") == [
        "bv*[height<=?720][vcodec^=avc1]+ba[acodec^=mp4a]",
        "bv*[height<=?720][vcodec^=avc1]+ba",
        "bv*[height<=?720]+ba",
        "b[height<=?720]",
        "bv*+ba",
        "b",
    ]
    copy = build_format(make_profile(video_format="copy", audio_format="copy"))
    assert copy == "bv*[height<=?1080]+ba/b[height<=?1080]/bv*+ba/b"
    vp9 = build_format(make_profile(video_format="vp9", audio_format="opus"))
    assert vp9.startswith("bv*[height<=?1080][vcodec~='^vp0?9']+ba[acodec=opus]/")


def test_yt_dlp_retries_nothing_itself(tmp_path: Path) -> None:
    """One retry layer: download_video's own; yt-dlp's would multiply its waits."""
    options = build_options(make_profile(), tmp_path)
    assert options["retries"] == 0
    assert options["fragment_retries"] == 0
    assert options["extractor_retries"] == 0
