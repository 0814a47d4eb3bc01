"""Issue 15's whole Connect path, with no click: a Radarr import webhook for a new movie
brings the movie in, its trailer is downloaded and recorded, the media server is asked to
rescan exactly that movie's folder once, and one notification is sent.

Everything runs on 127.0.0.1: the stand-in Radarr (tests/utils/arr_standin.py), a stand-in
Jellyfin (tests/utils/mediaserver_standin.py), a JSON receiver for Apprise's json://
(tests/utils/notify_receiver.py), and the trailer served from a local clip (YouTube cannot be
reached: the movie's YouTube id is looked up on the local server).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config import get_settings
from core.base.database.manager.connection import ConnectionManager
from core.base.database.models.connection import ConnectionCreate
from core.download import trailer
from core.download.sources import Source
from tests.utils import arr_webhooks as hooks
from tests.utils.arr_standin import ArrStandIn
from tests.utils.db import rows
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video
from tests.utils.mediaserver_standin import DEFAULT_TOKEN, MediaServerStandIn
from tests.utils.notify_receiver import NotifyReceiver
from tests.utils.wait import wait_until

pytestmark = pytest.mark.slow

SERVER_MOVIES = "/media/movies"
"""The movies' folder as the media server sees it (mapped to Trailarr's)."""


@pytest.fixture
def app(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Short batching and rescan windows, and downloads on monitor: set before the app starts."""
    monkeypatch.setenv("NOTIFY_BATCH_SECONDS", "0.5")
    monkeypatch.setenv("MEDIA_SERVER_REFRESH_DELAY_SECONDS", "0.5")
    monkeypatch.setenv("DOWNLOAD_ON_MONITOR", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_radarr_import_webhook_ends_in_a_trailer_a_rescan_and_a_notification(
    app: None,
    client: TestClient,
    arr_standin: type[ArrStandIn],
    mediaserver_standin: type[MediaServerStandIn],
    notify_receiver: NotifyReceiver,
    video_server: VideoServer,
    db_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def local_source(value: str) -> Source:
        return Source(url=video_server.url(f"{value}.mp4"), video_id=value, is_youtube=True)

    monkeypatch.setattr(trailer, "parse_source", local_source)
    [default] = client.get("/api/v1/trailerprofiles").json()
    short_clip = {"min_duration": 0}
    assert client.patch(f"/api/v1/trailerprofiles/{default['id']}", json=short_clip).is_success

    movies = tmp_path / "movies"
    radarr = arr_standin("radarr", root=str(movies), items=2)
    connection = ConnectionManager().create(
        ConnectionCreate(
            name="Radarr",
            arr_type="radarr",
            url=radarr.url,
            api_key=radarr.api_key,
            monitor="new",
        )
    )
    jellyfin = mediaserver_standin("jellyfin", token=DEFAULT_TOKEN)
    server = {
        "name": "Jellyfin",
        "kind": "jellyfin",
        "url": jellyfin.url,
        "token": DEFAULT_TOKEN,
        "path_mappings": [{"path_from": SERVER_MOVIES, "path_to": str(movies)}],
    }
    assert client.post("/api/v1/mediaservers", json=server).status_code == 201
    target = {"name": "Phone", "url": notify_receiver.url("/hook"), "events": ["downloaded"]}
    assert client.post("/api/v1/notifications", json=target).status_code == 201

    # Imported in Radarr after the connection was made: a new movie, monitored on arrival.
    added = (connection.added_at + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    movie: dict[str, Any] = radarr.add("Caminandes", 2013, added=added)
    folder = Path(movie["path"])
    folder.mkdir(parents=True)
    make_video(video_server.root / f"{movie['youTubeTrailerId']}.mp4", width=160, height=120)
    assert rows(db_file, "SELECT id FROM media WHERE arr_id = ?", movie["id"]) == []

    started = time.monotonic()
    answer = client.post("/api/v1/webhooks/radarr", json=hooks.radarr_download(movie))
    assert answer.status_code == 202, answer.text

    def present() -> list[dict[str, Any]]:
        found = rows(db_file, "SELECT id FROM media WHERE arr_id = ?", movie["id"])
        if not found:
            return []
        records = client.get(f"/api/v1/media/{found[0][0]}/downloads").json()
        return [r for r in records if r["file_exists"]]

    [record] = wait_until(present, "the trailer recorded", timeout=60, interval=0.1)
    recorded_after = time.monotonic() - started
    assert Path(record["path"]).is_file()
    assert Path(record["path"]).is_relative_to(folder)
    [(title, status)] = rows(
        db_file, "SELECT title, status FROM media WHERE arr_id = ?", movie["id"]
    )
    assert (title, status) == ("Caminandes", "downloaded")

    expected_folder = f"{SERVER_MOVIES}/{folder.name}"
    wait_until(jellyfin.refreshed_folders, "the rescan", timeout=30, interval=0.05)
    [post] = notify_receiver.wait_for(1, "/hook")
    # Both windows are over: anything more would have come by now.
    time.sleep(1.5)
    assert jellyfin.refreshed_folders() == [expected_folder]
    assert len(notify_receiver.received("/hook")) == 1
    assert post["title"] == "Trailer downloaded"
    assert "Caminandes (2013)" in post["message"]
    print(f"trailer recorded {recorded_after:.1f} s after the webhook")
