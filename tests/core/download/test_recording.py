"""The one write path of download records, and the invariants the database keeps.

At most one present record per path (a partial unique index); the record, its event and
the media's status in one transaction; files removed only after the commit.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.base.database.engine import get_engine, write_session
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.download import DownloadManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.history_query import PRESENT
from core.base.database.models.download import DeletedReason, Download
from core.base.database.models.event import EventType
from core.base.database.models.history import HistoryQuery
from core.base.database.models.media import MediaRead, MonitorStatus
from core.download import service
from core.download.service import PathTakenError, delete_download, record_download
from core.exceptions import ConflictError
from core.history.backfill import backfill_library
from core.history.fingerprint import file_fingerprint
from core.history.reconcile import reconcile_library
from tests.utils.api import TEST_API_KEY
from tests.utils.db import execute
from tests.utils.downloads import wait_download_finished
from tests.utils.engines import SQLITE_PLANNER
from tests.utils.factories import download_create, make_download, make_media, make_profile
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video


def media_with_folder(tmp_path: Path, **overrides: Any) -> MediaRead:
    folder = tmp_path / "Movie (2001)"
    (folder / "Trailers").mkdir(parents=True)
    (folder / "movie.mkv").write_bytes(b"the movie itself")
    return make_media(folder, **overrides)


def trailer_file(media: MediaRead, name: str, content: bytes) -> Path:
    path = Path(media.folder_path) / "Trailers" / name
    path.write_bytes(content)
    return path


def create_for(media: MediaRead, path: Path, **overrides: Any) -> Any:
    """The record of a file on disk as it is now (size, mtime, fingerprint)."""
    stat = path.stat()
    return download_create(
        media.id,
        path=str(path),
        file_name=path.name,
        size=stat.st_size,
        updated_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
        fingerprint=file_fingerprint(path),
        **overrides,
    )


def record(media: MediaRead, path: Path, **kwargs: Any) -> service.Recorded:
    with write_session() as session:
        return record_download(session, create_for(media, path), **kwargs)


def present_records(path: Path) -> list[int]:
    return [
        r.id
        for r in DownloadManager().iter_history(HistoryQuery())
        if r.path == str(path) and r.file_exists
    ]


def event_types(media_id: int) -> list[str]:
    return [e.event_type for e in EventManager().read_for_media(media_id)]


def status(media_id: int) -> MonitorStatus:
    return MediaDatabaseManager().read(media_id).status


def refuse_unlink(monkeypatch: pytest.MonkeyPatch, refused: Path) -> None:
    """The file system refuses to remove `refused` (as it would a file of another owner)."""
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self == refused:
            raise PermissionError(13, "Permission denied", str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)


def break_events(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    """Writing an event fails, as a write does on a full disk."""

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(message)

    monkeypatch.setattr(EventManager, "create", broken)


# The invariant, in the database.


def test_the_database_refuses_a_second_present_record_for_one_path(db_file: Path) -> None:
    media = make_media()
    make_download(media.id, path="/m/t.mkv")
    with pytest.raises(IntegrityError):
        make_download(media.id, path="/m/t.mkv")
    # Records whose file is gone may share the path with the present one.
    make_download(media.id, path="/m/t.mkv", file_exists=False, deleted_reason="missing")
    # Written with SQL beside the app: the database itself refuses it (either engine).
    with pytest.raises((sqlite3.IntegrityError, IntegrityError)):
        execute(db_file, "UPDATE download SET file_exists = TRUE WHERE path = '/m/t.mkv'")


# record_download: record, event and status in one transaction.


def test_recording_writes_record_event_and_status_together(tmp_path: Path) -> None:
    media = media_with_folder(tmp_path)
    MediaDatabaseManager().refresh_status(media.id, in_flight=True)
    path = trailer_file(media, "a.mkv", b"trailer a")
    recorded = record(media, path)
    assert recorded.record.file_exists is True
    assert recorded.removals == []
    assert event_types(media.id) == [EventType.DOWNLOADED]
    after = MediaDatabaseManager().read(media.id)
    assert after.status == MonitorStatus.DOWNLOADED
    assert after.downloaded_at is not None


def test_a_failing_event_leaves_no_record_and_the_status_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = media_with_folder(tmp_path)
    MediaDatabaseManager().refresh_status(media.id, in_flight=True)
    path = trailer_file(media, "a.mkv", b"trailer a")
    break_events(monkeypatch, "disk I/O error")
    with pytest.raises(RuntimeError):
        record(media, path)
    monkeypatch.undo()
    assert MediaDatabaseManager().read_downloads(media.id) == []
    assert status(media.id) == MonitorStatus.DOWNLOADING  # nothing said "downloaded"


def test_a_new_file_under_a_present_records_name_retires_that_record(tmp_path: Path) -> None:
    # The record's file vanished outside Trailarr; a new download took the free name.
    media = media_with_folder(tmp_path)
    path = trailer_file(media, "a.mkv", b"first")
    first = record(media, path).record
    path.write_bytes(b"second, a new download under the same name")
    second = record(media, path).record
    assert present_records(path) == [second.id]
    old = DownloadManager().read(first.id)
    assert old.deleted_reason == DeletedReason.MISSING
    assert path.exists()


def test_backfill_path_never_takes_a_present_path(tmp_path: Path) -> None:
    media = media_with_folder(tmp_path)
    path = trailer_file(media, "a.mkv", b"first")
    first = record(media, path).record
    with pytest.raises(PathTakenError):
        record(media, path, take_path=False)
    assert present_records(path) == [first.id]


def test_replacing_retires_the_old_record_and_lists_its_file_for_after_the_commit(
    tmp_path: Path,
) -> None:
    media = media_with_folder(tmp_path)
    old_path = trailer_file(media, "old.mkv", b"old")
    old = record(media, old_path).record
    new_path = trailer_file(media, "new.mkv", b"new")
    recorded = record(media, new_path, replaces=old.id)
    # Nothing was deleted inside the transaction: the caller removes it after the commit.
    assert old_path.exists()
    assert recorded.removals == [(old.id, str(old_path), media.folder_path)]
    assert DownloadManager().read(old.id).deleted_reason == DeletedReason.REPLACED
    service.remove_retired_files(recorded.removals)
    assert not old_path.exists()
    assert status(media.id) == MonitorStatus.DOWNLOADED


def test_replacing_only_a_present_record_of_the_same_media(tmp_path: Path) -> None:
    media = media_with_folder(tmp_path)
    other = make_media(tmp_path / "Other")
    foreign = make_download(other.id, path=str(tmp_path / "Other" / "x.mkv"))
    path = trailer_file(media, "a.mkv", b"a")
    recorded = record(media, path, replaces=foreign.id)
    assert recorded.removals == []
    assert DownloadManager().read(foreign.id).file_exists is True


def test_a_replaced_file_that_cannot_be_removed_puts_its_record_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = media_with_folder(tmp_path)
    old_path = trailer_file(media, "old.mkv", b"old")
    old = record(media, old_path).record
    new = record(media, trailer_file(media, "new.mkv", b"new"), replaces=old.id)
    refuse_unlink(monkeypatch, old_path)
    service.remove_retired_files(new.removals)
    monkeypatch.undo()
    back = DownloadManager().read(old.id)
    assert back.file_exists is True and back.deleted_reason is None
    assert old_path.exists()
    assert event_types(media.id)[0] == EventType.RESTORED


# delete_download: the record first, the file after the commit.


def test_delete_marks_the_record_then_removes_the_file(tmp_path: Path) -> None:
    media = media_with_folder(tmp_path)
    path = trailer_file(media, "a.mkv", b"a")
    rec = record(media, path).record
    deleted = delete_download(rec.id)
    assert deleted is not None and deleted.deleted_reason == DeletedReason.DELETED_BY_USER
    assert not path.exists()
    assert status(media.id) == MonitorStatus.MISSING


def test_delete_whose_commit_fails_leaves_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = media_with_folder(tmp_path)
    path = trailer_file(media, "a.mkv", b"a")
    rec = record(media, path).record
    break_events(monkeypatch, "database or disk is full")
    with pytest.raises(RuntimeError):
        delete_download(rec.id)
    monkeypatch.undo()
    assert path.exists()  # the file went nowhere: the row still says present
    assert DownloadManager().read(rec.id).file_exists is True


def test_delete_that_the_file_system_refuses_keeps_the_trailer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = media_with_folder(tmp_path)
    path = trailer_file(media, "a.mkv", b"a")
    rec = record(media, path).record
    refuse_unlink(monkeypatch, path)
    with pytest.raises(ConflictError, match="Permission denied"):
        delete_download(rec.id)
    monkeypatch.undo()
    assert path.exists()
    assert DownloadManager().read(rec.id).file_exists is True
    assert status(media.id) == MonitorStatus.DOWNLOADED


# Reconcile and backfill keep the invariant.


@pytest.mark.parametrize("same_content", [False, True])
def test_reconcile_never_restores_onto_a_path_another_present_record_holds(
    tmp_path: Path, same_content: bool
) -> None:
    """The issue's race, without the pipeline: delete, a new trailer under the same name,
    reconcile. The deleted record stays deleted, whatever the new file's content."""
    media = media_with_folder(tmp_path)
    path = trailer_file(media, "Movie (2001)-trailer.mkv", b"the first trailer")
    first = record(media, path).record
    delete_download(first.id)
    path.write_bytes(b"the first trailer" if same_content else b"a second, other trailer")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    second = record(media, path).record

    summary = reconcile_library()

    assert summary.restored == 0
    assert present_records(path) == [second.id]
    assert DownloadManager().read(first.id).deleted_reason == DeletedReason.DELETED_BY_USER
    stats = DownloadManager().stats()
    assert stats.downloads_present == 1


def test_reconcile_restores_a_records_own_file(tmp_path: Path) -> None:
    media = media_with_folder(tmp_path)
    path = trailer_file(media, "a.mkv", b"my trailer")
    rec = record(media, path).record
    moved = tmp_path / "away.bin"  # outside the media folder: not found as renamed
    path.rename(moved)
    assert reconcile_library().missing == 1
    moved.rename(path)
    assert reconcile_library().restored == 1
    assert present_records(path) == [rec.id]


def test_reconcile_does_not_take_another_file_under_a_records_name(tmp_path: Path) -> None:
    media = media_with_folder(tmp_path)
    path = trailer_file(media, "a.mkv", b"my trailer")
    rec = record(media, path).record
    path.unlink()
    assert reconcile_library().missing == 1
    path.write_bytes(b"someone else's file, same name")
    assert reconcile_library().restored == 0
    assert DownloadManager().read(rec.id).file_exists is False


def test_backfill_never_records_a_path_already_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = media_with_folder(tmp_path)
    path = trailer_file(media, "a.mkv", b"recorded trailer")
    rec = record(media, path).record
    summary = backfill_library()
    assert summary.recorded == 0
    assert summary.already_known == 1
    assert present_records(path) == [rec.id]


# The scenario end to end: the real pipeline, the API, reconcile.


@pytest.mark.slow
def test_delete_then_download_again_then_reconcile_leaves_one_present_record(
    client: TestClient, video_server: VideoServer, tmp_path: Path
) -> None:
    make_video(video_server.root / "clip.mp4")
    profile = make_profile(name="Local", min_duration=0, max_duration=60)
    media = media_with_folder(tmp_path, title="Movie", year=2001)
    body = {"profile_id": profile.id, "url": video_server.url("clip.mp4")}

    def download() -> dict[str, Any]:
        response = client.post(f"/api/v1/media/{media.id}/download", json=body)
        assert response.status_code == 202, response.text
        assert wait_download_finished(client, media.id)["status"] == "downloaded"
        return client.get(f"/api/v1/media/{media.id}/downloads").json()[0]

    first = download()
    assert client.delete(f"/api/v1/downloads/{first['id']}").status_code == 200
    second = download()
    assert second["path"] == first["path"]  # the new file took the free name

    response = client.post("/api/v1/tasks/reconcile")
    assert response.status_code == 202
    from core.tasks.registry import RECONCILE, task_runner

    state = client.portal.call(task_runner.wait, RECONCILE)
    assert state.last_error is None

    records = client.get(f"/api/v1/media/{media.id}/downloads").json()
    present = [r for r in records if r["file_exists"]]
    assert [r["id"] for r in present] == [second["id"]]
    stats = client.get("/api/v1/downloads/stats").json()
    assert stats["downloads_present"] == 1
    history = client.get("/api/v1/downloads", params={"file_exists": True}).json()
    assert history["total"] == 1


@pytest.mark.slow
def test_a_download_whose_recording_fails_ends_as_a_failed_attempt(
    client: TestClient,
    video_server: VideoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_video(video_server.root / "clip.mp4")
    profile = make_profile(name="Local", min_duration=0, max_duration=60)
    media = media_with_folder(tmp_path, title="Movie", year=2001)

    def read_only(*_args: Any, **_kwargs: Any) -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(service, "record_download", read_only)
    messages: list[dict[str, Any]] = []
    with client.websocket_connect(f"/ws?api_key={TEST_API_KEY}") as ws:
        response = client.post(
            f"/api/v1/media/{media.id}/download",
            json={"profile_id": profile.id, "url": video_server.url("clip.mp4")},
        )
        assert response.status_code == 202
        while not messages or messages[-1]["type"] not in {"Success", "Error"}:
            messages.append(ws.receive_json())
    finished = wait_download_finished(client, media.id)

    assert messages[-1]["type"] == "Error"
    assert "could not be recorded" in messages[-1]["message"]
    assert "readonly database" in messages[-1]["message"]
    assert finished["status"] == "missing"
    assert finished["downloaded_at"] is None
    assert client.get(f"/api/v1/media/{media.id}/downloads").json() == []
    trailers = [p for p in (Path(media.folder_path) / "Trailers").iterdir()]
    assert trailers == []  # the unrecorded file did not stay in the folder Plex reads
    [failed] = [
        e
        for e in client.get(f"/api/v1/media/{media.id}/events").json()
        if e["event_type"] == "download_failed"
    ]
    assert "could not be recorded" in failed["message"]


@SQLITE_PLANNER
@pytest.mark.parametrize(
    ("condition", "index"),
    [
        (col(Download.path) == "/m/t.mkv", "ix_download_path"),
        (col(Download.media_id) == 1, "ix_download_media_id"),
    ],
)
def test_present_lookups_use_the_path_or_media_index(
    data_dir: Path, condition: Any, index: str
) -> None:
    """Not the (file_exists, added_at) index, which walks every present record."""
    query = select(Download.id).where(condition, PRESENT)
    with get_engine().connect() as connection:
        sql = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
        plan = " ".join(row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert f"USING INDEX {index}" in plan, plan
