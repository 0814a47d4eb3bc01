"""Downloads with the real yt-dlp from a local HTTP server, and how failures are told apart."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from config.settings import get_settings
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download.downloader import DownloadedVideo, DownloadProgress, download_video
from core.download.errors import DownloadErrorKind, TrailerDownloadError
from core.download.process_watch import descendants_naming
from tests.utils.factories import make_profile
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video
from tests.utils.net import free_port
from tests.utils.probe import ffprobe_json
from tests.utils.programs import write_executable


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny test videos, made once: one per container, and two heights of the same clip."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "clip.mp4": make_video(folder / "clip.mp4", duration=1),
        "clip.mkv": make_video(folder / "clip.mkv", duration=1),
        "clip.webm": make_video(folder / "clip.webm", duration=1, vcodec="vp9", acodec="opus"),
        "small.mp4": make_video(folder / "small.mp4", duration=1, width=160, height=120),
        "big.mkv": make_video(folder / "big.mkv", duration=2, width=320, height=240),
    }


def serve(server: VideoServer, clips: dict[str, Path], name: str, as_name: str = "") -> str:
    """Put one of the clips on the server (under `as_name` when given) and return its URL."""
    target = as_name or name
    shutil.copyfile(clips[name], server.root / target)
    return server.url(target)


@pytest.fixture
def profile() -> TrailerProfileRead:
    return make_profile(min_duration=0, embed_metadata=False)


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    return tmp_path / "work"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "codec"), [("clip.mp4", "h264"), ("clip.mkv", "h264"), ("clip.webm", "vp9")]
)
def test_downloads_a_direct_video_link(
    video_server: VideoServer,
    clips: dict[str, Path],
    profile: TrailerProfileRead,
    work_dir: Path,
    name: str,
    codec: str,
) -> None:
    url = serve(video_server, clips, name)

    video = download_video(url, profile, work_dir=work_dir)

    assert video == DownloadedVideo(
        path=work_dir / name,
        video_id="clip",
        webpage_url=url,
        title="clip",
        extractor="generic",
    )
    assert video.path.read_bytes() == clips[name].read_bytes()
    assert ffprobe_json(video.path)["streams"][0]["codec_name"] == codec
    assert sorted(p.name for p in work_dir.iterdir()) == [name]


@pytest.mark.slow
def test_progress_is_reported_up_to_finished(
    video_server: VideoServer, clips: dict[str, Path], profile: TrailerProfileRead, work_dir: Path
) -> None:
    url = serve(video_server, clips, "big.mkv")

    reports: list[DownloadProgress] = []
    video = download_video(url, profile, work_dir=work_dir, progress=reports.append)

    # yt-dlp's post-processors (embedding the metadata) report after the download.
    processing = [i for i, e in enumerate(reports) if e.status == "processing"]
    events = [e for e in reports if e.status != "processing"]
    assert processing and processing[0] == len(events)
    size = video.path.stat().st_size
    assert events, "no progress was reported"
    assert events[-1].status == "finished"
    assert events[-1].percent == 100.0
    assert events[-1].downloaded_bytes == size
    assert events[-1].total_bytes == size
    assert {e.video_id for e in events} == {"big"}
    percents = [e.percent for e in events if e.percent is not None]
    assert percents == sorted(percents)
    assert all(e.status == "downloading" for e in events[:-1])


@pytest.mark.slow
def test_metadata_embeds_the_source_url(
    video_server: VideoServer, clips: dict[str, Path], work_dir: Path
) -> None:
    url = serve(video_server, clips, "clip.mkv")

    video = download_video(
        url, make_profile(min_duration=0, embed_metadata=True), work_dir=work_dir
    )

    tags = {k.lower(): v for k, v in ffprobe_json(video.path)["format"]["tags"].items()}
    assert tags["comment"] == url
    assert tags["purl"] == url
    assert tags["title"] == "clip"


@pytest.mark.slow
def test_no_metadata_when_the_profile_says_so(
    video_server: VideoServer, clips: dict[str, Path], profile: TrailerProfileRead, work_dir: Path
) -> None:
    video = download_video(serve(video_server, clips, "clip.mkv"), profile, work_dir=work_dir)

    tags = {k.lower() for k in ffprobe_json(video.path)["format"].get("tags", {})}
    assert "comment" not in tags
    assert "purl" not in tags


def write_page(server: VideoServer, clips: dict[str, Path]) -> str:
    """An HTML page offering one trailer in two heights, with English and French subtitles."""
    serve(server, clips, "small.mp4")
    serve(server, clips, "big.mkv")
    for lang, line in (("en", "Hello"), ("fr", "Bonjour")):
        (server.root / f"clip.{lang}.vtt").write_text(
            f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{line}\n", encoding="utf-8"
        )
    (server.root / "page.html").write_text(
        "<!doctype html><html><head><title>The Trailer</title></head><body>"
        '<video controls><source src="big.mkv" type="video/x-matroska" res="240">'
        '<source src="small.mp4" type="video/mp4" res="120">'
        '<track kind="subtitles" src="clip.en.vtt" srclang="en">'
        '<track kind="subtitles" src="clip.fr.vtt" srclang="fr">'
        "</video></body></html>",
        encoding="utf-8",
    )
    return server.url("page.html")


@pytest.mark.slow
@pytest.mark.parametrize(("cap", "height"), [(144, 120), (240, 240), (1080, 240)])
def test_the_profile_caps_the_height(
    video_server: VideoServer, clips: dict[str, Path], work_dir: Path, cap: int, height: int
) -> None:
    url = write_page(video_server, clips)
    profile = make_profile(min_duration=0, video_resolution=cap, embed_metadata=False)

    video = download_video(url, profile, work_dir=work_dir)

    video_streams = [s for s in ffprobe_json(video.path)["streams"] if s["codec_type"] == "video"]
    assert [s["height"] for s in video_streams] == [height]
    assert video.webpage_url == url


@pytest.mark.slow
def test_subtitles_of_the_profile_languages_are_embedded(
    video_server: VideoServer, clips: dict[str, Path], work_dir: Path
) -> None:
    url = write_page(video_server, clips)
    profile = make_profile(
        min_duration=0, subtitles_enabled=True, subtitles_languages="fr", embed_metadata=False
    )

    video = download_video(url, profile, work_dir=work_dir)

    subtitles = [s for s in ffprobe_json(video.path)["streams"] if s["codec_type"] == "subtitle"]
    assert [s["tags"]["language"] for s in subtitles] == ["fra"]
    assert [p for p in work_dir.iterdir()] == [video.path], "subtitle files were left behind"


@pytest.mark.slow
def test_no_subtitles_unless_enabled(
    video_server: VideoServer, clips: dict[str, Path], profile: TrailerProfileRead, work_dir: Path
) -> None:
    video = download_video(write_page(video_server, clips), profile, work_dir=work_dir)

    assert not [s for s in ffprobe_json(video.path)["streams"] if s["codec_type"] == "subtitle"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, DownloadErrorKind.PERMANENT),
        (410, DownloadErrorKind.PERMANENT),
        (429, DownloadErrorKind.RATE_LIMITED),
    ],
)
def test_permanent_and_rate_limited_errors_are_not_retried(
    video_server: VideoServer,
    clips: dict[str, Path],
    profile: TrailerProfileRead,
    work_dir: Path,
    status: int,
    kind: DownloadErrorKind,
) -> None:
    url = serve(video_server, clips, "clip.mp4")
    video_server.fail("clip.mp4", status)

    with pytest.raises(TrailerDownloadError) as caught:
        download_video(url, profile, work_dir=work_dir, retries=3, backoff_seconds=0.01)

    assert caught.value.kind is kind
    assert f"HTTP Error {status}" in caught.value.reason
    assert not caught.value.reason.startswith("ERROR")
    assert video_server.requests("clip.mp4") == 1
    assert list(work_dir.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("retries", [1, 3])
def test_server_errors_are_retried_with_backoff(
    video_server: VideoServer,
    clips: dict[str, Path],
    profile: TrailerProfileRead,
    work_dir: Path,
    retries: int,
) -> None:
    url = serve(video_server, clips, "clip.mp4")
    video_server.fail("clip.mp4", 500)
    started = time.monotonic()

    with pytest.raises(TrailerDownloadError) as caught:
        download_video(url, profile, work_dir=work_dir, retries=retries, backoff_seconds=0.05)

    assert caught.value.kind is DownloadErrorKind.NETWORK
    assert "HTTP Error 500" in caught.value.reason
    assert video_server.requests("clip.mp4") == retries
    # Waits of 0.05 s, 0.1 s, ... between attempts.
    assert time.monotonic() - started >= 0.05 * (2 ** (retries - 1) - 1)
    assert list(work_dir.iterdir()) == []


@pytest.mark.slow
def test_a_retry_can_succeed(
    video_server: VideoServer, clips: dict[str, Path], profile: TrailerProfileRead, work_dir: Path
) -> None:
    url = serve(video_server, clips, "clip.mp4")
    video_server.fail("clip.mp4", 503, times=2)

    video = download_video(url, profile, work_dir=work_dir, retries=3, backoff_seconds=0.01)

    assert video.path.read_bytes() == clips["clip.mp4"].read_bytes()
    # Two failures, then the page, the duration check (ffprobe reads the header), the file.
    assert video_server.requests("clip.mp4") == 5


@pytest.mark.slow
def test_connection_refused_is_a_network_error(profile: TrailerProfileRead, work_dir: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/trailer.mp4"

    with pytest.raises(TrailerDownloadError) as caught:
        download_video(url, profile, work_dir=work_dir, retries=2, backoff_seconds=0.01)

    assert caught.value.kind is DownloadErrorKind.NETWORK
    assert "Connection refused" in caught.value.reason


@pytest.mark.slow
def test_a_page_without_video_is_permanent(
    video_server: VideoServer, profile: TrailerProfileRead, work_dir: Path
) -> None:
    (video_server.root / "about.html").write_text(
        "<html><head><title>About</title></head><body>No trailer here.</body></html>",
        encoding="utf-8",
    )

    with pytest.raises(TrailerDownloadError) as caught:
        download_video(video_server.url("about.html"), profile, work_dir=work_dir, retries=3)

    assert caught.value.kind is DownloadErrorKind.PERMANENT
    assert caught.value.reason.startswith("Unsupported URL")
    assert video_server.requests("about.html") == 1


@pytest.mark.slow
def test_cancel_stops_a_slow_download(
    video_server: VideoServer, clips: dict[str, Path], profile: TrailerProfileRead, work_dir: Path
) -> None:
    url = serve(video_server, clips, "big.mkv")
    served = video_server.root / "big.mkv"
    with served.open("ab") as padding:  # a large file that comes quickly but takes 100 s in all
        padding.write(bytes(6_000_000))
    video_server.slow("big.mkv", bytes_per_second=served.stat().st_size // 100)
    cancel = threading.Event()
    seen: list[DownloadProgress] = []

    def on_progress(event: DownloadProgress) -> None:
        seen.append(event)
        if (event.downloaded_bytes or 0) > 0:
            cancel.set()

    started = time.monotonic()
    with pytest.raises(TrailerDownloadError) as caught:
        download_video(url, profile, work_dir=work_dir, progress=on_progress, cancel=cancel)

    assert caught.value.kind is DownloadErrorKind.CANCELLED
    assert caught.value.video_id == "big"
    assert time.monotonic() - started < 50  # long before the download would have ended
    assert seen and seen[-1].status == "downloading"
    assert list(work_dir.iterdir()) == [], "the partial download was left behind"


@pytest.mark.slow
def test_cancel_before_start_makes_no_request(
    video_server: VideoServer, clips: dict[str, Path], profile: TrailerProfileRead, work_dir: Path
) -> None:
    url = serve(video_server, clips, "clip.mp4")
    cancel = threading.Event()
    cancel.set()

    with pytest.raises(TrailerDownloadError) as caught:
        download_video(url, profile, work_dir=work_dir, cancel=cancel)

    assert caught.value.kind is DownloadErrorKind.CANCELLED
    assert video_server.requests("clip.mp4") == 0


@pytest.mark.slow
def test_cancel_interrupts_the_wait_between_attempts(
    video_server: VideoServer, clips: dict[str, Path], profile: TrailerProfileRead, work_dir: Path
) -> None:
    url = serve(video_server, clips, "clip.mp4")
    video_server.fail("clip.mp4", 502)
    cancel = threading.Event()

    def cancel_after_first_request() -> None:
        while video_server.requests("clip.mp4") < 1 and not cancel.wait(0.02):
            pass
        time.sleep(0.2)  # into the four-minute wait before the second attempt
        cancel.set()

    canceller = threading.Thread(target=cancel_after_first_request)
    canceller.start()
    started = time.monotonic()
    try:
        with pytest.raises(TrailerDownloadError) as caught:
            download_video(
                url, profile, work_dir=work_dir, cancel=cancel, retries=3, backoff_seconds=240
            )
    finally:
        cancel.set()
        canceller.join()

    assert caught.value.kind is DownloadErrorKind.CANCELLED
    assert time.monotonic() - started < 60  # long before the wait would have ended
    assert video_server.requests("clip.mp4") == 1


@pytest.mark.slow
def test_cancel_before_post_processing_removes_the_download(
    video_server: VideoServer, clips: dict[str, Path], work_dir: Path
) -> None:
    url = serve(video_server, clips, "clip.mkv")
    cancel = threading.Event()

    def cancel_when_finished(event: DownloadProgress) -> None:
        if event.status == "finished":
            cancel.set()

    with pytest.raises(TrailerDownloadError) as caught:
        download_video(
            url,
            make_profile(min_duration=0, embed_metadata=True),
            work_dir=work_dir,
            progress=cancel_when_finished,
            cancel=cancel,
        )

    assert caught.value.kind is DownloadErrorKind.CANCELLED
    assert list(work_dir.iterdir()) == []


@pytest.mark.slow
def test_deadline_stops_a_slow_download(
    video_server: VideoServer, clips: dict[str, Path], profile: TrailerProfileRead, work_dir: Path
) -> None:
    url = serve(video_server, clips, "big.mkv")
    video_server.slow("big.mkv", bytes_per_second=2048)

    with pytest.raises(TrailerDownloadError) as caught:
        download_video(url, profile, work_dir=work_dir, deadline_seconds=1.5)

    assert caught.value.kind is DownloadErrorKind.FAILED
    assert caught.value.reason == "the download took longer than 1.5 s"
    assert list(work_dir.iterdir()) == []


@pytest.mark.slow
def test_a_failure_keeps_files_that_were_there_before(
    video_server: VideoServer, clips: dict[str, Path], profile: TrailerProfileRead, work_dir: Path
) -> None:
    work_dir.mkdir()
    earlier = work_dir / "earlier.mkv"
    earlier.write_bytes(b"kept")
    url = serve(video_server, clips, "clip.mp4")
    video_server.fail("clip.mp4", 404)

    with pytest.raises(TrailerDownloadError):
        download_video(url, profile, work_dir=work_dir)

    assert list(work_dir.iterdir()) == [earlier]
    assert earlier.read_bytes() == b"kept"


HANGING_FFMPEG = """#!{python}
import os, sys, time
if "-i" not in sys.argv:  # yt-dlp's checks (-version, -bsfs) get the real answer
    os.execv({ffmpeg!r}, [{ffmpeg!r}, *sys.argv[1:]])
time.sleep(300)  # a stuck ffmpeg: yt-dlp waits for it without a timeout
"""


@pytest.fixture
def hanging_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """FFMPEG_PATH pointing to an ffmpeg that answers yt-dlp's checks and hangs on files."""
    real_ffmpeg, real_ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    assert real_ffmpeg and real_ffprobe
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    fake = write_executable(
        folder / "ffmpeg", HANGING_FFMPEG.format(python=sys.executable, ffmpeg=real_ffmpeg)
    )
    (folder / "ffprobe").symlink_to(real_ffprobe)
    monkeypatch.setenv("FFMPEG_PATH", str(fake))
    get_settings.cache_clear()
    return fake


def running_children_named(marker: str) -> list[int]:
    return [process.pid for process in descendants_naming(marker)]


@pytest.mark.slow
def test_deadline_stops_an_ffmpeg_that_yt_dlp_runs(
    video_server: VideoServer, clips: dict[str, Path], work_dir: Path, hanging_ffmpeg: Path
) -> None:
    url = serve(video_server, clips, "clip.mkv")
    started = time.monotonic()
    with pytest.raises(TrailerDownloadError) as caught:
        # Embedding metadata makes yt-dlp run ffmpeg after the download.
        download_video(
            url,
            make_profile(min_duration=0, embed_metadata=True),
            work_dir=work_dir,
            deadline_seconds=4,
        )

    assert caught.value.kind is DownloadErrorKind.FAILED
    assert caught.value.reason == "the download took longer than 4 s"
    assert time.monotonic() - started < 120  # long before the stuck ffmpeg would have ended
    assert running_children_named(str(work_dir)) == []
    assert list(work_dir.iterdir()) == []


def cancelled_once(url: str, work_dir: Path, ready: Callable[[], bool]) -> TrailerDownloadError:
    """The error of a download (its metadata embedded by ffmpeg, run by yt-dlp) that is
    cancelled once `ready()` holds, asked every 50 ms; the limit only keeps a broken
    download from hanging the test."""
    cancel = threading.Event()

    def cancel_when_ready() -> None:
        give_up = time.monotonic() + 120
        while not ready() and not cancel.wait(0.05) and time.monotonic() < give_up:
            pass
        cancel.set()

    canceller = threading.Thread(target=cancel_when_ready)
    canceller.start()
    try:
        with pytest.raises(TrailerDownloadError) as caught:
            download_video(
                url,
                make_profile(min_duration=0, embed_metadata=True),
                work_dir=work_dir,
                cancel=cancel,
            )
    finally:
        cancel.set()
        canceller.join()
    return caught.value


@pytest.mark.slow
def test_cancel_stops_an_ffmpeg_that_yt_dlp_runs(
    video_server: VideoServer, clips: dict[str, Path], work_dir: Path, hanging_ffmpeg: Path
) -> None:
    url = serve(video_server, clips, "clip.mkv")
    error = cancelled_once(url, work_dir, lambda: bool(running_children_named(str(work_dir))))

    assert error.kind is DownloadErrorKind.CANCELLED
    assert running_children_named(str(work_dir)) == []
    assert list(work_dir.iterdir()) == []


@pytest.mark.slow
def test_an_ffmpeg_that_yt_dlp_runs_runs_nicer_than_the_app(
    video_server: VideoServer, clips: dict[str, Path], work_dir: Path, hanging_ffmpeg: Path
) -> None:
    """yt-dlp starts ffmpeg itself: the download's watch makes it FFMPEG_NICE nicer than
    the app, as the app's own ffmpeg runs (checked while it runs, then cancelled)."""
    url = serve(video_server, clips, "clip.mkv")
    expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + get_settings().ffmpeg_nice)
    assert expected > os.getpriority(os.PRIO_PROCESS, 0)
    seen: list[int] = []

    def ffmpeg_is_nicer() -> bool:
        # Once the watch's next look (every 0.5 s) has found it.
        for pid in running_children_named(str(work_dir)):
            with contextlib.suppress(OSError):
                seen.append(os.getpriority(os.PRIO_PROCESS, pid))
        return expected in seen

    error = cancelled_once(url, work_dir, ffmpeg_is_nicer)

    assert error.kind is DownloadErrorKind.CANCELLED
    assert seen and seen[-1] == expected
    assert running_children_named(str(work_dir)) == []


@pytest.mark.slow
def test_a_video_shorter_than_the_profile_allows_is_refused_before_it_is_downloaded(
    video_server: VideoServer, clips: dict[str, Path], work_dir: Path
) -> None:
    """A direct link has no duration in its page: ffprobe reads it from the file's header
    (through the egress guard), and nothing is downloaded."""
    url = serve(video_server, clips, "clip.mp4", as_name="short.mp4")
    with pytest.raises(TrailerDownloadError) as caught:
        download_video(url, make_profile(name="Long ones", min_duration=30), work_dir=work_dir)

    assert caught.value.kind is DownloadErrorKind.PERMANENT
    assert caught.value.reason == (
        "short does not fit the profile Long ones: shorter than the profile's minimum of 30 s"
    )
    assert list(work_dir.iterdir()) == []


@pytest.mark.slow
def test_a_title_with_an_excluded_word_is_refused_before_it_is_downloaded(
    video_server: VideoServer, clips: dict[str, Path], work_dir: Path
) -> None:
    url = serve(video_server, clips, "clip.mp4", as_name="trailer-reaction.mp4")
    profile = make_profile(min_duration=0, exclude_words="reaction, review")
    with pytest.raises(TrailerDownloadError) as caught:
        download_video(url, profile, work_dir=work_dir)

    assert caught.value.kind is DownloadErrorKind.PERMANENT
    assert "title has the excluded word 'reaction'" in caught.value.reason
    assert list(work_dir.iterdir()) == []
    assert video_server.requests("trailer-reaction.mp4") == 1  # yt-dlp's look at the page
