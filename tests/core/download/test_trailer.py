"""End to end: a download started through the API against a local source.

Real yt-dlp downloads from a local HTTP server, real ffmpeg converts, real ffprobe
verifies, and the record lands in the SQLite database built by the migrations.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config import get_settings
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.models.media import MonitorStatus
from core.history.fingerprint import file_fingerprint
from tests.utils.downloads import wait_download_finished
from tests.utils.factories import make_download, make_media
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video
from tests.utils.probe import assert_record_matches_file, ffprobe_json
from tests.utils.roots import add_root
from tests.utils.youtube_search import search_entry


def _profile(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": f"test-{len(overrides)}-{time.monotonic_ns()}",
        "min_duration": 0,
        "max_duration": 60,
        **overrides,
    }
    response = client.post("/api/v1/trailerprofiles", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _media(client: TestClient, folder: Path, **overrides: Any) -> dict[str, Any]:
    """A media whose folder exists (a download never creates a missing media folder), in a
    library root (its parent folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    add_root(folder.parent)
    body = {
        "title": "Big Buck Bunny",
        "year": 2008,
        "is_movie": True,
        "folder_path": str(folder),
        **overrides,
    }
    response = client.post("/api/v1/media", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _start(client: TestClient, media_id: int, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/media/{media_id}/download", json=body)
    assert response.status_code == 202, response.text
    return wait_download_finished(client, media_id)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source_name", "source_codecs", "profile", "expected"),
    [
        ("clip.mp4", ("h264", "aac"), {"file_format": "mkv"}, ("h264", "aac", "matroska,webm")),
        (
            "clip.mkv",
            ("h264", "aac"),
            {"file_format": "mp4"},
            ("h264", "aac", "mov,mp4,m4a,3gp,3g2,mj2"),
        ),
        (
            "clip.mp4",
            ("h264", "aac"),
            {"file_format": "webm", "video_format": "vp9", "audio_format": "opus"},
            ("vp9", "opus", "matroska,webm"),
        ),
    ],
)
def test_download_through_the_api_records_the_truth(
    client: TestClient,
    video_server: VideoServer,
    tmp_path: Path,
    source_name: str,
    source_codecs: tuple[str, str],
    profile: dict[str, Any],
    expected: tuple[str, str, str],
) -> None:
    make_video(video_server.root / source_name, vcodec=source_codecs[0], acodec=source_codecs[1])
    folder = tmp_path / "movies" / "Big Buck Bunny (2008)"
    media = _media(client, folder)
    chosen = _profile(client, **profile)

    finished = _start(
        client, media["id"], profile_id=chosen["id"], url=video_server.url(source_name)
    )

    assert finished["status"] == "downloaded"
    assert finished["downloaded_at"] is not None
    files = list((folder / "Trailers").iterdir())
    ext = "." + profile["file_format"]
    assert [f.name for f in files] == [f"Big Buck Bunny (2008)-trailer{ext}"]
    records = client.get(f"/api/v1/media/{media['id']}/downloads").json()
    assert len(records) == 1
    record = records[0]
    assert_record_matches_file(record, files[0])
    assert (record["video_format"], record["audio_format"], record["file_format"]) == expected
    assert record["profile_id"] == chosen["id"]
    assert record["media_id"] == media["id"]
    assert record["youtube_id"] == Path(source_name).stem
    assert record["resolution"] == "320x240"
    assert record["source_url"] == video_server.url(source_name)
    assert record["fingerprint"] == file_fingerprint(files[0])
    assert record["deleted_reason"] is None
    tags = {k.lower(): v for k, v in ffprobe_json(files[0])["format"].get("tags", {}).items()}
    assert tags.get("comment") == video_server.url(source_name)
    # nothing is left behind in the work folder
    assert list(get_settings().temp_dir.glob("**/*.*")) == []


@pytest.mark.slow
def test_subtitles_are_kept_and_recorded(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "subs.mkv", subtitles=["eng", "spa"])
    media = _media(client, tmp_path / "m")
    chosen = _profile(client, subtitles_enabled=True, subtitles_languages="en,es")
    assert (
        _start(client, media["id"], profile_id=chosen["id"], url=video_server.url("subs.mkv"))[
            "status"
        ]
        == "downloaded"
    )
    [record] = client.get(f"/api/v1/media/{media['id']}/downloads").json()
    assert record["subtitles"] == "eng,spa"
    assert_record_matches_file(record, Path(record["path"]))


@pytest.mark.slow
def test_second_download_gets_a_new_name_and_history_is_newest_first(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "a.mp4")
    make_video(video_server.root / "b.mp4", width=160, height=120)
    media = _media(client, tmp_path / "m")
    chosen = _profile(client)
    _start(client, media["id"], profile_id=chosen["id"], url=video_server.url("a.mp4"))
    _start(client, media["id"], profile_id=chosen["id"], url=video_server.url("b.mp4"))
    records = client.get(f"/api/v1/media/{media['id']}/downloads").json()
    assert [r["youtube_id"] for r in records] == ["b", "a"]
    assert records[0]["file_name"] == "Big Buck Bunny (2008)-trailer (2).mkv"
    assert records[0]["resolution"] == "160x120"
    assert Path(records[1]["path"]).exists()


@pytest.mark.slow
def test_a_download_that_replaces_takes_the_place_of_the_profiles_present_trailer(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "a.mp4")
    make_video(video_server.root / "b.mp4", width=160, height=120)
    make_video(video_server.root / "c.mp4", width=240, height=180)
    media = _media(client, tmp_path / "m")
    chosen = _profile(client)
    other = _profile(client, file_format="mp4")
    _start(client, media["id"], profile_id=chosen["id"], url=video_server.url("a.mp4"))
    _start(client, media["id"], profile_id=other["id"], url=video_server.url("c.mp4"))
    [kept, old] = client.get(f"/api/v1/media/{media['id']}/downloads").json()

    answer = client.post(
        f"/api/v1/media/{media['id']}/download",
        json={"profile_id": chosen["id"], "url": video_server.url("b.mp4"), "replace": True},
    )
    assert answer.status_code == 202
    assert f"to replace download {old['id']}" in answer.json()["message"]
    assert chosen["name"] in answer.json()["message"]
    wait_download_finished(client, media["id"])

    records = {r["id"]: r for r in client.get(f"/api/v1/media/{media['id']}/downloads").json()}
    present = [r for r in records.values() if r["file_exists"]]
    assert sorted(r["youtube_id"] for r in present) == ["b", "c"]  # the other profile's stays
    assert records[old["id"]]["file_exists"] is False
    assert records[old["id"]]["deleted_reason"] == "replaced"
    assert not Path(old["path"]).exists() and Path(kept["path"]).exists()


@pytest.mark.slow
def test_video_without_audio_fails_verification_and_records_nothing(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "silent.mp4", acodec=None)
    folder = tmp_path / "m"
    media = _media(client, folder)
    chosen = _profile(client)
    finished = _start(
        client, media["id"], profile_id=chosen["id"], url=video_server.url("silent.mp4")
    )
    assert finished["status"] == "missing"
    assert client.get(f"/api/v1/media/{media['id']}/downloads").json() == []
    assert not folder.exists() or list(folder.rglob("*.*")) == []
    assert list(get_settings().temp_dir.glob("**/*.*")) == []


@pytest.mark.slow
def test_truncated_file_fails_cleanly(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    whole = make_video(tmp_path / "whole.mp4")
    (video_server.root / "cut.mp4").write_bytes(whole.read_bytes()[:1024])
    media = _media(client, tmp_path / "m")
    chosen = _profile(client)
    finished = _start(client, media["id"], profile_id=chosen["id"], url=video_server.url("cut.mp4"))
    assert finished["status"] == "missing"
    assert client.get(f"/api/v1/media/{media['id']}/downloads").json() == []


@pytest.mark.slow
def test_too_short_for_the_profile_fails(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "short.mp4", duration=1)
    media = _media(client, tmp_path / "m")
    chosen = _profile(client, min_duration=30, max_duration=600)
    finished = _start(
        client, media["id"], profile_id=chosen["id"], url=video_server.url("short.mp4")
    )
    assert finished["status"] == "missing"
    assert client.get(f"/api/v1/media/{media['id']}/downloads").json() == []


@pytest.mark.slow
def test_unicode_and_very_long_title(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "u.mp4")
    title = "Le Fabuleux Destin d’Amélie Poulain: 天気の子 / Weathering? " * 6
    media = _media(client, tmp_path / "m", title=title.strip())
    chosen = _profile(client)
    assert (
        _start(client, media["id"], profile_id=chosen["id"], url=video_server.url("u.mp4"))[
            "status"
        ]
        == "downloaded"
    )
    [record] = client.get(f"/api/v1/media/{media['id']}/downloads").json()
    assert len(record["file_name"].encode("utf-8")) <= 255
    assert "/" not in record["file_name"] and "?" not in record["file_name"]
    assert Path(record["path"]).exists()
    assert_record_matches_file(record, Path(record["path"]))


@pytest.mark.slow
def test_second_request_while_running_gets_409(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "slow.mp4")
    video_server.slow("slow.mp4", bytes_per_second=20_000)
    media = _media(client, tmp_path / "m")
    chosen = _profile(client)
    url = video_server.url("slow.mp4")
    first = client.post(
        f"/api/v1/media/{media['id']}/download", json={"profile_id": chosen["id"], "url": url}
    )
    assert first.status_code == 202
    assert client.get(f"/api/v1/media/{media['id']}").json()["status"] == "downloading"
    second = client.post(
        f"/api/v1/media/{media['id']}/download", json={"profile_id": chosen["id"], "url": url}
    )
    assert second.status_code == 409
    assert "queued already" in second.json()["detail"]
    assert wait_download_finished(client, media["id"])["status"] == "downloaded"
    assert len(client.get(f"/api/v1/media/{media['id']}/downloads").json()) == 1


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/a.mp4", "not a url", "http://"]
)
def test_refused_sources_are_4xx(client: TestClient, tmp_path: Path, url: str) -> None:
    media = _media(client, tmp_path / "m")
    response = client.post(f"/api/v1/media/{media['id']}/download", json={"url": url})
    assert response.status_code == 400
    assert response.json()["detail"]
    assert client.get(f"/api/v1/media/{media['id']}").json()["status"] == "missing"


@pytest.mark.slow
def test_local_sources_refused_unless_allowed(
    client: TestClient, video_server: VideoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOW_LOCAL_SOURCES", "false")
    get_settings.cache_clear()
    media = _media(client, tmp_path / "m")
    response = client.post(
        f"/api/v1/media/{media['id']}/download", json={"url": video_server.url("x.mp4")}
    )
    assert response.status_code == 400
    assert "ALLOW_LOCAL_SOURCES" in response.json()["detail"]


def test_unknown_media_and_profile(client: TestClient, tmp_path: Path) -> None:
    assert client.post("/api/v1/media/999/download", json={}).status_code == 404
    media = _media(client, tmp_path / "m")
    response = client.post(f"/api/v1/media/{media['id']}/download", json={"profile_id": 999})
    assert response.status_code == 404


@pytest.mark.slow
def test_media_delete_cascades_records_and_keeps_files_unless_asked(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "c.mp4")
    chosen = _profile(client)
    kept = _media(client, tmp_path / "keep")
    _start(client, kept["id"], profile_id=chosen["id"], url=video_server.url("c.mp4"))
    [kept_record] = client.get(f"/api/v1/media/{kept['id']}/downloads").json()
    gone = _media(client, tmp_path / "gone")
    _start(client, gone["id"], profile_id=chosen["id"], url=video_server.url("c.mp4"))
    [gone_record] = client.get(f"/api/v1/media/{gone['id']}/downloads").json()

    assert client.delete(f"/api/v1/media/{kept['id']}").status_code == 204
    assert client.delete(f"/api/v1/media/{gone['id']}?delete_files=true").status_code == 204

    db = sqlite3.connect(get_settings().app_data_dir / "trailarr.db")
    try:
        assert db.execute("SELECT COUNT(*) FROM download").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM event").fetchone() == (0,)
    finally:
        db.close()
    assert Path(kept_record["path"]).exists()
    assert not Path(gone_record["path"]).exists()
    assert client.get(f"/api/v1/media/{kept['id']}/downloads").status_code == 404


@pytest.mark.slow
def test_saved_id_then_search_candidates_in_order_skipping_failed_ones(
    client: TestClient,
    video_server: VideoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The saved id fails for good (404), the first search hit has no audio, the second works.

    YouTube cannot be reached here, so YouTube ids are served by the local server: that
    and the search results are the only faked parts.
    """
    from core.download import trailer, trailer_search
    from core.download.sources import Source

    def local_source(value: str) -> Source:
        return Source(url=video_server.url(f"{value}.mp4"), video_id=value, is_youtube=True)

    searches: list[str] = []

    def fake_search(query: str, *, limit: int = 10) -> list[dict[str, Any]]:
        searches.append(query)
        return [
            search_entry("savedAAAAAA", "Big Buck Bunny trailer", 120.0),
            search_entry("silentBBBBB", "Big Buck Bunny official trailer", 120.0),
            search_entry("tooLongCCCC", "Big Buck Bunny full movie", 5000),
            search_entry("goodDDDDDDD", "Big Buck Bunny trailer 2", 120.0),
        ]

    monkeypatch.setattr(trailer, "parse_source", local_source)
    monkeypatch.setattr(trailer_search, "search_youtube", fake_search)
    video_server.fail("savedAAAAAA.mp4", 404)
    make_video(video_server.root / "silentBBBBB.mp4", acodec=None)
    make_video(video_server.root / "goodDDDDDDD.mp4")

    media = _media(client, tmp_path / "m", youtube_trailer_id="savedAAAAAA")
    chosen = _profile(client, max_duration=600)
    assert _start(client, media["id"], profile_id=chosen["id"])["status"] == "downloaded"

    assert searches == ["Big Buck Bunny 2008 movie trailer"]
    [record] = client.get(f"/api/v1/media/{media['id']}/downloads").json()
    assert record["youtube_id"] == "goodDDDDDDD"
    assert video_server.requests("tooLongCCCC.mp4") == 0

    # A later search skips the ids that failed for good; when nothing is left, the
    # attempt fails and the media keeps the trailer it has.
    before = {n: video_server.requests(n) for n in ("savedAAAAAA.mp4", "silentBBBBB.mp4")}
    assert min(before.values()) >= 1
    video_server.fail("goodDDDDDDD.mp4", 404)
    client.patch(f"/api/v1/media/{media['id']}", json={"youtube_trailer_id": None})
    assert _start(client, media["id"], profile_id=chosen["id"])["status"] == "downloaded"
    assert {n: video_server.requests(n) for n in before} == before
    assert len(searches) == 2
    assert len(client.get(f"/api/v1/media/{media['id']}/downloads").json()) == 1


@pytest.mark.slow
@pytest.mark.parametrize(("present", "expected"), [(False, "missing"), (True, "downloaded")])
def test_a_failed_download_leaves_the_status_the_files_on_record_give(
    client: TestClient, video_server: VideoServer, tmp_path: Path, present: bool, expected: str
) -> None:
    # The media says "downloaded" when the download starts; meanwhile its only trailer
    # was deleted (present=False) or is still there (present=True). A failed attempt must
    # leave the status those files give, not the one the media had at the start.
    make_video(video_server.root / "silent.mp4", acodec=None)
    media = _media(client, tmp_path / "m")
    make_download(media["id"], file_exists=present)
    MediaDatabaseManager().refresh_status(media["id"])
    assert client.get(f"/api/v1/media/{media['id']}").json()["status"] == (
        "downloaded" if present else "missing"
    )
    finished = _start(
        client, media["id"], profile_id=_profile(client)["id"], url=video_server.url("silent.mp4")
    )
    assert finished["status"] == expected


def test_the_status_after_a_download_ends_follows_the_files(data_dir: Path) -> None:
    manager = MediaDatabaseManager()
    media = make_media()
    manager.refresh_status(media.id, in_flight=True)
    # While the download runs, nothing else moves its status.
    assert manager.refresh_status(media.id) == MonitorStatus.DOWNLOADING
    assert manager.refresh_status(media.id, in_flight=False) == MonitorStatus.MISSING
    make_download(media.id)
    manager.refresh_status(media.id, in_flight=True)
    assert manager.refresh_status(media.id, in_flight=False) == MonitorStatus.DOWNLOADED
    assert manager.read(media.id).status == MonitorStatus.DOWNLOADED


@pytest.mark.slow
def test_a_trailers_folder_linked_outside_is_refused_and_nothing_is_written_there(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "a.mp4")
    folder = tmp_path / "movies" / "Big Buck Bunny (2008)"
    folder.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / "Trailers").symlink_to(outside)
    media = _media(client, folder)
    chosen = _profile(client)

    finished = _start(client, media["id"], profile_id=chosen["id"], url=video_server.url("a.mp4"))

    assert finished["status"] == "missing"
    assert list(outside.iterdir()) == []
    assert client.get(f"/api/v1/media/{media['id']}/downloads").json() == []
    [event] = client.get(f"/api/v1/media/{media['id']}/events").json()
    assert event["event_type"] == "download_failed"
    assert "leads outside the media folder" in event["message"]
    assert list(get_settings().temp_dir.glob("**/*.*")) == []


@pytest.mark.slow
def test_the_saved_trailer_url_is_used_when_no_url_is_sent(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "saved.mp4")
    media = _media(client, tmp_path / "m", trailer_url=video_server.url("saved.mp4"))
    chosen = _profile(client)

    finished = _start(client, media["id"], profile_id=chosen["id"])

    assert finished["status"] == "downloaded"
    [record] = client.get(f"/api/v1/media/{media['id']}/downloads").json()
    assert record["source_url"] == video_server.url("saved.mp4")
