"""Backfill: trailers already in the media folders get a record, once."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.models.download import UNKNOWN_PROFILE_ID, DownloadRead
from core.base.database.models.event import EventType
from core.base.database.models.media import MonitorStatus
from core.download.service import record_trailer_sync
from core.history import backfill
from core.history.backfill import BackfillSummary, backfill_library, find_trailer_files
from core.history.fingerprint import file_fingerprint
from tests.utils.factories import make_download, make_media, make_profile
from tests.utils.mediafiles import make_video
from tests.utils.probe import assert_record_matches_file

manager = MediaDatabaseManager()
RICK = "dQw4w9WgXcQ"
RICK_URL = f"https://www.youtube.com/watch?v={RICK}"


def by_path(media_id: int) -> dict[str, DownloadRead]:
    return {r.path: r for r in manager.read_downloads(media_id)}


def movie_folder(tmp_path: Path, name: str = "Movie (2020)") -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True)
    (folder / "Movie (2020).nfo").write_text("<movie/>", encoding="utf-8")
    return folder


@pytest.mark.slow
def test_trailers_are_found_and_recorded(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    tagged = make_video(folder / "Trailers" / "Official.mkv", tags={"comment": RICK_URL})
    beside = make_video(folder / "Movie (2020)-trailer.mp4", width=320, height=180)
    dotted = make_video(folder / "Movie (2020).Trailer.webm", vcodec="vp9", acodec="opus")
    # Not trailers: the movie itself, files that are not videos, unfinished downloads.
    make_video(folder / "Movie (2020).mkv")
    (folder / "Trailers" / "notes.txt").write_text("hello", encoding="utf-8")
    (folder / "poster.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    shutil.copyfile(tagged, folder / "Trailers" / "next.mkv.part")
    shutil.copyfile(tagged, folder / "Trailers" / "._Official.mkv")

    summary = backfill_library()

    assert summary.media_scanned == 1 and summary.skipped_media == 0
    assert (summary.found, summary.recorded, summary.already_known) == (3, 3, 0)
    assert summary.unreadable == 0
    records = by_path(media.id)
    assert set(records) == {str(tagged), str(beside), str(dotted)}
    for path, record in records.items():
        assert_record_matches_file(record.model_dump(mode="json"), Path(path))
        assert record.profile_id == UNKNOWN_PROFILE_ID
        assert record.fingerprint == file_fingerprint(path)
    assert records[str(tagged)].youtube_id == RICK
    assert records[str(tagged)].source_url == RICK_URL
    assert records[str(beside)].youtube_id == ""
    assert records[str(beside)].source_url is None
    discovered = [
        e for e in EventManager().read_for_media(media.id) if e.event_type == EventType.DISCOVERED
    ]
    assert sorted(e.download_id for e in discovered) == sorted(r.id for r in records.values())
    assert {e.video_id for e in discovered} == {RICK, None}
    assert manager.read(media.id).status == MonitorStatus.DOWNLOADED


def count_probes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    probed: list[str] = []
    real = backfill.get_media_info

    def probe(path: str) -> Any:
        probed.append(path)
        return real(path)

    monkeypatch.setattr(backfill, "get_media_info", probe)
    return probed


@pytest.mark.slow
def test_a_second_backfill_records_nothing_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    make_video(folder / "Trailers" / "a.mkv")
    make_video(folder / "x-trailer.mkv", width=160, height=120)
    assert backfill_library().recorded == 2
    probed = count_probes(monkeypatch)

    again = backfill_library()

    assert (again.found, again.recorded, again.already_known) == (2, 0, 2)
    assert probed == []  # known by path: not even analysed
    assert len(manager.read_downloads(media.id)) == 2
    assert len(EventManager().read_for_media(media.id)) == 2


@pytest.mark.slow
def test_a_trailer_recorded_meanwhile_is_not_recorded_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = make_video(folder / "Trailers" / "a.mkv")
    real = backfill._describe

    def describe_while_a_download_records_it(
        path: str, media_id: int, fp: str, summary: BackfillSummary
    ) -> Any:
        described = real(path, media_id, fp, summary)
        assert record_trailer_sync(media_id, 1, path, RICK) is not None
        return described

    monkeypatch.setattr(backfill, "_describe", describe_while_a_download_records_it)
    summary = backfill_library()

    assert (summary.recorded, summary.already_known) == (0, 1)
    [record] = manager.read_downloads(media.id)
    assert record.path == str(trailer) and record.profile_id == 1


@pytest.mark.slow
def test_a_downloaded_trailer_is_not_recorded_again(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = make_video(folder / "Trailers" / "Movie (2020)-trailer.mkv")
    downloaded = record_trailer_sync(media.id, 1, str(trailer), RICK)
    assert downloaded is not None

    summary = backfill_library()

    assert (summary.found, summary.recorded, summary.already_known) == (1, 0, 1)
    assert list(by_path(media.id).values()) == [downloaded]


@pytest.mark.slow
def test_a_file_with_an_older_record_is_known_by_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = make_video(folder / "Trailers" / "t.mkv")
    older = make_download(media.id, path=str(trailer), fingerprint=None)  # before fingerprints
    probed = count_probes(monkeypatch)

    summary = backfill_library()

    assert (summary.recorded, summary.already_known) == (0, 1)
    assert probed == []
    assert manager.read_downloads(media.id) == [older]


@pytest.mark.slow
def test_a_renamed_recorded_trailer_is_not_recorded_as_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = make_video(folder / "Trailers" / "first name.mkv")
    downloaded = record_trailer_sync(media.id, 1, str(trailer), RICK)
    assert downloaded is not None
    trailer.rename(folder / "Trailers" / "second name.mkv")
    probed = count_probes(monkeypatch)

    summary = backfill_library()

    assert (summary.recorded, summary.already_known) == (0, 1)
    assert probed == []  # known by fingerprint: not analysed
    assert list(by_path(media.id)) == [str(trailer)]


@pytest.mark.slow
def test_two_copies_of_one_trailer_are_recorded_once(tmp_path: Path) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    trailer = make_video(folder / "Trailers" / "a.mkv")
    shutil.copyfile(trailer, folder / "a-trailer.mkv")

    summary = backfill_library()

    assert (summary.found, summary.recorded, summary.already_known) == (2, 1, 1)
    assert len(manager.read_downloads(media.id)) == 1


@pytest.mark.slow
def test_an_unreadable_file_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    broken = folder / "Trailers" / "broken.mkv"
    broken.parent.mkdir()
    broken.write_bytes(b"this is not a video" * 200)
    good = make_video(folder / "Trailers" / "good.mkv")

    with caplog.at_level(logging.WARNING, logger="trailarr"):
        summary = backfill_library()

    assert (summary.found, summary.recorded, summary.unreadable) == (2, 1, 1)
    assert list(by_path(media.id)) == [str(good)]
    assert "broken.mkv" in caplog.text


@pytest.mark.slow
def test_profile_folders_are_searched(tmp_path: Path) -> None:
    make_profile(name="Extras profile", folder_name="Extras")
    make_profile(name="Old profile", folder_name="Old", enabled=False)
    folder = movie_folder(tmp_path)
    media = make_media(folder)
    extra = make_video(folder / "Extras" / "Teaser.mp4")
    make_video(folder / "Old" / "Ignored.mkv")

    summary = backfill_library()

    assert summary.recorded == 1
    assert list(by_path(media.id)) == [str(extra)]


def test_find_trailer_files_lists_each_file_once(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    (folder / "Trailers").mkdir(parents=True)
    (folder / "Trailers" / "b.MKV").write_bytes(b"x")
    (folder / "Trailers" / "a.m4v").write_bytes(b"x")
    (folder / "Trailers" / "c.avi.ytdl").write_bytes(b"x")
    (folder / "Trailers" / "sub").mkdir()
    (folder / "m-TRAILER.mov").write_bytes(b"x")
    (folder / "m-trailer.srt").write_bytes(b"x")
    (folder / "trailer.mkv").write_bytes(b"x")  # beside the media, without the marker

    found = find_trailer_files(str(folder), ["Trailers", "trailers", "Trailers"])

    assert found == [
        str(folder / "m-TRAILER.mov"),
        str(folder / "Trailers" / "a.m4v"),
        str(folder / "Trailers" / "b.MKV"),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["missing root", "empty root"])
def test_failsafe_skips_an_unavailable_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    folder = tmp_path / "Unmounted"
    media = make_media(folder)
    if how == "empty root":
        folder.mkdir()
    other_folder = movie_folder(tmp_path, "Mounted")
    other = make_media(other_folder)
    make_video(other_folder / "Trailers" / "t.mkv")

    with caplog.at_level(logging.WARNING, logger="trailarr"):
        summary = backfill_library()

    assert (summary.skipped_media, summary.media_scanned, summary.recorded) == (1, 1, 1)
    assert manager.read_downloads(media.id) == []
    assert len(manager.read_downloads(other.id)) == 1
    assert str(folder) in caplog.text and "mounted" in caplog.text
