"""Reconciliation: records follow their files (present, missing, back, renamed, changed)."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.models.download import DeletedReason, DownloadRead
from core.base.database.models.event import EventRead, EventType
from core.base.database.models.media import MonitorStatus
from core.download.service import record_trailer_sync
from core.history import reconcile
from core.history.fingerprint import file_fingerprint
from core.history.reconcile import ReconcileSummary, StopRequested, reconcile_library
from tests.utils.factories import make_download, make_media
from tests.utils.mediafiles import make_video
from tests.utils.probe import assert_record_matches_file

manager = MediaDatabaseManager()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def content(seed: str, size: int = 300_000) -> bytes:
    """`size` bytes that differ for every seed (in the blocks a fingerprint reads too)."""
    return (seed.encode() * (size // len(seed) + 1))[:size]


def record_file(media_id: int, path: Path, **overrides: Any) -> DownloadRead:
    """A truthful record of a plain file (no probe): its size, mtime and fingerprint."""
    stat = path.stat()
    data: dict[str, Any] = {
        "path": str(path),
        "file_name": path.name,
        "size": stat.st_size,
        "updated_at": datetime.fromtimestamp(stat.st_mtime, tz=UTC),
        "fingerprint": file_fingerprint(path),
    }
    data.update(overrides)
    return make_download(media_id, **data)


def movie_folder(tmp_path: Path, name: str = "Movie (2020)") -> Path:
    """A media folder that holds a movie file, as a mounted library does."""
    folder = tmp_path / name
    write(folder / "movie.mkv", b"the movie itself")
    return folder


def the_record(media_id: int) -> DownloadRead:
    [record] = manager.read_downloads(media_id)
    return record


def events(media_id: int, event_type: EventType | None = None) -> list[EventRead]:
    found = EventManager().read_for_media(media_id)
    return [e for e in found if event_type is None or e.event_type == event_type]


def counts(summary: ReconcileSummary) -> dict[str, Any]:
    return summary.model_dump(exclude={"duration_seconds", "checked", "present"})


NOTHING = {
    "restored": 0,
    "missing": 0,
    "renamed": 0,
    "changed": 0,
    "fingerprinted": 0,
    "skipped_media": 0,
    "errors": 0,
}


def test_a_present_file_keeps_its_record_as_it_is(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    before = record_file(media.id, write(folder / "Trailers" / "t.mkv", content("a")))

    summary = reconcile_library()

    assert (summary.checked, summary.present) == (1, 1)
    assert counts(summary) == NOTHING
    assert the_record(media.id) == before
    assert events(media.id) == []


def test_a_file_that_goes_comes_back_and_goes_again(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = write(folder / "Trailers" / "t.mkv", content("a"))
    record_file(media.id, trailer)
    manager.refresh_status(media.id)
    assert manager.read(media.id).status == MonitorStatus.DOWNLOADED
    kept = trailer.read_bytes()
    mtime_ns = trailer.stat().st_mtime_ns

    trailer.unlink()
    summary = reconcile_library()

    assert summary.missing == 1 and summary.present == 0
    record = the_record(media.id)
    assert record.file_exists is False
    assert record.deleted_reason == DeletedReason.MISSING
    assert record.deleted_at is not None and record.deleted_at.tzinfo is not None
    [deleted] = events(media.id, EventType.DELETED)
    assert deleted.reason == "missing" and deleted.download_id == record.id
    assert str(trailer) in deleted.message
    assert manager.read(media.id).status == MonitorStatus.MISSING

    again = reconcile_library()  # still missing: no new event
    assert again.missing == 0
    assert len(events(media.id, EventType.DELETED)) == 1

    write(trailer, kept)
    os.utime(trailer, ns=(mtime_ns, mtime_ns))
    summary = reconcile_library()

    assert summary.restored == 1 and summary.changed == 0
    record = the_record(media.id)
    assert record.file_exists is True
    assert record.deleted_reason is None and record.deleted_at is None
    [restored] = events(media.id, EventType.RESTORED)
    assert restored.download_id == record.id
    assert manager.read(media.id).status == MonitorStatus.DOWNLOADED

    trailer.unlink()
    assert reconcile_library().missing == 1
    assert len(events(media.id, EventType.DELETED)) == 2
    assert the_record(media.id).file_exists is False
    assert manager.read(media.id).status == MonitorStatus.MISSING


@pytest.mark.parametrize(
    "new_place", ["Trailers/Renamed trailer.mkv", "Trailers/extras/deep/t.mkv", "t-trailer.mkv"]
)
def test_a_renamed_file_is_found_by_fingerprint(tmp_path: Path, new_place: str) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    old = write(folder / "Trailers" / "t.mkv", content("a"))
    record_file(media.id, old)
    manager.refresh_status(media.id)
    new = folder / new_place
    new.parent.mkdir(parents=True, exist_ok=True)
    old.rename(new)

    summary = reconcile_library()

    assert summary.renamed == 1 and summary.missing == 0
    record = the_record(media.id)
    assert record.path == str(new)
    assert record.file_name == new.name
    assert record.file_exists is True
    [renamed] = events(media.id, EventType.RENAMED)
    assert renamed.message == f"{old} → {new}"
    assert events(media.id, EventType.DELETED) == []
    assert manager.read(media.id).status == MonitorStatus.DOWNLOADED
    assert reconcile_library().renamed == 0  # settled: nothing more to do


def test_a_different_file_of_the_same_size_is_not_the_renamed_one(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    old = write(folder / "Trailers" / "t.mkv", content("a"))
    record_file(media.id, old)
    old.unlink()
    other = write(folder / "Trailers" / "other.mkv", content("b"))
    assert other.stat().st_size == len(content("a"))

    summary = reconcile_library()

    assert summary.renamed == 0 and summary.missing == 1
    record = the_record(media.id)
    assert record.path == str(old) and record.file_exists is False
    assert events(media.id, EventType.RENAMED) == []


def test_a_file_held_by_another_record_is_not_taken(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    first = write(folder / "Trailers" / "a.mkv", content("a"))
    copy = write(folder / "Trailers" / "copy.mkv", content("a"))
    gone = record_file(media.id, first)
    held = record_file(media.id, copy)
    first.unlink()

    summary = reconcile_library()

    assert summary.missing == 1 and summary.renamed == 0
    by_id = {r.id: r for r in manager.read_downloads(media.id)}
    assert by_id[gone.id].path == str(first) and by_id[gone.id].file_exists is False
    assert by_id[held.id] == held


@pytest.mark.parametrize("partial_name", ["t.mkv.part", "t.mkv.ytdl", "._t.mkv", "t.PART"])
def test_partial_files_are_not_rename_targets(tmp_path: Path, partial_name: str) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    old = write(folder / "Trailers" / "t.mkv", content("a"))
    record_file(media.id, old)
    old.rename(folder / "Trailers" / partial_name)

    summary = reconcile_library()

    assert summary.renamed == 0 and summary.missing == 1
    assert the_record(media.id).path == str(old)


@pytest.mark.parametrize("how", ["missing root", "empty root"])
def test_failsafe_leaves_an_unavailable_folder_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    folder = tmp_path / "Unmounted Movie"
    media = make_media(folder)
    trailer = write(folder / "Unmounted Movie-trailer.mkv", content("a"))
    before = record_file(media.id, trailer)
    manager.refresh_status(media.id)
    if how == "missing root":
        shutil.rmtree(folder)
    else:
        trailer.unlink()
        assert list(folder.iterdir()) == []
    # Another media, whose folder is there, is reconciled as usual.
    other_folder = movie_folder(tmp_path, "Other")
    other = make_media(other_folder)
    other_trailer = write(other_folder / "Trailers" / "t.mkv", content("b"))
    record_file(other.id, other_trailer)
    other_trailer.unlink()

    with caplog.at_level(logging.WARNING, logger="trailarr"):
        summary = reconcile_library()

    assert summary.skipped_media == 1
    assert the_record(media.id) == before
    assert events(media.id) == []
    assert manager.read(media.id).status == MonitorStatus.DOWNLOADED
    assert summary.missing == 1 and the_record(other.id).file_exists is False
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.name.startswith("trailarr")
    assert str(folder) in warning.message and "mounted" in warning.message


def test_fingerprint_is_filled_in_for_older_records(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = write(folder / "Trailers" / "t.mkv", content("a"))
    before = record_file(media.id, trailer, fingerprint=None)

    summary = reconcile_library()

    assert summary.fingerprinted == 1 and summary.changed == 0
    after = the_record(media.id)
    assert after.fingerprint == file_fingerprint(trailer)
    assert after.model_dump(exclude={"fingerprint"}) == before.model_dump(exclude={"fingerprint"})
    assert events(media.id) == []
    assert reconcile_library().fingerprinted == 0


def test_a_record_without_fingerprint_whose_file_is_gone_goes_missing(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = write(folder / "Trailers" / "t.mkv", content("a"))
    record_file(media.id, trailer, fingerprint=None)
    trailer.rename(folder / "Trailers" / "renamed.mkv")  # cannot be recognised

    assert reconcile_library().missing == 1
    assert the_record(media.id).file_exists is False


@pytest.mark.slow
def test_a_file_changed_in_place_is_measured_again(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = make_video(folder / "Trailers" / "t.mkv", width=320, height=240)
    before = record_trailer_sync(media.id, 3, str(trailer), "dQw4w9WgXcQ")
    assert before is not None and before.resolution == "320x240"
    make_video(trailer, width=640, height=360, channels=1, subtitles=["eng"])

    summary = reconcile_library()

    assert summary.changed == 1 and summary.present == 1
    after = the_record(media.id)
    assert_record_matches_file(after.model_dump(mode="json"), trailer)
    assert after.resolution == "640x360"
    assert after.audio_channels == "1" and after.subtitles == "eng"
    assert after.fingerprint == file_fingerprint(trailer) != before.fingerprint
    assert (after.id, after.profile_id, after.youtube_id, after.added_at) == (
        before.id,
        3,
        "dQw4w9WgXcQ",
        before.added_at,
    )
    assert reconcile_library().changed == 0


@pytest.mark.slow
@pytest.mark.parametrize("same_size", [False, True], ids=["other size", "same size"])
def test_an_unreadable_changed_file_keeps_its_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, same_size: bool
) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = write(folder / "Trailers" / "t.mkv", content("a"))
    before = record_file(media.id, trailer)
    write(trailer, content("b") if same_size else b"garbage, not a video" * 100)
    # Rewritten a second later: with the same size, only the mtime tells.
    mtime_ns = int(before.updated_at.timestamp() * 1e9) + 1_000_000_000
    os.utime(trailer, ns=(mtime_ns, mtime_ns))

    with caplog.at_level(logging.WARNING, logger="trailarr"):
        summary = reconcile_library()

    assert summary.changed == 0 and summary.errors == 1
    assert the_record(media.id) == before
    assert "cannot be analysed" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("reason", [DeletedReason.DELETED_BY_USER, DeletedReason.REPLACED])
def test_records_deleted_on_purpose_stay_deleted_until_the_file_is_back(
    tmp_path: Path, reason: DeletedReason
) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = write(folder / "Trailers" / "t.mkv", content("a"))
    gone_at = datetime(2026, 2, 1, tzinfo=UTC)
    before = record_file(
        media.id, trailer, file_exists=False, deleted_reason=reason, deleted_at=gone_at
    )
    kept = trailer.read_bytes()
    trailer.unlink()
    # Its content turns up under another name: that is not this record's file coming back.
    write(folder / "Trailers" / "elsewhere.mkv", kept)

    summary = reconcile_library()

    assert counts(summary) == NOTHING
    assert the_record(media.id) == before
    assert events(media.id) == []

    write(trailer, kept)
    assert reconcile_library().restored == 1
    record = the_record(media.id)
    assert record.file_exists is True and record.deleted_reason is None
    assert [e.event_type for e in events(media.id)] == [EventType.RESTORED]


def test_a_missing_record_found_under_a_new_name_is_restored(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    old = write(folder / "Trailers" / "t.mkv", content("a"))
    record_file(media.id, old)
    kept = old.read_bytes()
    old.unlink()
    assert reconcile_library().missing == 1

    new = write(folder / "Trailers" / "back again.mkv", kept)
    summary = reconcile_library()

    assert summary.restored == 1 and summary.renamed == 1
    record = the_record(media.id)
    assert record.path == str(new) and record.file_exists is True
    assert record.deleted_reason is None and record.deleted_at is None
    kinds = [e.event_type for e in events(media.id)]
    assert kinds.count(EventType.RESTORED) == 1 and kinds.count(EventType.RENAMED) == 1


def test_a_record_deleted_meanwhile_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = write(folder / "Trailers" / "t.mkv", content("a"))
    record_file(media.id, trailer)
    trailer.unlink()
    real_load = reconcile._load

    def load_then_delete(flagged: Any) -> Any:
        loaded = real_load(flagged)
        manager.delete(media.id)  # the user deletes the media while the run goes on
        return loaded

    monkeypatch.setattr(reconcile, "_load", load_then_delete)
    summary = reconcile_library()

    assert summary.missing == 0
    assert summary.checked == 1


def test_a_stale_record_is_not_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = write(folder / "Trailers" / "t.mkv", content("a"))
    record = record_file(media.id, trailer)
    trailer.unlink()
    real_load = reconcile._load

    def load_then_mark(flagged: Any) -> Any:
        loaded = real_load(flagged)
        # Meanwhile, the user deletes the trailer through the app.
        from core.base.database.engine import write_session
        from core.base.database.models.download import Download

        with write_session() as session:
            row = session.get(Download, record.id)
            assert row is not None
            row.file_exists = False
            row.deleted_reason = DeletedReason.DELETED_BY_USER
            session.add(row)
        return loaded

    monkeypatch.setattr(reconcile, "_load", load_then_mark)
    summary = reconcile_library()

    assert summary.missing == 0
    assert the_record(media.id).deleted_reason == DeletedReason.DELETED_BY_USER
    assert events(media.id) == []


def test_stop_ends_the_run() -> None:
    stop = threading.Event()
    stop.set()
    media = make_media()
    make_download(media.id)
    with pytest.raises(StopRequested):
        reconcile_library(stop=stop)


def test_many_records_in_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several media and write batches: each record ends up right."""
    monkeypatch.setattr(reconcile, "WRITE_BATCH", 3)
    kept: list[DownloadRead] = []
    gone: list[DownloadRead] = []
    for n in range(4):
        folder = movie_folder(tmp_path, f"Movie {n}")
        media = make_media(folder)
        for k in range(3):
            path = write(folder / "Trailers" / f"{k}.mkv", content(f"{n}-{k}", 1000))
            record = record_file(media.id, path, fingerprint=None)
            if k == 0:
                path.unlink()
                gone.append(record)
            else:
                kept.append(record)

    summary = reconcile_library()

    assert (summary.checked, summary.present) == (12, 8)
    assert (summary.missing, summary.fingerprinted) == (4, 8)
    after = {r.id: r for m in {r.media_id for r in kept} for r in manager.read_downloads(m)}
    assert all(after[r.id].file_exists is False for r in gone)
    for record in kept:
        assert after[record.id].file_exists is True
        assert after[record.id].fingerprint == file_fingerprint(record.path)


def test_a_file_that_cannot_be_checked_is_not_taken_as_missing(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    # stat fails with "File name too long": an error, not a sign that the file is gone.
    before = make_download(media.id, path=str(folder / ("x" * 300 + ".mkv")))

    summary = reconcile_library()

    assert summary.errors == 1 and summary.missing == 0 and summary.present == 0
    assert the_record(media.id) == before
