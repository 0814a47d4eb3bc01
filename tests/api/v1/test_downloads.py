"""DELETE /downloads/{id} and POST /downloads/{id}/redownload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.v1.downloads import _redownload_source
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.download import DownloadManager
from core.base.database.manager.event import EventManager
from core.base.database.models.download import DeletedReason, DownloadRead
from core.base.database.models.event import EventCreate, EventType
from core.base.database.models.media import MediaRead
from core.exceptions import InvalidInputError
from tests.utils.downloads import wait_download_finished
from tests.utils.factories import make_download, make_media, make_profile
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video

DOWNLOADS = "/api/v1/downloads"


def trailer_on_disk(media: MediaRead, name: str = "trailer.mkv") -> Path:
    path = Path(media.folder_path) / "Trailers" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not really a video, but a file all the same")
    return path


def recorded(media: MediaRead, path: Path, **overrides: Any) -> DownloadRead:
    """A present record of `path`, its "downloaded" event, and the media marked downloaded."""
    record = make_download(media.id, path=str(path), file_name=path.name, **overrides)
    EventManager().create(
        EventCreate(media_id=media.id, download_id=record.id, event_type=EventType.DOWNLOADED)
    )
    MediaDatabaseManager().refresh_status(media.id)
    return record


def events(client: TestClient, media_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/media/{media_id}/events")
    assert response.status_code == 200
    return response.json()


def status_of(client: TestClient, media_id: int) -> str:
    return client.get(f"/api/v1/media/{media_id}").json()["status"]


def test_delete_removes_the_file_and_keeps_a_marked_record(
    client: TestClient, tmp_path: Path
) -> None:
    media = make_media(tmp_path / "Movie")
    path = trailer_on_disk(media)
    record = recorded(media, path)
    assert status_of(client, media.id) == "downloaded"

    response = client.delete(f"{DOWNLOADS}/{record.id}")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == record.id
    assert body["file_exists"] is False
    assert body["deleted_reason"] == "deleted_by_user"
    assert body["deleted_at"] is not None
    assert body["media_title"] == media.title
    assert not path.exists()
    assert client.get(f"{DOWNLOADS}/{record.id}").json() == body
    deleted = [e for e in events(client, media.id) if e["event_type"] == "deleted"]
    assert len(deleted) == 1
    assert deleted[0]["reason"] == "deleted_by_user"
    assert deleted[0]["download_id"] == record.id
    assert str(path) in deleted[0]["message"]
    # It was the only present trailer.
    assert status_of(client, media.id) == "missing"


def test_delete_is_idempotent(client: TestClient, tmp_path: Path) -> None:
    media = make_media(tmp_path / "Movie")
    record = recorded(media, trailer_on_disk(media))
    first = client.delete(f"{DOWNLOADS}/{record.id}")
    again = client.delete(f"{DOWNLOADS}/{record.id}")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert [e["event_type"] for e in events(client, media.id)] == ["deleted", "downloaded"]


def test_media_keeps_downloaded_while_another_trailer_is_present(
    client: TestClient, tmp_path: Path
) -> None:
    media = make_media(tmp_path / "Movie")
    old = recorded(media, trailer_on_disk(media, "old.mkv"))
    kept = recorded(media, trailer_on_disk(media, "new.mkv"))
    assert client.delete(f"{DOWNLOADS}/{old.id}").status_code == 200
    assert status_of(client, media.id) == "downloaded"
    assert Path(kept.path).exists()
    assert client.get(f"{DOWNLOADS}/{kept.id}").json()["file_exists"] is True


def test_delete_when_the_file_is_already_gone(client: TestClient, tmp_path: Path) -> None:
    media = make_media(tmp_path / "Movie")
    path = trailer_on_disk(media)
    record = recorded(media, path)
    path.unlink()
    response = client.delete(f"{DOWNLOADS}/{record.id}")
    assert response.status_code == 200
    assert response.json()["deleted_reason"] == "deleted_by_user"
    assert "already gone" in events(client, media.id)[0]["message"]


def test_a_missing_record_can_be_dismissed(client: TestClient, tmp_path: Path) -> None:
    media = make_media(tmp_path / "Movie")
    record = make_download(
        media.id,
        path=str(tmp_path / "Movie" / "gone.mkv"),
        file_exists=False,
        deleted_reason=DeletedReason.MISSING,
    )
    response = client.delete(f"{DOWNLOADS}/{record.id}")
    assert response.status_code == 200
    assert response.json()["deleted_reason"] == "deleted_by_user"
    assert [e["reason"] for e in events(client, media.id)] == ["deleted_by_user"]


def test_file_outside_the_media_folder_is_not_deleted(client: TestClient, tmp_path: Path) -> None:
    media = make_media(tmp_path / "Movie")
    outside = tmp_path / "Elsewhere" / "trailer.mkv"
    outside.parent.mkdir()
    outside.write_bytes(b"someone else's file")
    Path(media.folder_path).mkdir()
    sneaky = Path(media.folder_path) / ".." / "Elsewhere" / "trailer.mkv"
    for path in (outside, sneaky):
        record = recorded(media, path)
        response = client.delete(f"{DOWNLOADS}/{record.id}")
        assert response.status_code == 409
        assert "outside the media folder" in response.json()["detail"]
        assert outside.exists()
        unchanged = client.get(f"{DOWNLOADS}/{record.id}").json()
        assert unchanged["file_exists"] is True
        assert unchanged["deleted_reason"] is None
    assert [e["event_type"] for e in events(client, media.id)] == ["downloaded", "downloaded"]
    assert status_of(client, media.id) == "downloaded"


def test_purge_removes_the_record_and_keeps_its_events(client: TestClient, tmp_path: Path) -> None:
    media = make_media(tmp_path / "Movie")
    path = trailer_on_disk(media)
    record = recorded(media, path)

    response = client.delete(f"{DOWNLOADS}/{record.id}", params={"purge": "true"})

    assert response.status_code == 204
    assert response.content == b""
    assert not path.exists()
    assert client.get(f"{DOWNLOADS}/{record.id}").status_code == 404
    assert client.delete(f"{DOWNLOADS}/{record.id}").status_code == 404
    history = events(client, media.id)
    assert [e["event_type"] for e in history] == ["deleted", "downloaded"]
    assert all(e["download_id"] is None for e in history)
    assert "purged" in history[0]["message"]
    assert history[0]["reason"] == "deleted_by_user"
    assert status_of(client, media.id) == "missing"


def test_purge_of_a_deleted_record(client: TestClient, tmp_path: Path) -> None:
    media = make_media(tmp_path / "Movie")
    record = recorded(media, trailer_on_disk(media))
    assert client.delete(f"{DOWNLOADS}/{record.id}").status_code == 200
    assert client.delete(f"{DOWNLOADS}/{record.id}?purge=true").status_code == 204
    assert client.get(f"{DOWNLOADS}/{record.id}").status_code == 404
    assert [e["event_type"] for e in events(client, media.id)] == [
        "deleted",
        "deleted",
        "downloaded",
    ]


def test_purge_forgets_a_record_whose_file_is_outside(client: TestClient, tmp_path: Path) -> None:
    media = make_media(tmp_path / "Movie")
    outside = tmp_path / "Elsewhere.mkv"
    outside.write_bytes(b"keep me")
    record = recorded(media, outside)
    assert client.delete(f"{DOWNLOADS}/{record.id}?purge=true").status_code == 204
    assert outside.exists()
    assert "kept" in events(client, media.id)[0]["message"]


def test_delete_bad_ids(client: TestClient) -> None:
    assert client.delete(f"{DOWNLOADS}/424242").status_code == 404
    assert client.delete(f"{DOWNLOADS}/0").status_code == 422
    assert client.delete(f"{DOWNLOADS}/1?purge=perhaps").status_code == 422


# Redownload: the real pipeline against a local source.


@pytest.fixture
def downloaded(client: TestClient, video_server: VideoServer, tmp_path: Path) -> dict[str, Any]:
    """A media with one trailer downloaded through the API from the local server."""
    make_video(video_server.root / "clip.mp4")
    profile = make_profile(name="Local", min_duration=0, max_duration=60)
    folder = tmp_path / "Big Buck Bunny (2008)"
    folder.mkdir()
    media = make_media(folder, title="Big Buck Bunny", year=2008)
    response = client.post(
        f"/api/v1/media/{media.id}/download",
        json={"profile_id": profile.id, "url": video_server.url("clip.mp4")},
    )
    assert response.status_code == 202, response.text
    assert wait_download_finished(client, media.id)["status"] == "downloaded"
    [record] = client.get(f"/api/v1/media/{media.id}/downloads").json()
    return {"media": media, "profile": profile, "record": record}


def _redownload(client: TestClient, download_id: int, **body: Any) -> dict[str, Any]:
    response = client.post(f"{DOWNLOADS}/{download_id}/redownload", json=body)
    assert response.status_code == 202, response.text
    return response.json()


@pytest.mark.slow
def test_redownload_keeps_the_old_trailer_by_default(
    client: TestClient, downloaded: dict[str, Any]
) -> None:
    media, old = downloaded["media"], downloaded["record"]
    accepted = _redownload(client, old["id"])
    assert accepted["media_id"] == media.id
    assert accepted["profile_id"] == downloaded["profile"].id
    assert wait_download_finished(client, media.id)["status"] == "downloaded"

    records = client.get(f"/api/v1/media/{media.id}/downloads").json()
    assert [r["id"] for r in records][1:] == [old["id"]]
    new = records[0]
    assert new["source_url"] == old["source_url"]
    assert new["profile_id"] == old["profile_id"]
    assert new["path"] != old["path"]
    assert Path(new["path"]).exists() and Path(old["path"]).exists()
    assert records[1]["file_exists"] is True


@pytest.mark.slow
def test_redownload_with_replace_retires_the_old_record(
    client: TestClient, downloaded: dict[str, Any]
) -> None:
    media, old = downloaded["media"], downloaded["record"]
    _redownload(client, old["id"], replace=True)
    assert wait_download_finished(client, media.id)["status"] == "downloaded"

    new, previous = client.get(f"/api/v1/media/{media.id}/downloads").json()
    assert previous["id"] == old["id"]
    assert previous["file_exists"] is False
    assert previous["deleted_reason"] == "replaced"
    assert previous["deleted_at"] is not None
    assert not Path(old["path"]).exists()
    assert new["file_exists"] is True
    assert Path(new["path"]).exists()
    assert new["source_url"] == old["source_url"]
    history = events(client, media.id)
    assert [(e["event_type"], e["reason"]) for e in history[:2]] == [
        ("deleted", "replaced"),
        ("downloaded", None),
    ]
    assert history[0]["download_id"] == old["id"]
    assert history[1]["download_id"] == new["id"]


@pytest.mark.slow
def test_redownload_with_another_profile(client: TestClient, downloaded: dict[str, Any]) -> None:
    other = make_profile(name="Small mp4", file_format="mp4", min_duration=0, max_duration=60)
    accepted = _redownload(client, downloaded["record"]["id"], profile_id=other.id)
    assert accepted["profile_id"] == other.id
    wait_download_finished(client, downloaded["media"].id)
    newest = client.get(f"/api/v1/media/{downloaded['media'].id}/downloads").json()[0]
    assert newest["profile_id"] == other.id
    assert newest["file_name"].endswith(".mp4")


@pytest.mark.slow
def test_redownload_falls_back_to_the_default_profile(
    client: TestClient, downloaded: dict[str, Any]
) -> None:
    record = downloaded["record"]
    default = client.get("/api/v1/trailerprofiles").json()
    [default_profile] = [p for p in default if p["name"] == "Default"]
    client.patch(f"/api/v1/trailerprofiles/{default_profile['id']}", json={"min_duration": 0})
    assert client.delete(f"/api/v1/trailerprofiles/{downloaded['profile'].id}").status_code == 204
    accepted = _redownload(client, record["id"])
    assert accepted["profile_id"] == default_profile["id"]
    wait_download_finished(client, downloaded["media"].id)
    unknown = make_download(downloaded["media"].id, profile_id=0, source_url=record["source_url"])
    assert _redownload(client, unknown.id)["profile_id"] == default_profile["id"]
    wait_download_finished(client, downloaded["media"].id)


@pytest.mark.slow
def test_redownload_conflicts_while_a_download_runs(
    client: TestClient, downloaded: dict[str, Any], video_server: VideoServer
) -> None:
    media, record = downloaded["media"], downloaded["record"]
    video_server.slow("clip.mp4", bytes_per_second=20_000)
    _redownload(client, record["id"], replace=True)
    assert status_of(client, media.id) == "downloading"
    second = client.post(f"{DOWNLOADS}/{record['id']}/redownload", json={})
    assert second.status_code == 409
    assert "queued already" in second.json()["detail"]
    same_profile = {"profile_id": record["profile_id"]}
    manual = client.post(f"/api/v1/media/{media.id}/download", json=same_profile)
    assert manual.status_code == 409
    assert wait_download_finished(client, media.id)["status"] == "downloaded"
    assert len(client.get(f"/api/v1/media/{media.id}/downloads").json()) == 2


def test_redownload_bad_requests(client: TestClient, tmp_path: Path) -> None:
    media = make_media(tmp_path / "Movie")
    no_source = make_download(media.id, youtube_id="local-file", source_url=None)
    response = client.post(f"{DOWNLOADS}/{no_source.id}/redownload", json={})
    assert response.status_code == 422
    assert "no source" in response.json()["detail"]
    assert client.post(f"{DOWNLOADS}/424242/redownload", json={}).status_code == 404
    remote = make_download(media.id, source_url="https://example.com/trailer.mp4")
    unknown_profile = client.post(f"{DOWNLOADS}/{remote.id}/redownload", json={"profile_id": 4242})
    assert unknown_profile.status_code == 404
    assert "4242" in unknown_profile.json()["detail"]
    refused = make_download(media.id, source_url="file:///etc/passwd")
    response = client.post(f"{DOWNLOADS}/{refused.id}/redownload", json={})
    assert response.status_code == 400
    assert "file://" in response.json()["detail"]
    bad_body = client.post(f"{DOWNLOADS}/{refused.id}/redownload", json={"replace": "perhaps"})
    assert bad_body.status_code == 422
    assert status_of(client, media.id) == "missing"


def test_redownload_source_choice(tmp_path: Path) -> None:
    """The recorded source URL first, else an 11-character YouTube id, else nothing."""
    media = make_media(tmp_path / "Movie")
    base = DownloadManager().read(make_download(media.id, youtube_id="dQw4w9WgXcQ").id)
    assert _redownload_source(base) == "dQw4w9WgXcQ"
    with_url = base.model_copy(update={"source_url": "https://example.com/t.mp4"})
    assert _redownload_source(with_url) == "https://example.com/t.mp4"
    for local_id in ("clip", "dQw4w9WgXcQx", ""):
        with pytest.raises(InvalidInputError):
            _redownload_source(base.model_copy(update={"youtube_id": local_id}))


@pytest.mark.slow
def test_a_failed_replacement_keeps_the_old_trailer(
    client: TestClient, downloaded: dict[str, Any], video_server: VideoServer
) -> None:
    media, old = downloaded["media"], downloaded["record"]
    video_server.fail("clip.mp4", 404)
    _redownload(client, old["id"], replace=True)
    assert wait_download_finished(client, media.id)["status"] == "downloaded"
    [still] = client.get(f"/api/v1/media/{media.id}/downloads").json()
    assert still == old
    assert Path(old["path"]).exists()
    assert events(client, media.id)[0]["event_type"] == "download_failed"
