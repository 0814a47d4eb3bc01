"""POST /api/v1/webhooks/radarr and /sonarr: the key, the payloads, what each event does.

The apps are the stand-in Radarr/Sonarr (tests/utils/arr_standin.py), the payloads those
the apps send (tests/utils/arr_webhooks.py).
"""

from __future__ import annotations

import base64
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config import get_settings
from core.base.database.manager.connection import ConnectionManager
from core.base.database.manager.wanted import WantedManager
from core.base.database.models.connection import ConnectionCreate, ConnectionRead
from core.download.queue import download_queue
from tests.utils import arr_webhooks as hooks
from tests.utils.api import TEST_API_KEY
from tests.utils.arr_standin import ArrStandIn
from tests.utils.db import rows
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video
from tests.utils.server import Server
from tests.utils.wait import wait_until

RADARR = "/api/v1/webhooks/radarr"
SONARR = "/api/v1/webhooks/sonarr"


def connect(standin: ArrStandIn, monitor: str = "missing", **fields: Any) -> ConnectionRead:
    body: dict[str, Any] = {
        "name": f"{standin.app} stand-in",
        "arr_type": standin.app,
        "url": standin.url,
        "api_key": standin.api_key,
        "monitor": monitor,
    }
    return ConnectionManager().create(ConnectionCreate(**(body | fields)))


def media_rows(db: Path) -> list[tuple[Any, ...]]:
    return rows(
        db,
        "SELECT arr_id, title, folder_path, monitor, media_exists, connection_id FROM media"
        " ORDER BY arr_id",
    )


def basic(password: str) -> dict[str, str]:
    token = base64.b64encode(f"radarr:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# The key


def test_the_key_in_the_url_a_header_or_as_the_password(anonymous: TestClient) -> None:
    test = hooks.radarr_test()
    ways: list[tuple[dict[str, str], dict[str, str]]] = [
        ({"apikey": TEST_API_KEY}, {}),
        ({}, {"X-Api-Key": TEST_API_KEY}),
        ({}, basic(TEST_API_KEY)),
        ({"api_key": TEST_API_KEY}, {}),
    ]
    for params, headers in ways:
        answer = anonymous.post(RADARR, json=test, params=params, headers=headers)
        assert answer.status_code == 200, (params, headers, answer.text)
        assert answer.json()["event"] == "Test" and answer.json()["action"] == "none"
    sonarr = anonymous.post(SONARR, json=hooks.sonarr_test(), params={"apikey": TEST_API_KEY})
    assert sonarr.json()["action"] == "none"


@pytest.mark.parametrize(
    "how",
    [
        {},
        {"params": {"apikey": "wrong-key-0000"}},
        {"headers": {"X-Api-Key": "wrong-key-0000"}},
        {"headers": basic("wrong-key-0000")},
        {"headers": {"Authorization": "Basic !!not-base64!!"}},
        {"headers": {"Authorization": f"Bearer {TEST_API_KEY}"}},
    ],
)
def test_a_missing_or_wrong_key_is_401(anonymous: TestClient, how: dict[str, Any]) -> None:
    answer = anonymous.post(
        RADARR, json=hooks.radarr_test(), params=how.get("params"), headers=how.get("headers")
    )
    assert answer.status_code == 401
    assert "apikey=" in answer.json()["detail"] and "API key" in answer.json()["detail"]
    assert TEST_API_KEY not in answer.text


def test_the_key_is_not_taken_from_the_body(anonymous: TestClient) -> None:
    body = hooks.radarr_test() | {"apikey": TEST_API_KEY}
    assert anonymous.post(RADARR, json=body).status_code == 401


# Bodies


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"not json", "JSON"),
        (b"[1, 2]", "object"),
        (b'{"instanceName": "Radarr"}', "eventType"),
        (b'{"eventType": ""}', "eventType"),
        (b'{"eventType": "Download", "instanceName": "Radarr"}', "must carry its movie"),
        (b'{"eventType": "MovieDelete", "movie": {"title": "No id"}}', "id"),
        (b'{"eventType": "Download", "movie": {"id": "seven", "title": "X"}}', "integer"),
        (b'{"eventType": "Download", "movie": {"id": 0, "title": "X"}}', "greater than"),
    ],
)
def test_a_malformed_body_is_422_with_a_message(client: TestClient, body: bytes, says: str) -> None:
    answer = client.post(RADARR, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert says in answer.text


def test_a_sonarr_event_without_its_series_is_422(client: TestClient) -> None:
    answer = client.post(SONARR, json={"eventType": "SeriesDelete", "instanceName": "Sonarr"})
    assert answer.status_code == 422
    assert "must carry its series" in answer.text


def test_other_events_are_ignored(client: TestClient, db_file: Path) -> None:
    movie = {
        "id": 4,
        "title": "Sintel",
        "year": 2010,
        "path": "/movies/Sintel (2010)",
        "physicalRelease": "2010-09-30T00:00:00Z",
        "tmdbId": 45745,
        "imdbId": "tt1727587",
        "overview": "A girl and her dragon.",
        "genres": ["Animation"],
        "images": [],
        "originalLanguage": {"id": 1, "name": "English"},
    }
    series = {
        "id": 2,
        "title": "Open Series",
        "titleSlug": "open-series",
        "path": "/tv/Open Series (2020)",
        "tvdbId": 1,
        "tvMazeId": 2,
        "tmdbId": 3,
        "imdbId": "tt0000004",
        "seriesType": "standard",
        "year": 2020,
        "genres": [],
        "images": [],
        "originalLanguage": {"id": 1, "name": "English"},
    }
    for path, body in [
        (RADARR, hooks.radarr_grab(movie)),
        (RADARR, hooks.health("radarr")),
        (RADARR, hooks.application_update("radarr")),
        (RADARR, hooks.manual_interaction_required(movie)),
        (RADARR, {"eventType": "HealthRestored", "instanceName": "Radarr"}),
        (SONARR, hooks.sonarr_grab(series)),
        (SONARR, hooks.health("sonarr")),
    ]:
        answer = client.post(path, json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["action"] == "ignored"
        assert answer.json()["event"] == body["eventType"]
    assert rows(db_file, "SELECT count(*) FROM media") == [(0,)]


def test_without_a_connection_nothing_is_done_and_the_log_says_what_to_do(
    client: TestClient, db_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    movie = {"id": 7, "title": "Tears of Steel", "year": 2012}
    body = {"eventType": "Download", "instanceName": "Radarr", "movie": movie}

    answer = client.post(RADARR, json=body)

    assert answer.status_code == 200
    assert answer.json()["action"] == "no_connection"
    assert "add this Radarr under Settings → Connections" in answer.json()["message"]
    assert "Tears of Steel (2012): nothing done" in caplog.text
    assert "Settings → Connections" in caplog.text
    assert rows(db_file, "SELECT count(*) FROM media") == [(0,)]
    test = client.post(RADARR, json=hooks.radarr_test()).json()
    assert test["action"] == "none" and "add this Radarr" in test["message"]


# What the events do (against the stand-in)


@pytest.mark.slow
def test_a_download_of_a_movie_not_yet_in_the_library_adds_it(
    client: TestClient, arr_standin: type[ArrStandIn], db_file: Path, tmp_path: Path
) -> None:
    radarr = arr_standin("radarr", root=str(tmp_path / "movies"), items=2)
    connection = connect(radarr)
    new = radarr.add("Cosmos Laundromat", 2015)

    answer = client.post(RADARR, json=hooks.radarr_download(new))

    assert answer.status_code == 202, answer.text
    assert answer.json() == {
        "event": "Download",
        "action": "sync",
        "message": "Cosmos Laundromat (2015): syncing it (connection radarr stand-in)",
        "connection_id": connection.id,
    }
    # Only that movie: the two others of the app stay out until a sync brings them.
    assert media_rows(db_file) == [
        (3, "Cosmos Laundromat", str(tmp_path / "movies" / "Cosmos Laundromat (2015)"), 1, 1,
         connection.id)
    ]  # fmt: skip
    assert radarr.requests["/api/v3/movie/3"] == 1
    assert radarr.requests["/api/v3/movie"] == 0
    [(poster, trailer_id)] = rows(db_file, "SELECT poster_url, youtube_trailer_id FROM media")
    assert poster.startswith("/MediaCover/3/poster.jpg") and trailer_id == "tr000000003"


@pytest.mark.slow
def test_the_app_is_asked_again_the_payload_is_not_trusted(
    client: TestClient, arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", root="/movies", items=1)
    connect(radarr, path_mappings=[{"path_from": "/movies", "path_to": "/media/movies"}])
    movie = radarr.items()[0]
    lying = hooks.radarr_movie_added(movie)
    lying["movie"]["title"] = "Something Else"
    lying["movie"]["folderPath"] = "/elsewhere/Something Else"

    assert client.post(RADARR, json=lying).status_code == 202

    [(_, title, folder, *_)] = media_rows(db_file)
    assert (title, folder) == ("Big Buck Bunny", "/media/movies/Big Buck Bunny (2008)")


@pytest.mark.slow
def test_added_renamed_file_deleted_and_deleted_movies(
    client: TestClient,
    arr_standin: type[ArrStandIn],
    db_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    radarr = arr_standin("radarr", root="/movies", items=0)
    mapping = [{"path_from": "/movies", "path_to": "/media/movies"}]
    connection = connect(radarr, monitor="sync", path_mappings=mapping)
    movie = radarr.add("Spring", 2019, hasFile=False, monitored=False)

    added = client.post(RADARR, json=hooks.radarr_movie_added(movie))
    assert added.status_code == 202 and added.json()["action"] == "sync"
    assert media_rows(db_file) == [
        (1, "Spring", "/media/movies/Spring (2019)", 0, 0, connection.id)
    ]
    assert "Radarr webhook MovieAdded for Spring (2019) from radarr stand-in" in caplog.text
    assert "Spring (2019) is not monitored: no trailer download queued" in caplog.text

    # Radarr imported a file, then renamed the folder: the media follows.
    radarr.update(1, hasFile=True, monitored=True, path="/movies/Spring (2019) [tmdb-1]")
    renamed = client.post(
        RADARR, json=hooks.radarr_rename(radarr.items()[0], previous_path=movie["path"])
    )
    assert renamed.status_code == 202
    assert media_rows(db_file) == [
        (1, "Spring", "/media/movies/Spring (2019) [tmdb-1]", 1, 1, connection.id)
    ]

    # The movie file deleted: the media knows it has no file; the trailers are left to
    # the reconciliation.
    radarr.update(1, hasFile=False)
    gone_file = client.post(RADARR, json=hooks.radarr_movie_file_delete(radarr.items()[0]))
    assert gone_file.status_code == 202
    assert media_rows(db_file)[0][4] == 0
    assert "Spring (2019): a file in its folder was deleted or replaced" in caplog.text

    # A MovieDelete while the app still has the movie (another instance, say): kept.
    kept = client.post(RADARR, json=hooks.radarr_movie_delete(radarr.items()[0]))
    assert kept.status_code == 202 and kept.json()["action"] == "remove"
    assert len(media_rows(db_file)) == 1
    assert "MovieDelete for Spring (2019): still in radarr stand-in, so kept" in caplog.text

    # Deleted in the app: removed here, with an event that keeps its title.
    last = radarr.items()[0]
    radarr.remove(1)
    deleted = client.post(RADARR, json=hooks.radarr_movie_delete(last, deleted_files=True))
    assert deleted.status_code == 202
    assert media_rows(db_file) == []
    events = rows(db_file, "SELECT event_type, media_title FROM event")
    assert ("media_removed", "Spring (2019)") in events
    assert (
        "MovieDelete for Spring (2019): removed from the library (trailer files kept)"
        in caplog.text
    )


@pytest.mark.slow
def test_a_deleted_movie_keeps_its_trailer_files(
    client: TestClient, arr_standin: type[ArrStandIn], db_file: Path, tmp_path: Path
) -> None:
    root = tmp_path / "movies"
    radarr = arr_standin("radarr", root=str(root), items=1)
    connect(radarr)
    movie = radarr.items()[0]
    client.post(RADARR, json=hooks.radarr_download(movie))
    folder = Path(movie["path"])
    folder.mkdir(parents=True)
    trailer = make_trailer_record(db_file, folder)
    radarr.remove(movie["id"])

    assert client.post(RADARR, json=hooks.radarr_movie_delete(movie)).status_code == 202

    assert media_rows(db_file) == []
    assert rows(db_file, "SELECT count(*) FROM download") == [(0,)]
    assert trailer.is_file()


def make_trailer_record(db: Path, folder: Path) -> Path:
    from tests.utils.factories import make_download

    [(media_id,)] = rows(db, "SELECT id FROM media")
    trailer = folder / "Big Buck Bunny (2008)-trailer.mp4"
    trailer.write_bytes(b"not really a video")
    make_download(media_id, path=str(trailer), file_exists=True)
    return trailer


@pytest.mark.slow
def test_an_upgrade_syncs_the_movie_and_says_the_trailers_are_left_to_reconcile(
    client: TestClient,
    arr_standin: type[ArrStandIn],
    db_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    radarr = arr_standin("radarr", root="/media/movies", items=1)
    connect(radarr)
    movie = radarr.items()[0]
    answer = client.post(RADARR, json=hooks.radarr_download(movie, upgrade=True))
    assert answer.status_code == 202
    assert len(media_rows(db_file)) == 1
    assert "Big Buck Bunny (2008): a file in its folder was deleted or replaced" in caplog.text


@pytest.mark.slow
def test_sonarr_series_added_downloaded_file_deleted_and_deleted(
    client: TestClient, arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    sonarr = arr_standin("sonarr", root="/media/tv", items=1)
    connection = connect(sonarr)
    series = sonarr.add("Open Series", 2020, episodeFileCount=0)

    assert client.post(SONARR, json=hooks.sonarr_series_add(series)).status_code == 202
    assert media_rows(db_file) == [
        (2, "Open Series", "/media/tv/Open Series (2020)", 1, 0, connection.id)
    ]
    files = dict(series["statistics"], episodeFileCount=1)
    sonarr.update(2, statistics=files)
    assert client.post(SONARR, json=hooks.sonarr_download(series)).status_code == 202
    assert media_rows(db_file)[0][4] == 1
    sonarr.update(2, statistics=dict(files, episodeFileCount=0))
    assert client.post(SONARR, json=hooks.sonarr_episode_file_delete(series)).status_code == 202
    assert media_rows(db_file)[0][4] == 0
    moved = dict(sonarr.items()[1], path="/media/tv/Open Series")
    sonarr.update(2, path=moved["path"])
    assert client.post(SONARR, json=hooks.sonarr_rename(moved, previous_path=series["path"]))
    assert media_rows(db_file)[0][2] == "/media/tv/Open Series"

    sonarr.remove(2)
    answer = client.post(SONARR, json=hooks.sonarr_series_delete(series))
    assert answer.status_code == 202 and answer.json()["action"] == "remove"
    assert media_rows(db_file) == []


@pytest.mark.slow
def test_a_movie_outside_every_root_is_skipped_with_what_to_do(
    client: TestClient,
    arr_standin: type[ArrStandIn],
    db_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    radarr = arr_standin("radarr", root="/movies", items=1)
    connect(radarr, path_mappings=[{"path_from": "/movies", "path_to": "/media/movies"}])
    stray = radarr.add("Agent 327", 2017, path="/other/Agent 327 (2017)")

    assert client.post(RADARR, json=hooks.radarr_download(stray)).status_code == 202

    assert media_rows(db_file) == []
    assert "Agent 327 (2017): not brought in" in caplog.text
    assert "add a path mapping" in caplog.text


@pytest.mark.slow
def test_several_connections_are_told_apart_by_url_then_instance_name(
    client: TestClient, arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    hd = arr_standin("radarr", root="/media/hd", items=1)
    uhd = arr_standin("radarr", root="/media/uhd", items=1)
    first = connect(hd, name="Radarr HD")
    second = connect(uhd, name="Radarr 4K")
    movie_hd, movie_uhd = hd.items()[0], uhd.items()[0]

    by_url = client.post(RADARR, json=hooks.radarr_download(movie_uhd, url=f"{uhd.url}/"))
    assert by_url.json()["connection_id"] == second.id
    by_name = client.post(RADARR, json=hooks.radarr_download(movie_hd, instance="radarr hd"))
    assert by_name.json()["connection_id"] == first.id
    assert rows(db_file, "SELECT connection_id, folder_path FROM media ORDER BY id") == [
        (second.id, "/media/uhd/Big Buck Bunny (2008)"),
        (first.id, "/media/hd/Big Buck Bunny (2008)"),
    ]

    neither = client.post(RADARR, json=hooks.radarr_download(movie_hd, instance="Radarr"))
    assert neither.status_code == 200 and neither.json()["action"] == "no_connection"
    assert "Application URL" in neither.json()["message"]


@pytest.mark.slow
def test_an_unreachable_app_changes_nothing(
    client: TestClient,
    arr_standin: type[ArrStandIn],
    db_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    radarr = arr_standin("radarr", root="/media/movies", items=1)
    connect(radarr)
    movie = radarr.items()[0]
    assert client.post(RADARR, json=hooks.radarr_download(movie)).status_code == 202
    radarr.close()

    answer = client.post(RADARR, json=hooks.radarr_movie_delete(movie))

    assert answer.status_code == 202
    assert len(media_rows(db_file)) == 1
    assert "Radarr webhook MovieDelete for Big Buck Bunny (2008): not done" in caplog.text


# Downloads


@pytest.mark.slow
def test_a_movie_waiting_after_failures_is_not_queued(
    client: TestClient,
    arr_standin: type[ArrStandIn],
    db_file: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine's backoff holds for webhooks too."""
    caplog.set_level(logging.INFO)
    radarr = arr_standin("radarr", root="/media/movies", items=1)
    connect(radarr)
    movie = radarr.items()[0]
    client.post(RADARR, json=hooks.radarr_movie_added(movie))  # DOWNLOAD_ON_MONITOR off
    assert "no download queued (DOWNLOAD_ON_MONITOR is off" in caplog.text
    [(media_id,)] = rows(db_file, "SELECT id FROM media")
    [default] = client.get("/api/v1/trailerprofiles").json()
    now = datetime.now(UTC)
    WantedManager().record_failure(
        media_id, default["id"], "HTTP 404", at=now, next_attempt_at=now + timedelta(days=1)
    )
    monkeypatch.setenv("DOWNLOAD_ON_MONITOR", "true")
    get_settings.cache_clear()

    assert client.post(RADARR, json=hooks.radarr_download(movie)).status_code == 202

    assert client.get("/api/v1/queue").json() == []
    assert f"no download with profile {default['name']} before" in caplog.text


@pytest.mark.slow
def test_benchmark_a_download_webhook_brings_the_movie_and_its_trailer(
    client: TestClient,
    arr_standin: type[ArrStandIn],
    video_server: VideoServer,
    db_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A Download webhook for a movie Trailarr has never seen: with no other call, the movie
    is in the library and its trailer downloaded and recorded (the measured time is
    printed; the deadline is one minute)."""
    from core.download import trailer
    from core.download.sources import Source

    def local_source(value: str) -> Source:  # YouTube cannot be reached: its ids are local
        return Source(url=video_server.url(f"{value}.mp4"), video_id=value, is_youtube=True)

    monkeypatch.setattr(trailer, "parse_source", local_source)
    monkeypatch.setenv("DOWNLOAD_ON_MONITOR", "true")
    get_settings.cache_clear()
    [default] = client.get("/api/v1/trailerprofiles").json()
    shorter = {"min_duration": 0}  # the clip lasts 2 s
    assert client.patch(f"/api/v1/trailerprofiles/{default['id']}", json=shorter).is_success
    root = tmp_path / "movies"
    radarr = arr_standin("radarr", root=str(root), items=3)
    connection = connect(radarr, monitor="new")
    just_now = connection.added_at + timedelta(seconds=1)  # added in Radarr after the connection
    movie = radarr.add("Caminandes", 2013, added=just_now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    Path(movie["path"]).mkdir(parents=True)
    make_video(video_server.root / f"{movie['youTubeTrailerId']}.mp4", width=160, height=120)

    started = time.monotonic()
    answer = client.post(RADARR, json=hooks.radarr_download(movie))
    answered = time.monotonic() - started

    assert answer.status_code == 202, answer.text

    def recorded() -> list[Any]:
        found = rows(db_file, "SELECT id FROM media WHERE arr_id = ?", movie["id"])
        if not found:
            return []
        downloads = client.get(f"/api/v1/media/{found[0][0]}/downloads").json()
        return [d for d in downloads if d["file_exists"]]

    [record] = wait_until(recorded, "the webhook's trailer", timeout=60, interval=0.1)
    elapsed = time.monotonic() - started
    assert Path(record["path"]).is_file()
    assert record["path"].startswith(movie["path"])
    assert record["youtube_id"] == movie["youTubeTrailerId"]
    assert record["profile_id"] == default["id"]
    [(title, status)] = rows(db_file, "SELECT title, status FROM media")
    assert (title, status) == ("Caminandes", "downloaded")
    assert download_queue.items() == []
    with capsys.disabled():
        print(f"\nwebhook answered in {answered:.2f} s; trailer recorded after {elapsed:.2f} s")


@pytest.mark.slow
def test_the_access_log_hides_the_key_of_the_webhook_url(
    server_factory: type[Server], data_dir: Path, tmp_path: Path
) -> None:
    key = "webhook-secret-key-98765"
    log = tmp_path / "server.log"
    server = server_factory(data_dir, log, APP_API_KEY=key, LOG_LEVEL="DEBUG")
    server.wait_ready()
    import httpx

    answer = httpx.post(
        f"{server.base}{RADARR}", params={"apikey": key}, json=hooks.radarr_test(), timeout=60
    )
    assert answer.status_code == 200, answer.text

    def access_line() -> str | None:
        return next(
            (line for line in log.read_text(errors="replace").splitlines() if RADARR in line),
            None,
        )

    line = wait_until(access_line, "the access log line of the webhook")
    assert "apikey=***" in line
    text = log.read_text(errors="replace")
    assert key not in text
    assert "the webhook works" in text.lower() or "reaches Trailarr" in text
