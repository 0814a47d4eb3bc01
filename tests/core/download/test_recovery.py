"""Start-up recovery: what a killed process left half done is put right before serving."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import get_settings
from core.base.database.engine import reset_engine
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.models.event import EventType
from core.base.database.models.media import MediaRead, MonitorStatus
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download.recovery import PlacementIntent, recover_interrupted_downloads, write_intent
from core.download.trailer_file import is_staging_name, trailer_folder
from core.history.fingerprint import file_fingerprint
from tests.utils.factories import make_download, make_media, make_profile
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video
from tests.utils.wait import wait_until

REPO = Path(__file__).resolve().parents[3]
KILL_TIMEOUT = 300  # seconds a child download may take before the test gives up on it


def media_folder(base: Path, name: str = "Movie (2001)") -> Path:
    folder = base / name
    folder.mkdir(parents=True)
    (folder / "movie.mkv").write_bytes(b"the movie itself")
    return folder


def interrupted(media: MediaRead) -> None:
    MediaDatabaseManager().refresh_status(media.id, in_flight=True)


def events_of(media_id: int) -> list[str]:
    return [e.event_type for e in EventManager().read_for_media(media_id)]


def every_file(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


# Recovery on its own.


def test_interrupted_media_get_the_status_their_records_give(tmp_path: Path) -> None:
    without = make_media(media_folder(tmp_path, "A"))
    with_trailer = make_media(media_folder(tmp_path, "B"))
    make_download(with_trailer.id, path=str(tmp_path / "B" / "t.mkv"))
    monitored = make_media(media_folder(tmp_path, "C"), monitor=True)
    untouched = make_media(media_folder(tmp_path, "D"))
    for media in (without, with_trailer, monitored):
        interrupted(media)

    summary = recover_interrupted_downloads()

    assert summary.interrupted_media == 3
    read = MediaDatabaseManager().read
    assert read(without.id).status == MonitorStatus.MISSING
    assert read(with_trailer.id).status == MonitorStatus.DOWNLOADED
    assert read(monitored.id).status == MonitorStatus.MONITORED
    for media in (without, with_trailer, monitored):
        assert events_of(media.id)[0] == EventType.INTERRUPTED
    assert events_of(untouched.id) == []
    assert MediaDatabaseManager().read_in_flight() == []


def test_the_work_folder_is_emptied_and_staging_files_removed(tmp_path: Path) -> None:
    folder = media_folder(tmp_path)
    media = make_media(folder)
    profile = make_profile(name="Local")
    trailers = trailer_folder(media, profile)
    trailers.mkdir()
    (trailers / ".trailarr-0123abcd.part").write_bytes(b"half a copy")
    (folder / ".trailarr-4567.part").write_bytes(b"")
    (trailers / "Movie (2001)-trailer.mkv").write_bytes(b"a user's own trailer")
    interrupted(media)
    work = get_settings().temp_dir / f"media-{media.id}-0123456789ab"
    work.mkdir(parents=True)
    (work / "clip.mp4.part").write_bytes(b"partial")

    summary = recover_interrupted_downloads()

    assert summary.staging_removed == 2
    assert not any(is_staging_name(p.name) for p in every_file(folder))
    assert (trailers / "Movie (2001)-trailer.mkv").exists()
    assert (folder / "movie.mkv").exists()
    assert list(get_settings().temp_dir.iterdir()) == []


@pytest.mark.slow
def test_a_placed_but_unrecorded_trailer_is_recorded_once_from_its_intent(
    tmp_path: Path,
) -> None:
    folder = media_folder(tmp_path)
    media = make_media(folder)
    profile = make_profile(name="Local", min_duration=0)
    interrupted(media)
    placed = trailer_folder(media, profile) / "Movie (2001)-trailer.mkv"
    make_video(placed)
    work = get_settings().temp_dir / f"media-{media.id}-0123456789ab"
    work.mkdir(parents=True)
    write_intent(
        work,
        PlacementIntent(
            media_id=media.id,
            profile_id=profile.id,
            video_id="dQw4w9WgXcQ",
            source_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            fingerprint=file_fingerprint(placed),
        ),
    )

    assert recover_interrupted_downloads().recorded == 1
    [record] = MediaDatabaseManager().read_downloads(media.id)
    assert record.path == str(placed)
    assert record.profile_id == profile.id
    assert record.youtube_id == "dQw4w9WgXcQ"
    assert record.file_exists is True
    assert MediaDatabaseManager().read(media.id).status == MonitorStatus.DOWNLOADED
    # Run again (another crash before the work folder went): nothing more is recorded.
    work.mkdir(parents=True)
    write_intent(
        work,
        PlacementIntent(
            media_id=media.id,
            profile_id=profile.id,
            video_id="dQw4w9WgXcQ",
            source_url=None,
            fingerprint=file_fingerprint(placed),
        ),
    )
    assert recover_interrupted_downloads().recorded == 0
    assert len(MediaDatabaseManager().read_downloads(media.id)) == 1


# A real download, killed with SIGKILL at each point, then recovered.

CHILD = """
import asyncio, os, signal, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
point, media_id, profile_id, url = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]

from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.download import trailer, trailer_file
from core.download.sources import resolve_source


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def kill(module, name, when):
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        if when == "before":
            die()
        result = real(*args, **kwargs)
        die()
        return result

    setattr(module, name, wrapper)


PLANS = {
    "before_intent": (trailer, "write_intent", "before"),
    "after_intent": (trailer, "write_intent", "after"),
    "after_link": (os, "link", "after"),
    "after_move": (trailer_file, "move_trailer_to_folder", "after"),
    "before_record": (trailer, "record_trailer_sync", "before"),
    "after_record": (trailer, "record_trailer_sync", "after"),
}
if point in PLANS:
    kill(*PLANS[point])
media = MediaDatabaseManager().read(media_id)
profile = TrailerProfileManager().read(profile_id)
ok = asyncio.run(trailer.download_trailer(media, profile, resolve_source(url)))
print("finished", ok)
"""

KILL_POINTS = [
    ("during_download", "same"),
    ("before_intent", "same"),
    ("after_intent", "same"),
    ("after_link", "same"),
    ("after_move", "same"),
    ("before_record", "same"),
    ("after_record", "same"),
    ("after_link", "cross"),
    ("after_move", "cross"),
]
PLACED = {"after_link", "after_move", "before_record", "after_record"}
"""Kill points after which the trailer is complete under its final name."""


@pytest.fixture
def other_file_system() -> Iterator[Path]:
    """A folder on another file system than the data folder (a tmpfs), when there is one."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == Path(tempfile.gettempdir()).stat().st_dev:
        pytest.skip("no second file system (/dev/shm) on this machine")
    folder = Path(tempfile.mkdtemp(prefix="trailarr-test-", dir=shm))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_child(point: str, media: MediaRead, profile: TrailerProfileRead, url: str) -> str:
    """Run one download in a child process killed at `point`; what it printed."""
    args = [
        sys.executable,
        "-c",
        CHILD,
        str(REPO / "backend"),
        str(REPO),
        point,
        str(media.id),
        str(profile.id),
        url,
    ]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if point == "during_download":
            work = get_settings().temp_dir
            wait_until(
                lambda: any(p.is_file() for p in work.rglob("*")) if work.exists() else False,
                "the download's first bytes in the work folder",
            )
            child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=KILL_TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, f"not killed at {point}: {out}\n{err[-3000:]}"
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("point", "file_system"), KILL_POINTS)
def test_a_download_killed_at_any_point_is_recovered_at_start(
    point: str,
    file_system: str,
    video_server: VideoServer,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    make_video(video_server.root / "clip.mp4")
    if point == "during_download":
        video_server.slow("clip.mp4", bytes_per_second=8_000)
    base = tmp_path if file_system == "same" else request.getfixturevalue("other_file_system")
    if file_system == "cross":
        assert base.stat().st_dev != get_settings().temp_dir.parent.stat().st_dev
    folder = media_folder(base)
    media = make_media(folder, title="Movie", year=2001)
    profile = make_profile(name="Local", min_duration=0, max_duration=60)
    interrupted(media)  # as the route does before the job starts

    run_child(point, media, profile, video_server.url("clip.mp4"))
    reset_engine()  # the child wrote to the same database
    recover_interrupted_downloads()  # what the next start does before it serves

    manager = MediaDatabaseManager()
    assert manager.read_in_flight() == []
    # Killed after its record committed, the download had ended: nothing was interrupted.
    assert (EventType.INTERRUPTED in events_of(media.id)) == (point != "after_record")
    assert list(get_settings().temp_dir.iterdir()) == []
    files = [p for p in every_file(folder) if p.name != "movie.mkv"]
    assert not any(is_staging_name(p.name) for p in files), files
    assert all(p.stat().st_size > 0 for p in files), files
    present = [r.path for r in manager.read_downloads(media.id) if r.file_exists]
    assert sorted(present) == sorted(str(p) for p in files)  # each complete trailer, once
    assert len(files) == (1 if point in PLACED else 0)
    if files:
        [record] = manager.read_downloads(media.id)
        assert record.profile_id == profile.id
        assert record.source_url == video_server.url("clip.mp4")
        assert manager.read(media.id).status == MonitorStatus.DOWNLOADED
    else:
        assert manager.read(media.id).status == MonitorStatus.MISSING
    assert os.listdir(tmp_path)  # sanity: the test's own folder is still there
