"""convert_trailer with real ffmpeg on small generated videos."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config import get_settings
from core.download.convert import ConversionError, convert_trailer
from core.download.video_analysis import get_media_info
from tests.utils.factories import make_profile
from tests.utils.mediafiles import make_video
from tests.utils.probe import ffprobe_json
from tests.utils.programs import write_executable
from tests.utils.wait import WAIT_SECONDS

pytestmark = pytest.mark.slow

YOUTUBE_URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def streams(path: Path, codec_type: str) -> list[dict[str, Any]]:
    return [s for s in ffprobe_json(path)["streams"] if s["codec_type"] == codec_type]


def packet_hashes(path: Path, selector: str) -> list[str]:
    """MD5 of every packet of one stream: equal lists mean the stream was copied untouched."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", selector, "-show_data_hash", "MD5",
         "-show_entries", "packet=data_hash", "-of", "csv=p=0", str(path)],
        capture_output=True, check=True, timeout=120, text=True,
    ).stdout  # fmt: skip
    return out.split()


def tags_lower(path: Path) -> dict[str, str]:
    return {k.lower(): v for k, v in ffprobe_json(path)["format"].get("tags", {}).items()}


@pytest.fixture
def src_dir(tmp_path: Path) -> Path:
    path = tmp_path / "src"
    path.mkdir()
    return path


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"


def test_mkv_to_mp4_copies_matching_streams(src_dir: Path, out_dir: Path) -> None:
    source = make_video(src_dir / "trailer.mkv", duration=2, channels=2)
    profile = make_profile(file_format="mp4", video_format="h264", audio_format="aac")

    result = convert_trailer(source, profile, output_dir=out_dir)

    assert result == out_dir / "trailer.mp4"
    assert sorted(p.name for p in out_dir.iterdir()) == ["trailer.mp4"]
    assert source.exists()
    assert ffprobe_json(result)["format"]["format_name"].startswith("mov,mp4")
    assert [s["codec_name"] for s in streams(result, "video")] == ["h264"]
    assert [s["codec_name"] for s in streams(result, "audio")] == ["aac"]
    video_packets = packet_hashes(source, "v:0")
    assert len(video_packets) == 30
    assert packet_hashes(result, "v:0") == video_packets
    assert packet_hashes(result, "a:0") == packet_hashes(source, "a:0")


def test_h264_to_webm_encodes_vp9_and_opus_keeping_channels(src_dir: Path, out_dir: Path) -> None:
    source = make_video(src_dir / "trailer.mkv", duration=1, acodec="ac3", channels=6)
    profile = make_profile(file_format="webm", video_format="vp9", audio_format="opus")

    result = convert_trailer(source, profile, output_dir=out_dir)

    assert result.name == "trailer.webm"
    assert ffprobe_json(result)["format"]["format_name"] == "matroska,webm"
    (video,) = streams(result, "video")
    (audio,) = streams(result, "audio")
    assert (video["codec_name"], video["width"], video["height"]) == ("vp9", 320, 240)
    assert (audio["codec_name"], audio["channels"]) == ("opus", 6)


def test_copy_profile_transcodes_what_webm_cannot_hold(src_dir: Path, out_dir: Path) -> None:
    source = make_video(src_dir / "trailer.mp4", duration=1, acodec="aac", channels=1)
    profile = make_profile(file_format="webm", video_format="copy", audio_format="copy")

    result = convert_trailer(source, profile, output_dir=out_dir)

    assert [s["codec_name"] for s in streams(result, "video")] == ["vp9"]
    assert [(s["codec_name"], s["channels"]) for s in streams(result, "audio")] == [("opus", 1)]


def test_copy_profile_keeps_what_the_container_holds(src_dir: Path, out_dir: Path) -> None:
    source = make_video(src_dir / "trailer.webm", duration=1, vcodec="vp9", acodec="opus")
    profile = make_profile(
        file_format="mkv", video_format="copy", audio_format="copy", video_resolution=144
    )

    result = convert_trailer(source, profile, output_dir=out_dir)

    assert packet_hashes(result, "v:0") == packet_hashes(source, "v:0")
    assert packet_hashes(result, "a:0") == packet_hashes(source, "a:0")


@pytest.mark.parametrize(
    ("file_format", "video_format", "codec", "tag"),
    [("mp4", "h265", "hevc", "hvc1"), ("mkv", "av1", "av1", None), ("mp4", "vp9", "vp9", None)],
)
def test_video_codecs(
    src_dir: Path,
    out_dir: Path,
    file_format: str,
    video_format: str,
    codec: str,
    tag: str | None,
) -> None:
    source = make_video(src_dir / "trailer.mkv", duration=0.5, width=160, height=120)
    profile = make_profile(file_format=file_format, video_format=video_format, audio_format="ac3")

    result = convert_trailer(source, profile, output_dir=out_dir)

    (video,) = streams(result, "video")
    assert video["codec_name"] == codec
    if tag:
        assert video["codec_tag_string"] == tag
    assert [s["codec_name"] for s in streams(result, "audio")] == ["ac3"]


def test_resolution_cap_scales_down(src_dir: Path, out_dir: Path) -> None:
    source = make_video(src_dir / "big.mkv", duration=1, width=640, height=480)
    profile = make_profile(file_format="mkv", video_format="h264", video_resolution=240)

    result = convert_trailer(source, profile, output_dir=out_dir)

    assert result == out_dir / "big.mkv"
    (video,) = streams(result, "video")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 320, 240)


def test_within_cap_is_copied(src_dir: Path, out_dir: Path) -> None:
    source = make_video(src_dir / "small.mkv", duration=1, width=320, height=240)
    profile = make_profile(file_format="mkv", video_format="h264", video_resolution=240)

    result = convert_trailer(source, profile, output_dir=out_dir)

    assert packet_hashes(result, "v:0") == packet_hashes(source, "v:0")


def test_output_next_to_input_gets_another_name(src_dir: Path) -> None:
    source = make_video(src_dir / "trailer.mkv", duration=0.5)
    before = source.read_bytes()
    profile = make_profile(file_format="mkv", video_format="h264", audio_format="aac")

    result = convert_trailer(source, profile, output_dir=src_dir)

    assert result == src_dir / "trailer.converted.mkv"
    assert source.read_bytes() == before
    assert sorted(p.name for p in src_dir.iterdir()) == ["trailer.converted.mkv", "trailer.mkv"]


@pytest.mark.parametrize(
    ("src_ext", "file_format", "sub_codec"),
    [("mkv", "mp4", "mov_text"), ("mp4", "mkv", "subrip"), ("mkv", "webm", "webvtt")],
)
def test_subtitles_kept_with_languages(
    src_dir: Path, out_dir: Path, src_ext: str, file_format: str, sub_codec: str
) -> None:
    source = make_video(src_dir / f"subs.{src_ext}", duration=1, subtitles=["eng", "fre"])
    profile = make_profile(
        file_format=file_format, video_format="copy", audio_format="copy", subtitles_enabled=True
    )

    result = convert_trailer(source, profile, output_dir=out_dir)

    subs = streams(result, "subtitle")
    assert [s["codec_name"] for s in subs] == [sub_codec, sub_codec]
    assert [s["tags"]["language"] for s in subs] == ["eng", "fre"]


def test_subtitles_dropped_when_disabled(src_dir: Path, out_dir: Path) -> None:
    source = make_video(src_dir / "subs.mkv", duration=1, subtitles=["eng"])
    profile = make_profile(file_format="mkv", subtitles_enabled=False)

    result = convert_trailer(source, profile, output_dir=out_dir)

    assert streams(result, "subtitle") == []
    assert len(streams(result, "video")) == 1 and len(streams(result, "audio")) == 1


@pytest.mark.parametrize("file_format", ["mkv", "mp4", "webm"])
def test_source_url_written_as_comment(src_dir: Path, out_dir: Path, file_format: str) -> None:
    source = make_video(src_dir / "t.mkv", duration=0.5, tags={"title": "Kept Title"})
    # webm cannot hold the default h264/aac: "copy" keeps what fits and converts the rest.
    codecs = {"video_format": "copy", "audio_format": "copy"} if file_format == "webm" else {}
    profile = make_profile(file_format=file_format, embed_metadata=True, **codecs)

    result = convert_trailer(source, profile, output_dir=out_dir, source_url=YOUTUBE_URL)

    tags = tags_lower(result)
    assert tags["comment"] == YOUTUBE_URL
    assert tags["title"] == "Kept Title"
    info = get_media_info(str(result))
    assert info is not None and info.youtube_id == "dQw4w9WgXcQ"


def test_no_comment_without_embed_metadata(src_dir: Path, out_dir: Path) -> None:
    source = make_video(src_dir / "t.mkv", duration=0.5)
    profile = make_profile(file_format="mkv", embed_metadata=False)

    result = convert_trailer(source, profile, output_dir=out_dir, source_url=YOUTUBE_URL)

    assert "comment" not in tags_lower(result)


def test_uses_the_given_probe(
    src_dir: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_video(src_dir / "t.mkv", duration=0.5)
    info = get_media_info(str(source))
    monkeypatch.setenv("FFPROBE_PATH", str(src_dir / "no-ffprobe"))
    get_settings.cache_clear()
    profile = make_profile(file_format="mp4")

    result = convert_trailer(source, profile, output_dir=out_dir, info=info)

    assert [s["codec_name"] for s in streams(result, "video")] == ["h264"]
    with pytest.raises(ConversionError, match="could not be read"):
        convert_trailer(source, profile, output_dir=out_dir)


@pytest.mark.parametrize("kind", ["garbage", "truncated"])
def test_corrupt_input_raises_and_leaves_nothing(src_dir: Path, out_dir: Path, kind: str) -> None:
    source = src_dir / "broken.mkv"
    if kind == "garbage":
        source.write_bytes(b"\x1a\x45\xdf\xa3" + b"junk" * 500)
    else:
        full = make_video(src_dir / "full.mkv", duration=2).read_bytes()
        source.write_bytes(full[: len(full) // 2])
    profile = make_profile(file_format="mp4")

    with pytest.raises(ConversionError, match=r"broken\.mkv"):
        convert_trailer(source, profile, output_dir=out_dir)

    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def fake_ffmpeg(folder: Path, body: str) -> Path:
    """An ffmpeg stand-in that writes a partial output file, then runs `body`."""
    return write_executable(
        folder / "fake-ffmpeg",
        '#!/bin/sh\nfor arg; do last="$arg"; done\nprintf partial > "$last"\n' + body + "\n",
    )


def test_ffmpeg_failure_reports_stderr_and_removes_partial_output(
    tmp_path: Path, src_dir: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_video(src_dir / "t.mkv", duration=0.5)
    script = fake_ffmpeg(
        tmp_path, "echo 'first line' >&2\necho 'No space left on device' >&2\nexit 1"
    )
    monkeypatch.setenv("FFMPEG_PATH", str(script))
    get_settings.cache_clear()

    with pytest.raises(ConversionError, match=r"exit code 1.*No space left on device"):
        convert_trailer(source, make_profile(file_format="mp4"), output_dir=out_dir)

    assert list(out_dir.iterdir()) == []


def test_ffmpeg_timeout_removes_partial_output(
    tmp_path: Path, src_dir: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_video(src_dir / "t.mkv", duration=0.5)
    monkeypatch.setenv("FFMPEG_PATH", str(fake_ffmpeg(tmp_path, "exec sleep 30")))
    monkeypatch.setenv("FFMPEG_TIMEOUT", "0.5")
    get_settings.cache_clear()

    with pytest.raises(ConversionError, match="took too long"):
        convert_trailer(source, make_profile(file_format="mp4"), output_dir=out_dir)

    assert list(out_dir.iterdir()) == []


def recording_ffmpeg(folder: Path, record: Path) -> Path:
    """An ffmpeg that writes its priority and arguments to `record`, then runs the real
    one. While its priority is still the app's it waits (up to WAIT_SECONDS) for it to be
    lowered: the app lowers it just after the start, which a busy machine may let the
    wrapper outrun (with FFMPEG_NICE=0 it waits the whole time)."""
    return write_executable(
        folder / "recording-ffmpeg",
        f"#!{sys.executable}\n"
        "import json, os, sys, time\n"
        f"apps = {os.getpriority(os.PRIO_PROCESS, 0)}\n"
        f"deadline = time.monotonic() + {WAIT_SECONDS}\n"
        "while os.getpriority(os.PRIO_PROCESS, 0) == apps and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        f"with open({str(record)!r}, 'w') as out:\n"
        "    json.dump([os.getpriority(os.PRIO_PROCESS, 0), sys.argv[1:]], out)\n"
        "os.execvp('ffmpeg', ['ffmpeg', *sys.argv[1:]])\n",
    )


@pytest.mark.skipif(os.getpriority(os.PRIO_PROCESS, 0) > 12, reason="already nice")
def test_ffmpeg_runs_nicer_than_the_app_with_bounded_threads(
    tmp_path: Path, src_dir: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_video(src_dir / "trailer.mkv", duration=1)
    record = tmp_path / "ffmpeg.json"
    monkeypatch.setenv("FFMPEG_PATH", str(recording_ffmpeg(tmp_path, record)))
    monkeypatch.setenv("FFMPEG_NICE", "7")
    monkeypatch.setenv("FFMPEG_THREADS", "1")
    get_settings.cache_clear()
    profile = make_profile(file_format="webm", video_format="vp9", audio_format="opus")

    result = convert_trailer(source, profile, output_dir=out_dir)

    assert [s["codec_name"] for s in streams(result, "video")] == ["vp9"]
    nice, args = json.loads(record.read_text())
    assert nice == os.getpriority(os.PRIO_PROCESS, 0) + 7
    before_input, after_input = args[: args.index("-i")], args[args.index("-i") :]
    assert before_input[before_input.index("-threads") + 1] == "1"  # decoding
    assert after_input[after_input.index("-threads") + 1] == "1"  # encoding
    assert after_input[after_input.index("-filter_threads") + 1] == "1"


def test_ffmpeg_threads_zero_leaves_the_choice_to_ffmpeg(
    tmp_path: Path, src_dir: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_video(src_dir / "trailer.mkv", duration=0.5)
    record = tmp_path / "ffmpeg.json"
    monkeypatch.setenv("FFMPEG_PATH", str(recording_ffmpeg(tmp_path, record)))
    monkeypatch.setenv("FFMPEG_THREADS", "0")
    get_settings.cache_clear()

    convert_trailer(source, make_profile(file_format="webm"), output_dir=out_dir)

    _, args = json.loads(record.read_text())
    assert "-threads" not in args and "-filter_threads" not in args
