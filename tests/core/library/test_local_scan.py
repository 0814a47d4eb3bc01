"""Local roots scanned into media: names parsed, media added, updated and removed safely."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.connection import ConnectionManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.root import RootManager
from core.base.database.models.connection import ConnectionCreate
from core.base.database.models.media import MediaRead
from core.base.database.models.root import LibraryRootCreate, LibraryRootRead
from core.history.reconcile import StopRequested
from core.library.local_scan import (
    FolderName,
    parse_folder_name,
    scan_local_roots,
    scan_root,
)
from tests.utils.factories import make_download, make_media

manager = MediaDatabaseManager()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Alien (1979)", FolderName("Alien", 1979)),
        ("Blade Runner 2049 (2017)", FolderName("Blade Runner 2049", 2017)),
        (
            "The Matrix (1999) {imdb-tt0133093}",
            FolderName("The Matrix", 1999, imdb_id="tt0133093"),
        ),
        (
            "The Matrix (1999) [imdbid-tt0133093] [tmdbid-603]",
            FolderName("The Matrix", 1999, imdb_id="tt0133093", tmdb_id="603"),
        ),
        ("Lost {tvdb-73739}", FolderName("Lost", None, tvdb_id="73739")),
        ("Dark (2017) [tvdbid-334824]", FolderName("Dark", 2017, tvdb_id="334824")),
        ("1917 (2019)", FolderName("1917", 2019)),
        ("Lost", FolderName("Lost", None)),
        ("Movie (0999)", FolderName("Movie (0999)", None)),
        ("(2001)", None),
    ],
)
def test_parse_folder_name(name: str, expected: FolderName | None) -> None:
    assert parse_folder_name(name) == expected


def local_root(path: Path, *, is_movie: bool = True, scan: bool = True) -> LibraryRootRead:
    path.mkdir(parents=True, exist_ok=True)
    return RootManager().create(LibraryRootCreate(path=str(path), is_movie=is_movie, scan=scan))


def media_in(root: Path) -> dict[str, MediaRead]:
    return {Path(m.folder_path).name: m for m in manager.read_in_folder(str(root))}


def folder(root: Path, name: str, *files: str) -> Path:
    made = root / name
    made.mkdir(parents=True)
    for file in files:
        (made / file).parent.mkdir(parents=True, exist_ok=True)
        (made / file).write_bytes(b"x")
    return made


def test_a_scan_adds_updates_and_removes(data_dir: Path, tmp_path: Path) -> None:
    movies = tmp_path / "movies"
    root = local_root(movies)
    folder(movies, "Alien (1979) {imdb-tt0078748}", "Alien.mkv")
    folder(movies, "Brazil (1985)", "Trailers/Brazil-trailer.mkv", "brazil-trailer.mp4")
    folder(movies, "Casablanca (1942)", "notes.txt")
    (movies / "readme.txt").write_text("not a media")
    folder(movies, ".hidden (2000)")

    first = scan_root(root)
    assert (first.added, first.updated, first.removed, first.skipped) == (3, 0, 0, 0)
    found = media_in(movies)
    assert set(found) == {"Alien (1979) {imdb-tt0078748}", "Brazil (1985)", "Casablanca (1942)"}
    alien = found["Alien (1979) {imdb-tt0078748}"]
    assert (alien.title, alien.year, alien.imdb_id, alien.is_movie) == (
        "Alien",
        1979,
        "tt0078748",
        True,
    )
    assert alien.media_exists is True
    assert alien.monitor is False and alien.status == "missing"
    assert found["Brazil (1985)"].media_exists is False  # trailers only
    assert found["Casablanca (1942)"].media_exists is False

    # Nothing changed: nothing written.
    again = scan_root(root)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)

    (movies / "Casablanca (1942)" / "Casablanca.mp4").write_bytes(b"x")
    make_download(found["Brazil (1985)"].id, path=str(movies / "Brazil (1985)" / "t.mkv"))
    os.rename(movies / "Brazil (1985)", movies / "Brazil (1985) gone")  # the old folder is gone
    third = scan_root(root)
    assert (third.added, third.updated, third.removed) == (1, 1, 1)
    found = media_in(movies)
    assert "Brazil (1985)" not in found and "Brazil (1985) gone" in found
    assert found["Casablanca (1942)"].media_exists is True
    events = EventManager().read_page(event_type="media_removed").records
    assert [(e.media_id, e.media_title) for e in events] == [(None, "Brazil (1985)")]
    assert (movies / "Brazil (1985) gone" / "Trailers" / "Brazil-trailer.mkv").exists()


def test_series_without_a_year_take_the_folder_year(data_dir: Path, tmp_path: Path) -> None:
    series = tmp_path / "tv"
    root = local_root(series, is_movie=False)
    lost = folder(series, "Lost", "Season 1/Lost S01E01.mkv")
    os.utime(lost, (946684800, 946684800))  # 2000-01-01
    folder(series, "Dark (2017)", "Season 1/Extras/making-of.mkv")

    scan_root(root)
    found = media_in(series)
    assert (found["Lost"].title, found["Lost"].year, found["Lost"].is_movie) == (
        "Lost",
        2000,
        False,
    )
    assert found["Lost"].media_exists is True
    assert found["Dark (2017)"].media_exists is False  # extras are not episodes


def test_a_missing_or_empty_root_removes_nothing(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    movies = tmp_path / "movies"
    root = local_root(movies)
    alien = folder(movies, "Alien (1979)", "a.mkv")
    scan_root(root)
    assert len(media_in(movies)) == 1

    alien.joinpath("a.mkv").unlink()
    alien.rmdir()  # the root is now empty: an unmounted mount point looks like this
    with caplog.at_level(logging.WARNING, logger="trailarr"):
        empty = scan_root(root)
    assert (empty.unavailable_roots, empty.removed) == (1, 0)
    assert any("is the drive mounted" in r.getMessage() for r in caplog.records)

    movies.rmdir()
    missing = scan_root(root)
    assert (missing.unavailable_roots, missing.removed) == (1, 0)
    assert len(media_in(movies)) == 1


def test_bad_names_and_links_out_of_the_root_are_skipped(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    movies = tmp_path / "movies"
    root = local_root(movies)
    folder(movies, "Alien (1979)", "a.mkv")
    outside = folder(tmp_path, "Outside (2000)", "o.mkv")
    os.symlink(outside, movies / "Linked (2000)")
    os.symlink(movies / "Alien (1979)", movies / "Alias (1979)")  # a link inside the root: kept
    bad = os.fsencode(str(movies)) + b"/Bad \xff Name (2001)"
    os.mkdir(bad)
    folder(movies, "Tab\tName (2002)")

    with caplog.at_level(logging.WARNING, logger="trailarr"):
        summary = scan_root(root)
    assert summary.skipped == 3
    assert set(media_in(movies)) == {"Alien (1979)", "Alias (1979)"}
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "leads outside the library root" in logged and "not UTF-8" in logged

    # A skipped folder still exists: the next scan does not take it for gone.
    again = scan_root(root)
    assert again.removed == 0


def test_media_of_a_connection_in_a_local_root_are_left_alone(
    data_dir: Path, tmp_path: Path
) -> None:
    movies = tmp_path / "movies"
    root = local_root(movies)
    folder(movies, "Alien (1979)", "a.mkv")
    connection = ConnectionManager().create(
        ConnectionCreate(name="Radarr", arr_type="radarr", url="http://r.local", api_key="k")
    )
    synced = make_media(movies / "Synced (1999)", connection_id=connection.id, arr_id=7)
    added = make_media(movies / "Added (1998)")
    summary = scan_root(root)
    assert summary.removed == 1  # the media the user added, whose folder is gone
    assert set(media_in(movies)) == {"Alien (1979)", "Synced (1999)"}
    assert manager.read(synced.id).title == synced.title
    assert EventManager().read_page().records[0].media_title == f"{added.title} ({added.year})"


def test_scan_local_roots_scans_only_local_roots_with_scan_on(
    data_dir: Path, tmp_path: Path
) -> None:
    on = tmp_path / "on"
    off = tmp_path / "off"
    local_root(on)
    local_root(off, scan=False)
    folder(on, "A (2001)")
    folder(off, "B (2002)")
    summary = scan_local_roots(threading.Event())
    assert (summary.roots, summary.added) == (1, 1)
    assert set(media_in(on)) == {"A (2001)"} and media_in(off) == {}

    stop = threading.Event()
    stop.set()
    with pytest.raises(StopRequested):
        scan_local_roots(stop)


def test_scan_route_scans_one_root(client: TestClient, tmp_path: Path) -> None:
    movies = tmp_path / "movies"
    folder(movies, "Alien (1979)", "a.mkv")
    root = client.post("/api/v1/roots", json={"path": str(movies)}).json()
    answer = client.post(f"/api/v1/roots/{root['id']}/scan")
    assert answer.status_code == 202, answer.text
    assert answer.json()["added"] == 1
    [media] = client.get("/api/v1/media").json()["records"]
    assert (media["title"], media["year"], media["media_exists"]) == ("Alien", 1979, True)
