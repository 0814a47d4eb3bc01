"""record_new_trailer_download: truthful records, one probe, never raises, never blocks."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from config import get_settings
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.models.event import EventType
from core.download import service
from core.download.service import record_new_trailer_download
from core.download.video_analysis import get_media_info
from tests.utils.factories import make_media
from tests.utils.mediafiles import make_video
from tests.utils.probe import assert_record_matches_file
from tests.utils.programs import write_executable

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SLOW_PROBE_SECONDS = 3.0


async def test_record_matches_the_file(tmp_path: Path) -> None:
    media = make_media(tmp_path / "m")
    path = make_video(tmp_path / "m" / "Trailers" / "t.mkv", channels=6, subtitles=["eng", "fre"])
    await record_new_trailer_download(media.id, 7, str(path), "dQw4w9WgXcQ")
    [record] = MediaDatabaseManager().read_downloads(media.id)
    assert_record_matches_file(record.model_dump(mode="json"), path)
    assert record.profile_id == 7
    assert record.youtube_id == "dQw4w9WgXcQ"
    assert record.subtitles == "eng,fre"
    assert record.audio_channels == "6"
    assert record.added_at.tzinfo is not None
    [event] = EventManager().read_for_media(media.id)
    assert event.event_type == EventType.DOWNLOADED
    assert event.download_id == record.id


async def test_no_subtitles_is_unk_and_mp4_values(tmp_path: Path) -> None:
    media = make_media(tmp_path / "m")
    path = make_video(tmp_path / "m" / "t.mp4", width=320, height=180, channels=1)
    await record_new_trailer_download(media.id, 1, str(path), "abc")
    [record] = MediaDatabaseManager().read_downloads(media.id)
    assert record.subtitles == "unk"
    assert record.resolution == "320x180"
    assert record.audio_channels == "1"
    assert record.file_format.startswith("mov,mp4")


async def test_probe_is_reused_when_the_file_did_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = make_media(tmp_path / "m")
    path = make_video(tmp_path / "m" / "t.mkv")
    info = get_media_info(str(path))
    assert info is not None
    calls: list[str] = []
    real = service.get_media_info
    monkeypatch.setattr(service, "get_media_info", lambda p: calls.append(p) or real(p))

    await record_new_trailer_download(media.id, 1, str(path), "a", media_info=info)
    assert calls == []

    os.utime(path, ns=(info.file_mtime_ns, info.file_mtime_ns + 1_000_000_000))
    await record_new_trailer_download(media.id, 1, str(path), "b", media_info=info)
    assert calls == [str(path)]
    assert len(MediaDatabaseManager().read_downloads(media.id)) == 2


async def test_never_raises_and_records_nothing_on_bad_input(tmp_path: Path) -> None:
    media = make_media(tmp_path / "m")
    garbage = tmp_path / "m" / "garbage.mkv"
    garbage.parent.mkdir()
    garbage.write_bytes(b"not a video" * 100)
    await record_new_trailer_download(media.id, 1, str(tmp_path / "missing.mkv"), "x")
    await record_new_trailer_download(media.id, 1, str(garbage), "x")
    real = make_video(tmp_path / "m" / "t.mkv")
    await record_new_trailer_download(987654, 1, str(real), "x")  # unknown media: FK fails
    assert MediaDatabaseManager().read_downloads(media.id) == []
    assert EventManager().read_for_media(media.id) == []


async def test_event_loop_stays_responsive_with_a_slow_ffprobe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = write_executable(
        tmp_path / "slow-ffprobe",
        f"#!{sys.executable}\n"
        "import os, sys, time\n"
        f"time.sleep({SLOW_PROBE_SECONDS})\n"
        "os.execvp('ffprobe', ['ffprobe', *sys.argv[1:]])\n",
    )
    monkeypatch.setenv("FFPROBE_PATH", str(slow))
    get_settings.cache_clear()

    media = make_media(tmp_path / "m")
    paths = [make_video(tmp_path / "m" / f"t{i}.mkv") for i in range(4)]

    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    started = time.perf_counter()
    await asyncio.gather(
        *(record_new_trailer_download(media.id, 1, str(p), f"id{i}") for i, p in enumerate(paths))
    )
    elapsed = time.perf_counter() - started
    done.set()
    await tick

    assert len(MediaDatabaseManager().read_downloads(media.id)) == 4
    # Generous bounds, so that a slow machine passes: four probes queuing on the loop would
    # take four times SLOW_PROBE_SECONDS and stall it for one at least.
    assert elapsed >= SLOW_PROBE_SECONDS  # the slow ffprobe really ran
    assert elapsed < 3 * SLOW_PROBE_SECONDS  # the four probes overlapped
    assert max(gaps) < SLOW_PROBE_SECONDS / 2, f"event loop stalled for {max(gaps):.3f} s"
