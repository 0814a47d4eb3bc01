"""get_media_info, extract_youtube_id and verify_trailer against real files and real ffprobe."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from config import get_settings
from core.download.video_analysis import (
    StreamInfo,
    TrailerVerificationError,
    VideoInfo,
    convert_bitrate,
    convert_duration,
    extract_youtube_id,
    get_media_info,
    verify_trailer,
)
from tests.utils.mediafiles import make_video
from tests.utils.programs import write_executable

pytestmark = pytest.mark.no_database

VIDEO_ID = "dQw4w9WgXcQ"
OTHER_ID = "A-b_C1d2E3f"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("ext", "vcodec", "acodec", "channels", "size", "subtitles", "format_name", "sub_codec"),
    [
        ("mkv", "h264", "aac", 6, (320, 240), ["eng", "fre"], "matroska,webm", "subrip"),
        ("mp4", "hevc", "aac", 1, (176, 144), ["eng", "und"], "mov,mp4,m4a,3gp,3g2,mj2",
         "mov_text"),
        ("webm", "vp9", "opus", 2, (160, 120), ["ger"], "matroska,webm", "webvtt"),
    ],
)  # fmt: skip
def test_probe_reads_streams_and_format(
    tmp_path: Path,
    ext: str,
    vcodec: str,
    acodec: str,
    channels: int,
    size: tuple[int, int],
    subtitles: list[str],
    format_name: str,
    sub_codec: str,
) -> None:
    path = make_video(
        tmp_path / f"clip.{ext}",
        duration=2,
        width=size[0],
        height=size[1],
        vcodec=vcodec,
        acodec=acodec,
        channels=channels,
        subtitles=subtitles,
    )
    stat = path.stat()

    info = get_media_info(str(path))

    assert info is not None
    assert info.name == f"clip.{ext}"
    assert info.format_name == format_name
    assert info.duration_seconds == 2
    assert info.duration == "0:00:02"
    assert info.size == stat.st_size
    assert info.file_size == stat.st_size
    assert info.file_mtime_ns == stat.st_mtime_ns
    assert info.bitrate.endswith(" kbps")
    assert info.youtube_id is None
    assert [s.codec_type for s in info.streams] == ["video", "audio"] + ["subtitle"] * len(
        subtitles
    )
    assert [s.index for s in info.streams] == list(range(len(info.streams)))
    video, audio = info.streams[0], info.streams[1]
    assert video.codec_name == vcodec
    assert (video.width, video.height) == size
    assert video.coded_width >= size[0] and video.coded_height >= size[1]
    assert video.duration == "0:00:02"
    assert audio.codec_name == acodec
    assert audio.audio_channels == channels
    assert audio.sample_rate == 48000
    assert [s.codec_name for s in info.subtitle_streams] == [sub_codec] * len(subtitles)
    assert [s.language for s in info.subtitle_streams] == subtitles
    assert info.video_stream == video
    assert info.audio_streams == [audio]


@pytest.mark.slow
def test_language_absent_is_none_and_und_stays(tmp_path: Path) -> None:
    mkv = get_media_info(str(make_video(tmp_path / "a.mkv", duration=0.5, acodec=None)))
    mp4 = get_media_info(str(make_video(tmp_path / "a.mp4", duration=0.5, acodec=None)))

    assert mkv is not None and mp4 is not None
    assert mkv.streams[0].language is None
    assert mp4.streams[0].language == "und"


LINK_FORMS = [
    f"https://www.youtube.com/watch?v={VIDEO_ID}",
    f"https://www.youtube.com/watch?feature=share&t=10&v={VIDEO_ID}",
    f"https://youtu.be/{VIDEO_ID}?t=3",
    f"https://www.youtube.com/embed/{VIDEO_ID}",
    f"Trailer, watch it at https://m.youtube.com/shorts/{VIDEO_ID} now",
    f"https://www.youtube-nocookie.com/embed/{VIDEO_ID}",
]


@pytest.mark.slow
@pytest.mark.parametrize("link", LINK_FORMS)
@pytest.mark.parametrize(
    ("ext", "key"),
    [("mkv", "PURL"), ("mkv", "DESCRIPTION"), ("mp4", "comment"), ("mp4", "synopsis")],
)
def test_youtube_id_from_file_tags(tmp_path: Path, ext: str, key: str, link: str) -> None:
    path = make_video(
        tmp_path / f"tagged.{ext}", duration=0.2, width=64, height=48, acodec=None,
        tags={key: link},
    )  # fmt: skip

    info = get_media_info(str(path))

    assert info is not None
    assert info.youtube_id == VIDEO_ID


@pytest.mark.slow
@pytest.mark.parametrize(("ext", "key"), [("mkv", "YOUTUBE_ID"), ("mp4", "youtube_id")])
def test_bare_youtube_id_tag(tmp_path: Path, ext: str, key: str) -> None:
    path = make_video(
        tmp_path / f"bare.{ext}", duration=0.2, width=64, height=48, acodec=None,
        tags={key: OTHER_ID},
    )  # fmt: skip

    info = get_media_info(str(path))

    assert info is not None
    assert info.youtube_id == OTHER_ID


@pytest.mark.parametrize(
    "tags",
    [
        {"comment": "http://127.0.0.1:8000/trailer_abc.mp4"},
        {"comment": "http://127.0.0.1:8000/videos/trailer_abc12345.mp4"},
        {"PURL": f"https://notyoutube.com/watch?v={VIDEO_ID}"},
        {"purl": f"https://youtube.com.example.org/watch?v={VIDEO_ID}"},
        {"description": f"https://vimeo.com/embed/{VIDEO_ID}"},
        {"description": f"the id is {VIDEO_ID}"},
        {"youtube_id": f"{VIDEO_ID}X"},
        {"comment": f"https://www.youtube.com/watch?v={VIDEO_ID}X"},
        {"title": f"https://www.youtube.com/watch?v={VIDEO_ID}"},
        {},
    ],
)
def test_no_youtube_id_without_a_youtube_link(tags: dict[str, str]) -> None:
    assert extract_youtube_id(tags) is None


def test_youtube_id_tag_order_and_key_case() -> None:
    tags = {
        "COMMENT": f"https://youtu.be/{OTHER_ID}",
        "YouTube": f"https://www.youtube.com/watch?v={VIDEO_ID}",
    }
    assert extract_youtube_id(tags) == VIDEO_ID
    assert extract_youtube_id({"Comment": f"youtube.com/shorts/{OTHER_ID}"}) == OTHER_ID


@pytest.mark.slow
def test_local_url_in_file_gives_no_youtube_id(tmp_path: Path) -> None:
    path = make_video(
        tmp_path / "local.mp4", duration=0.2, width=64, height=48, acodec=None,
        tags={"comment": "http://127.0.0.1:8000/trailer_abc.mp4"},
    )  # fmt: skip

    info = get_media_info(str(path))

    assert info is not None
    assert info.youtube_id is None


def test_missing_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert get_media_info(str(tmp_path / "nope.mkv")) is None
    assert "Cannot analyse" in caplog.text and "nope.mkv" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("ext", ["mkv", "mp4", "webm"])
@pytest.mark.parametrize("keep", ["1k", "half"])
def test_truncated_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, ext: str, keep: str
) -> None:
    vcodec, acodec = ("vp9", "opus") if ext == "webm" else ("h264", "aac")
    full = make_video(tmp_path / f"full.{ext}", vcodec=vcodec, acodec=acodec)
    data = full.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[:1024] if keep == "1k" else data[: len(data) // 2])

    assert get_media_info(str(full), check_integrity=True) is not None
    assert get_media_info(str(cut), check_integrity=True) is None
    assert "cut." in caplog.text
    if keep == "1k":  # a damaged header is noticed by the plain probe too
        assert get_media_info(str(cut)) is None


@pytest.mark.slow
def test_plain_probe_reads_headers_only_and_integrity_check_reads_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.download import video_analysis

    seen: list[list[str]] = []
    real = video_analysis.run_process

    nices: list[int] = []

    def spy(args: list[str], *, timeout: float, nice: int = 0) -> object:
        seen.append(list(args))
        nices.append(nice)
        return real(args, timeout=timeout, nice=nice)

    monkeypatch.setattr(video_analysis, "run_process", spy)
    path = make_video(tmp_path / "v.mkv")
    assert get_media_info(str(path)) is not None
    assert get_media_info(str(path), check_integrity=True) is not None
    assert nices == [get_settings().ffmpeg_nice] * 2 == [10] * 2  # FFMPEG_NICE's default
    assert "-count_packets" not in seen[0]
    assert "-count_packets" in seen[1]


@pytest.mark.slow
@pytest.mark.parametrize("content", [b"", os.urandom(4096), b"not a video\n" * 100])
def test_garbage_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.mp4"
    path.write_bytes(content)

    assert get_media_info(str(path)) is None


@pytest.mark.slow
def test_ffprobe_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    video = make_video(tmp_path / "ok.mkv", duration=0.2, acodec=None)
    slow = write_executable(tmp_path / "slow-ffprobe", "#!/bin/sh\nexec sleep 300\n")
    monkeypatch.setenv("FFPROBE_PATH", str(slow))
    monkeypatch.setenv("FFPROBE_TIMEOUT", "0.5")
    get_settings.cache_clear()

    started = time.monotonic()
    assert get_media_info(str(video)) is None
    assert time.monotonic() - started < 60  # long before the stuck ffprobe would have ended
    assert "did not finish" in caplog.text


@pytest.mark.slow
def test_ffprobe_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = make_video(tmp_path / "ok.mkv", duration=0.2, acodec=None)
    monkeypatch.setenv("FFPROBE_PATH", str(tmp_path / "no-ffprobe"))
    get_settings.cache_clear()

    assert get_media_info(str(video)) is None


@pytest.mark.slow
def test_ffprobe_bad_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = make_video(tmp_path / "ok.mkv", duration=0.2, acodec=None)
    fake = write_executable(tmp_path / "fake-ffprobe", "#!/bin/sh\necho '{\"streams\": ['\n")
    monkeypatch.setenv("FFPROBE_PATH", str(fake))
    get_settings.cache_clear()

    assert get_media_info(str(video)) is None


@pytest.mark.slow
def test_cover_art_is_not_the_video_stream(tmp_path: Path) -> None:
    cover = tmp_path / "cover.png"
    audio_only = tmp_path / "song.mp4"
    ff = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    subprocess.run(
        [*ff, "-f", "lavfi", "-i", "color=red:size=32x32", "-frames:v", "1", str(cover)],
        check=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        [
            *ff, "-i", str(cover), "-f", "lavfi", "-i", "sine=duration=1",
            "-map", "0", "-map", "1", "-c:v", "png", "-disposition:v:0", "attached_pic",
            "-c:a", "aac", str(audio_only),
        ],
        check=True, timeout=120,
    )  # fmt: skip

    info = get_media_info(str(audio_only))

    assert info is not None
    assert [s.codec_type for s in info.streams if s.is_attached_pic] == ["video"]
    assert info.video_stream is None
    with pytest.raises(TrailerVerificationError, match="no video stream"):
        verify_trailer(info, min_duration=0, max_duration=600)


@pytest.mark.slow
def test_verify_accepts_a_good_trailer(tmp_path: Path) -> None:
    info = get_media_info(str(make_video(tmp_path / "ok.mkv", duration=2)))

    verify_trailer(info, min_duration=1, max_duration=3)
    verify_trailer(info, min_duration=2, max_duration=2)


@pytest.mark.slow
def test_verify_rejects_no_audio(tmp_path: Path) -> None:
    info = get_media_info(str(make_video(tmp_path / "mute.mkv", duration=1, acodec=None)))

    with pytest.raises(TrailerVerificationError, match="no audio stream"):
        verify_trailer(info, min_duration=0, max_duration=600)


@pytest.mark.slow
def test_verify_rejects_short_and_long(tmp_path: Path) -> None:
    info = get_media_info(str(make_video(tmp_path / "two.mkv", duration=2)))

    with pytest.raises(TrailerVerificationError, match=r"2 s long, shorter than .* 5 s"):
        verify_trailer(info, min_duration=5, max_duration=600)
    with pytest.raises(TrailerVerificationError, match=r"2 s long, longer than .* 1 s"):
        verify_trailer(info, min_duration=0, max_duration=1)


def test_verify_rejects_unreadable_and_videoless() -> None:
    with pytest.raises(TrailerVerificationError, match="could not be read"):
        verify_trailer(None, min_duration=0, max_duration=600)
    audio_only = VideoInfo(
        name="a.mka",
        format_name="matroska,webm",
        duration_seconds=60,
        streams=[StreamInfo(index=0, codec_type="audio", codec_name="opus")],
    )
    with pytest.raises(TrailerVerificationError, match="no video stream"):
        verify_trailer(audio_only, min_duration=0, max_duration=600)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00:00"), (59.99, "0:00:59"), (3725.4, "1:02:05"), (-3, "0:00:00")]
)
def test_convert_duration(seconds: float, text: str) -> None:
    assert convert_duration(seconds) == text


@pytest.mark.parametrize(
    ("bps", "text"),
    [(0, "0 bps"), (999, "999 bps"), (128_000, "128.00 kbps"), (1_234_567, "1.23 Mbps"),
     (2_500_000_000, "2.50 Gbps")],
)  # fmt: skip
def test_convert_bitrate(bps: float, text: str) -> None:
    assert convert_bitrate(bps) == text
