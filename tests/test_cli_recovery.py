"""A real `trailarr` killed with SIGKILL in the middle of a download, then started again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import on_postgresql
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video
from tests.utils.server import HTTP_TIMEOUT, Server
from tests.utils.wait import wait_until

pytestmark = pytest.mark.slow


def api(server: Server, key: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(
        method,
        f"{server.base}/api/v1{path}",
        headers={"X-API-KEY": key},
        timeout=HTTP_TIMEOUT,
        **kwargs,
    )


def test_a_killed_download_is_not_left_downloading_after_a_restart(
    tmp_path: Path,
    server_factory: type[Server],
    video_server: VideoServer,
    request: pytest.FixtureRequest,
) -> None:
    make_video(video_server.root / "clip.mp4", duration=4)
    video_server.slow("clip.mp4", bytes_per_second=5_000)  # a minute or more: killed midway
    data = tmp_path / "server-data"
    data.mkdir()
    folder = tmp_path / "movies" / "Movie (2001)"
    folder.mkdir(parents=True)
    (folder / "movie.mkv").write_bytes(b"the movie itself")

    # In the PostgreSQL pass, the server keeps its library in a database of its own there.
    env = {"DATABASE_URL": request.getfixturevalue("empty_postgres_url")} if on_postgresql() else {}
    first = server_factory(data, tmp_path / "first.log", **env)
    first.wait_ready()
    key = (data / "api_key").read_text().strip()
    api(first, key, "POST", "/roots", json={"path": str(folder.parent)})
    media = api(
        first,
        key,
        "POST",
        "/media",
        json={"title": "Movie", "year": 2001, "is_movie": True, "folder_path": str(folder)},
    ).json()
    profile = api(
        first,
        key,
        "POST",
        "/trailerprofiles",
        json={"name": "Local", "min_duration": 0, "max_duration": 60},
    ).json()
    started = api(
        first,
        key,
        "POST",
        f"/media/{media['id']}/download",
        json={"profile_id": profile["id"], "url": video_server.url("clip.mp4")},
    )
    assert started.status_code == 202, started.text
    work = data / "tmp"
    wait_until(
        lambda: work.exists() and any(p.is_file() for p in work.rglob("*")),
        "the download's first bytes in the work folder",
    )
    assert api(first, key, "GET", f"/media/{media['id']}").json()["status"] == "downloading"
    first.kill()  # SIGKILL: no shutdown, no cleanup

    second = server_factory(data, tmp_path / "second.log", **env)
    second.wait_ready()
    after = api(second, key, "GET", f"/media/{media['id']}").json()
    assert after["status"] == "missing"
    events = api(second, key, "GET", f"/media/{media['id']}/events").json()
    assert events[0]["event_type"] == "download_interrupted"
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in folder.rglob("*")) == ["movie.mkv"]
    assert api(second, key, "GET", f"/media/{media['id']}/downloads").json() == []
    log = (data / "logs" / "trailarr.log").read_text(errors="replace")
    assert "was interrupted by a stop" in log
    assert "removed 1 leftovers from the work folder" in log
    code, _ = second.terminate()
    assert code == 0
    assert (data / "trailarr.db").exists() == (not env)  # the engine of the pass, no other
