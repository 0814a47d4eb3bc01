"""The queue through the API with real downloads: stages as they happen, and a cancel in
each stage that leaves nothing behind (no file, no record, no failure, no work folder)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config import get_settings
from core.base.notifier import notifier
from core.download import trailer
from tests.utils.downloads import wait_download_finished
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video
from tests.utils.programs import write_executable
from tests.utils.roots import add_root
from tests.utils.wait import wait_until

pytestmark = pytest.mark.slow

QUEUE = "/api/v1/queue"

# An ffmpeg (or ffprobe) that stalls when its arguments hold a marker, and is the real one
# otherwise (yt-dlp's checks, the probes).
STALLING = """#!{python}
import os, sys, time
if {marker!r} in sys.argv:
    time.sleep({seconds})
os.execv({real!r}, [{real!r}, *sys.argv[1:]])
"""


def _stalling(folder: Path, name: str, marker: str, seconds: float) -> Path:
    real = shutil.which(name)
    assert real
    folder.mkdir(exist_ok=True)
    source = STALLING.format(python=sys.executable, marker=marker, seconds=seconds, real=real)
    return write_executable(folder / name, source)


def _media(client: TestClient, folder: Path, title: str = "Big Buck Bunny") -> dict[str, Any]:
    folder.mkdir(parents=True)
    add_root(folder.parent)
    body = {"title": title, "year": 2008, "is_movie": True, "folder_path": str(folder)}
    response = client.post("/api/v1/media", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _profile(client: TestClient) -> dict[str, Any]:
    body = {
        "name": f"queue-{time.monotonic_ns()}",
        "min_duration": 0,
        "max_duration": 60,
        "file_format": "mkv",
        "video_format": "h265",  # an encode, so that converting takes a moment
        "embed_metadata": False,
    }
    response = client.post("/api/v1/trailerprofiles", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _queue_item(client: TestClient, media_id: int) -> dict[str, Any] | None:
    items = client.get(QUEUE).json()
    return next((i for i in items if i["media_id"] == media_id), None)


def _in_stage(client: TestClient, media_id: int, stage: str) -> dict[str, Any]:
    return wait_until(
        lambda: (item := _queue_item(client, media_id)) and item["stage"] == stage and item,
        f"media {media_id} in stage {stage}",
    )


def _start(client: TestClient, media_id: int, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/media/{media_id}/download", json=body)
    assert response.status_code == 202, response.text
    return response.json()


def _assert_nothing_left(client: TestClient, media: dict[str, Any]) -> None:
    assert _queue_item(client, media["id"]) is None
    assert list(Path(media["folder_path"]).iterdir()) == []
    work = get_settings().temp_dir
    assert not list(work.glob(f"media-{media['id']}-*")) if work.exists() else True
    assert client.get(f"/api/v1/media/{media['id']}/downloads").json() == []
    events = client.get("/api/v1/events", params={"media_id": media["id"]}).json()["records"]
    assert [e for e in events if e["event_type"] == "download_failed"] == []
    assert client.get(f"/api/v1/media/{media['id']}").json()["status"] == "missing"


def test_a_download_moves_through_its_stages(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "trailer.mp4", duration=4, width=640, height=360)
    video_server.slow("trailer.mp4", bytes_per_second=100_000)
    media = _media(client, tmp_path / "lib" / "m")
    profile = _profile(client)
    messages: list[dict[str, Any]] = []

    async def sink(message: str, type: str = "Info", **data: Any) -> None:
        if type == "Queue":
            messages.append(data)

    notifier.connect(sink)
    try:
        accepted = _start(
            client, media["id"], profile_id=profile["id"], url=video_server.url("trailer.mp4")
        )
        listed = _in_stage(client, media["id"], "downloading")
        assert listed["id"] == accepted["queue_id"]
        assert listed["profile_id"] == profile["id"] and listed["origin"] == "manual"
        assert listed["source"] == video_server.url("trailer.mp4")
        assert listed["started_at"] is not None
        wait_download_finished(client, media["id"])
        wait_until(lambda: any("removed" in m for m in messages), "the removal message")
    finally:
        notifier.disconnect(sink)

    items = [m["item"] for m in messages if "item" in m]
    stages: list[str] = []
    for item in items:
        if not stages or stages[-1] != item["stage"]:
            stages.append(item["stage"])
    assert stages == ["queued", "downloading", "converting", "verifying", "moving"]
    downloading = [i for i in items if i["stage"] == "downloading" and i["progress"] is not None]
    assert downloading and all(0 <= i["progress"] <= 1 for i in downloading)
    assert any(i["speed"] for i in downloading)
    # ffmpeg's -progress, up to all of it (yt-dlp's own post-processing, before, has no
    # share to report; within a stage, changes are pushed at most twice a second).
    converting = [i["progress"] for i in items if i["stage"] == "converting"]
    shares = [share for share in converting if share is not None]
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert messages[-1] == {"removed": accepted["queue_id"], "media_id": media["id"]}
    assert len(client.get(f"/api/v1/media/{media['id']}/downloads").json()) == 1


@pytest.mark.parametrize("stage", ["queued", "searching", "downloading", "converting", "verifying"])
def test_cancel_in_each_stage_leaves_nothing_behind(
    stage: str,
    client: TestClient,
    video_server: VideoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_video(video_server.root / "trailer.mp4", duration=3)
    url = video_server.url("trailer.mp4")
    bin_dir = tmp_path / "bin"
    if stage == "converting":
        fake = _stalling(bin_dir, "ffmpeg", "-progress", seconds=300)
        monkeypatch.setattr(get_settings(), "ffmpeg_path", str(fake))
    if stage == "verifying":
        fake = _stalling(bin_dir, "ffprobe", "-count_packets", seconds=3)
        monkeypatch.setattr(get_settings(), "ffprobe_path", str(fake))
    if stage == "searching":

        def slow_search(*_args: Any, **_kwargs: Any) -> list[str]:
            time.sleep(2)
            return ["dQw4w9WgXcQ"]

        monkeypatch.setattr(trailer, "find_candidates", slow_search)
    if stage in {"downloading", "queued"}:
        video_server.slow("trailer.mp4", bytes_per_second=20_000)
    profile = _profile(client)
    media = _media(client, tmp_path / "lib" / "target")
    ahead = None
    if stage == "queued":  # one slot: this download waits behind another media's
        ahead = _media(client, tmp_path / "lib" / "ahead", title="Ahead")
        _start(client, ahead["id"], profile_id=profile["id"], url=url)
        _in_stage(client, ahead["id"], "downloading")
    body: dict[str, Any] = {"profile_id": profile["id"]}
    if stage != "searching":
        body["url"] = url
    item_id = _start(client, media["id"], **body)["queue_id"]
    _in_stage(client, media["id"], stage)

    response = client.delete(f"{QUEUE}/{item_id}")

    assert response.status_code == 204, response.text
    _assert_nothing_left(client, media)
    assert client.delete(f"{QUEUE}/{item_id}").status_code == 404
    if ahead is not None:
        ahead_item = _queue_item(client, ahead["id"])
        assert ahead_item is not None and ahead_item["stage"] == "downloading"
        assert client.delete(f"{QUEUE}/{ahead_item['id']}").status_code == 204
        _assert_nothing_left(client, ahead)
