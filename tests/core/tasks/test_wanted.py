"""The download-missing engine: what is wanted, the backoff, and trailers that arrive alone."""

from __future__ import annotations

import logging
import shutil
import threading
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from config import get_settings
from core.base.database.engine import get_engine
from core.base.database.manager.wanted import WantedManager, WantedMedia
from core.base.database.models.media import MonitorStatus
from core.download.queue import download_queue
from core.tasks.wanted import (
    DownloadMissingSummary,
    applies,
    backoff,
    download_missing,
    plan,
)
from tests.utils.db import as_datetime, execute, execute_many, rows
from tests.utils.factories import make_download, make_media, make_profile
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video
from tests.utils.roots import add_root
from tests.utils.wait import wait_until

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def wanted_media(**overrides: Any) -> WantedMedia:
    fields: dict[str, Any] = {
        "id": 1,
        "title": "Star Wars: A New Hope",
        "year": 1977,
        "is_movie": True,
        "connection_id": None,
        "status": MonitorStatus.MISSING,
        "trailer_url": None,
        "youtube_trailer_id": None,
    }
    return WantedMedia(**(fields | overrides))


def test_the_backoff_is_1_2_4_then_7_days() -> None:
    assert [backoff(n).days for n in range(1, 7)] == [1, 2, 4, 7, 7, 7]


def test_a_profile_applies_by_its_filters() -> None:
    everyone = make_profile()
    assert applies(everyone, wanted_media())
    assert applies(everyone, wanted_media(is_movie=False))
    assert not applies(make_profile(for_movies=False), wanted_media())
    assert not applies(make_profile(for_series=False), wanted_media(is_movie=False))
    radarr_only = make_profile(connection_id=3)
    assert applies(radarr_only, wanted_media(connection_id=3))
    assert not applies(radarr_only, wanted_media(connection_id=4))
    assert not applies(radarr_only, wanted_media())
    seventies = make_profile(min_year=1970, max_year=1979)
    assert applies(seventies, wanted_media())
    assert not applies(seventies, wanted_media(year=1980))
    assert not applies(seventies, wanted_media(year=1969))
    sagas = make_profile(title_words="star wars, Trek")
    assert applies(sagas, wanted_media())
    assert applies(sagas, wanted_media(title="Star Trek"))
    assert not applies(sagas, wanted_media(title="Alien"))


def monitored(folder: Path, **overrides: Any) -> int:
    media = make_media(folder, monitor=True, **overrides)
    return media.id


def test_the_plan_lists_each_monitored_media_and_profile_without_a_present_trailer(
    tmp_path: Path, db_file: Path
) -> None:
    execute(db_file, "UPDATE trailerprofile SET enabled = FALSE")  # only this test's profiles
    high = make_profile(name="High", priority=10)
    low = make_profile(name="Low", priority=1, for_series=False)
    make_profile(name="Off", enabled=False)
    done = monitored(tmp_path / "Done", title="Done")
    half = monitored(tmp_path / "Half", title="Half", trailer_url="https://example.org/t.mp4")
    series = monitored(tmp_path / "Show", title="Show", is_movie=False)
    make_media(tmp_path / "Quiet", title="Quiet", monitor=False)
    make_download(done, profile_id=high.id, file_exists=True)
    make_download(done, profile_id=low.id, file_exists=True)
    make_download(half, profile_id=high.id, file_exists=True)
    make_download(half, profile_id=low.id, file_exists=False)  # deleted: still wanted
    WantedManager().record_failure(
        series, high.id, "HTTP 404", at=NOW, next_attempt_at=NOW + timedelta(days=1)
    )

    items = plan(NOW)

    assert [(i.title, i.profile_name, i.source, i.due) for i in items] == [
        ("Half", "Low", "trailer_url", True),
        ("Show", "High", "search", False),
    ]
    waiting = items[1]
    assert waiting.attempts == 1 and waiting.last_error == "HTTP 404"
    assert waiting.next_attempt_at == NOW + timedelta(days=1)
    assert plan(NOW + timedelta(days=1))[1].due is True


def test_a_media_downloading_now_is_listed_but_not_due(tmp_path: Path, db_file: Path) -> None:
    busy = monitored(tmp_path / "Busy", title="Busy")
    make_profile(name="Only")
    execute(db_file, "UPDATE media SET status = 'downloading' WHERE id = ?", busy)
    [item] = plan(NOW)
    assert (item.title, item.downloading, item.due) == ("Busy", True, False)


def test_the_plan_of_many_media_reads_in_bulk(tmp_path: Path, db_file: Path) -> None:
    # 300 media, two profiles: the same few statements whatever the size of the library.
    add_root(tmp_path)
    execute_many(
        db_file,
        "INSERT INTO media (title, year, is_movie, folder_path, monitor, status, added_at,"
        " updated_at, media_exists) VALUES (?, 2000, TRUE, ?, TRUE, 'missing',"
        " '2026-01-01 00:00:00', '2026-01-01 00:00:00', FALSE)",
        [(f"Movie {n:03d}", str(tmp_path / f"m{n}")) for n in range(300)],
    )
    make_profile(name="First")
    make_profile(name="Second")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        items = plan(NOW)
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)

    assert len(items) == 600
    assert items[0].title == "Movie 000"
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 4, selects  # profiles, media, present trailers, failures


def disable_default(db_file: Path) -> None:
    execute(db_file, "UPDATE trailerprofile SET enabled = FALSE WHERE name = 'Default'")


def engine_profile(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {"name": "Engine", "min_duration": 0, "max_duration": 60, **overrides}
    answer = client.post("/api/v1/trailerprofiles", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def run_engine(client: TestClient, clock: datetime | None = None) -> DownloadMissingSummary:
    """One run of the engine on the app's event loop (as the task runner does it)."""
    assert client.portal is not None
    work = partial(download_missing, threading.Event())
    if clock is not None:
        work = partial(download_missing, threading.Event(), clock=lambda: clock)
    summary: DownloadMissingSummary = client.portal.call(anyio.to_thread.run_sync, work)
    return summary


@pytest.mark.slow
def test_a_monitored_library_gets_its_trailers_with_no_click(
    client: TestClient,
    video_server: VideoServer,
    tmp_path: Path,
    db_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Monitoring 20 media is all it takes: the engine starts by itself (DOWNLOAD_ON_MONITOR)
    and the queue downloads two at a time."""
    monkeypatch.setenv("DOWNLOAD_ON_MONITOR", "true")
    get_settings.cache_clear()
    download_queue.set_concurrency(2)
    disable_default(db_file)
    profile = engine_profile(client)
    source = make_video(video_server.root / "clip.mp4", duration=1, width=160, height=120)
    library = tmp_path / "library"
    add_root(library)
    ids = []
    for n in range(20):
        shutil.copyfile(source, video_server.root / f"t{n}.mp4")
        folder = library / f"Movie {n:02d} ({2000 + n})"
        folder.mkdir(parents=True)
        body = {
            "title": f"Movie {n:02d}",
            "year": 2000 + n,
            "is_movie": True,
            "folder_path": str(folder),
            "monitor": False,
            "trailer_url": video_server.url(f"t{n}.mp4"),
        }
        answer = client.post("/api/v1/media", json=body)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    assert client.get("/api/v1/wanted").json()["total"] == 0
    most_at_once = 0

    def running_downloads() -> int:
        nonlocal most_at_once
        running = [i for i in client.get("/api/v1/queue").json() if i["started_at"]]
        most_at_once = max(most_at_once, len(running))
        return len(running)

    monitored = client.post("/api/v1/media/bulk", json={"ids": ids, "monitor": True})
    assert monitored.json() == {"updated": 20}
    wait_until(running_downloads, "the engine's first downloads")
    state = wait_until(
        lambda: (
            running_downloads() >= 0
            and (s := client.get("/api/v1/tasks/download_missing").json())["running"] is False
            and s["last_finished_at"]
            and s
        ),
        "the download_missing run",
        timeout=600,
    )
    assert most_at_once <= 2

    assert state["last_error"] is None
    assert state["last_summary"]["downloaded"] == 20 and state["last_summary"]["failed"] == 0
    for media_id in ids:
        [record] = client.get(f"/api/v1/media/{media_id}/downloads").json()
        assert record["file_exists"] is True and record["profile_id"] == profile["id"]
        assert Path(record["path"]).is_file()
    assert client.get("/api/v1/wanted").json()["total"] == 0
    # A second run finds nothing to do: no trailer is downloaded twice.
    again = run_engine(client)
    assert again.wanted == 0 and again.downloaded == 0
    assert rows(db_file, "SELECT count(*) FROM download") == [(20,)]


@pytest.mark.slow
def test_a_failing_source_backs_off_and_is_not_tried_before_its_time(
    client: TestClient,
    video_server: VideoServer,
    tmp_path: Path,
    db_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    disable_default(db_file)
    profile = engine_profile(client)
    folder = tmp_path / "lib" / "Broken (2001)"
    folder.mkdir(parents=True)
    add_root(folder.parent)
    make_video(video_server.root / "gone.mp4", duration=1, width=160, height=120)
    video_server.fail("gone.mp4", 404)
    body = {
        "title": "Broken",
        "year": 2001,
        "is_movie": True,
        "folder_path": str(folder),
        "monitor": True,
        "trailer_url": video_server.url("gone.mp4"),
    }
    media = client.post("/api/v1/media", json=body).json()
    start = datetime.now(UTC)

    first = run_engine(client, start)
    # The saved URL answers 404, then the search (no network here) fails too: the last
    # reason is kept.
    assert first.failed == 1 and first.errors[0].startswith("Broken (2001), Engine: ")
    tried = video_server.requests("gone.mp4")
    assert tried >= 1
    [item] = client.get("/api/v1/wanted").json()["records"]
    assert item["attempts"] == 1 and item["due"] is False
    # One line a person can read (no network here: the search cannot reach YouTube).
    assert item["last_error"].startswith("Cannot reach the source: check")
    assert "yt-dlp" not in item["last_error"] and "github" not in item["last_error"]
    events = client.get(f"/api/v1/media/{media['id']}/events").json()
    assert any(
        "failed: The source answered 404 (not found): check the URL" in e["message"] for e in events
    ), events
    assert datetime.fromisoformat(item["next_attempt_at"]) == start + timedelta(days=1)

    # Within the day: not tried, not even asked.
    waiting = run_engine(client, start + timedelta(hours=23))
    assert waiting.waiting == 1 and waiting.failed == 0
    assert video_server.requests("gone.mp4") == tried

    # After the day: tried again; the next wait is two days.
    later = start + timedelta(days=1, minutes=1)
    second = run_engine(client, later)
    assert second.failed == 1
    assert video_server.requests("gone.mp4") > tried
    [(attempts, next_at)] = rows(db_file, "SELECT attempts, next_attempt_at FROM wantedfailure")
    assert attempts == 2
    assert as_datetime(next_at).replace(tzinfo=UTC) == later + timedelta(days=2)

    # A download by hand ignores the wait, and its success ends it.
    video_server.clear("gone.mp4")
    answer = client.post(
        f"/api/v1/media/{media['id']}/download", json={"profile_id": profile["id"]}
    )
    assert answer.status_code == 202, answer.text
    wait_until(
        lambda: client.get(f"/api/v1/media/{media['id']}").json()["status"] == "downloaded",
        "the download by hand",
    )
    wait_until(lambda: rows(db_file, "SELECT count(*) FROM wantedfailure") == [(0,)], "no wait")
    assert client.get("/api/v1/wanted").json()["total"] == 0


@pytest.mark.slow
def test_a_profile_can_stop_monitoring_after_its_download(
    client: TestClient, video_server: VideoServer, tmp_path: Path, db_file: Path
) -> None:
    disable_default(db_file)
    engine_profile(client, stop_monitoring=True)
    make_video(video_server.root / "t.mp4", duration=1, width=160, height=120)
    folder = tmp_path / "lib" / "Once (2003)"
    folder.mkdir(parents=True)
    add_root(folder.parent)
    body = {
        "title": "Once",
        "year": 2003,
        "is_movie": True,
        "folder_path": str(folder),
        "monitor": True,
        "trailer_url": video_server.url("t.mp4"),
    }
    media = client.post("/api/v1/media", json=body).json()

    assert run_engine(client).downloaded == 1

    after = client.get(f"/api/v1/media/{media['id']}").json()
    assert after["monitor"] is False and after["status"] == "downloaded"


def test_the_wanted_route_pages_and_filters(client: TestClient, tmp_path: Path) -> None:
    for n in range(3):
        make_media(tmp_path / f"W{n}", title=f"W{n}", monitor=True)
    [default] = client.get("/api/v1/trailerprofiles").json()
    first = client.get("/api/v1/wanted", params={"page_size": 2}).json()
    assert first["total"] == 3 and [r["title"] for r in first["records"]] == ["W0", "W1"]
    assert first["records"][0]["profile_id"] == default["id"]
    assert first["records"][0]["source"] == "search"
    assert (
        client.get("/api/v1/wanted", params={"page": 2, "page_size": 2}).json()["records"][0][
            "title"
        ]
        == "W2"
    )
    assert client.get("/api/v1/wanted", params={"due": False}).json()["total"] == 0
    assert client.get("/api/v1/wanted", params={"page_size": 0}).status_code == 422


@pytest.mark.parametrize(
    ("on", "enabled", "starts"), [(True, True, True), (False, True, False), (True, False, False)]
)
def test_monitoring_a_media_starts_the_engine_unless_switched_off(
    client: TestClient,
    tmp_path: Path,
    db_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    on: bool,
    enabled: bool,
    starts: bool,
) -> None:
    """DOWNLOAD_ON_MONITOR, and the task's own switch, decide; no profile applies here, so
    the run itself has nothing to download."""
    monkeypatch.setenv("DOWNLOAD_ON_MONITOR", "true" if on else "false")
    get_settings.cache_clear()
    disable_default(db_file)
    switched = client.patch("/api/v1/tasks/download_missing", json={"enabled": enabled})
    assert switched.status_code == 200, switched.text
    media = make_media(tmp_path / "m", monitor=False)
    before = client.get("/api/v1/tasks/download_missing").json()["last_started_at"]

    answer = client.patch(f"/api/v1/media/{media.id}", json={"monitor": True})

    assert answer.status_code == 200, answer.text
    task = client.get("/api/v1/tasks/download_missing").json()
    assert (task["last_started_at"] != before) is starts
    if starts:  # monitored already: sending it again starts nothing
        wait_until(
            lambda: client.get("/api/v1/tasks/download_missing").json()["running"] is False,
            "the run to end",
        )
        client.patch(f"/api/v1/media/{media.id}", json={"monitor": True})
        again = client.get("/api/v1/tasks/download_missing").json()["last_started_at"]
        assert again == task["last_started_at"]
    unmonitor = {"ids": [media.id], "monitor": False}
    assert client.post("/api/v1/media/bulk", json=unmonitor).is_success
    if starts:
        wait_until(
            lambda: client.get("/api/v1/tasks/download_missing").json()["last_finished_at"],
            "the run to end",
        )
