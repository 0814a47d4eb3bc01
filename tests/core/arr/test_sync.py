"""The sync of a Radarr/Sonarr connection into media, against the stand-in."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.arr.client import ArrError
from core.arr.sync import sync_all_connections, sync_connection
from core.base.database.manager.connection import ConnectionManager
from core.base.database.manager.root import RootManager
from core.base.database.models.connection import (
    ConnectionCreate,
    ConnectionRead,
    PathMappingCreate,
)
from tests.utils.arr_standin import ArrStandIn
from tests.utils.db import rows
from tests.utils.factories import make_download, make_media

pytestmark = pytest.mark.slow

MEDIA_COLUMNS = (
    "arr_id, title, year, is_movie, folder_path, imdb_id, tmdb_id, tvdb_id,"
    " youtube_trailer_id, media_exists, poster_url, monitor, status"
)


def connect(standin: ArrStandIn, monitor: str = "sync", **fields: Any) -> ConnectionRead:
    root = standin.roots[0]
    body: dict[str, Any] = {
        "name": f"{standin.app} stand-in",
        "arr_type": standin.app,
        "url": standin.url,
        "api_key": standin.api_key,
        "monitor": monitor,
        "path_mappings": [PathMappingCreate(path_from=root, path_to=f"/media{root}")],
    }
    return ConnectionManager().create(ConnectionCreate(**(body | fields)))


def media(db: Path) -> dict[int, tuple[Any, ...]]:
    return {r[0]: r for r in rows(db, f"SELECT {MEDIA_COLUMNS} FROM media ORDER BY arr_id")}


def test_first_sync_adds_every_movie_with_its_fields(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", root="/movies", items=3)
    connection = connect(radarr)

    summary = sync_connection(connection.id)

    assert (summary.added, summary.updated, summary.removed, summary.skipped) == (3, 0, 0, 0)
    assert summary.roots == ["/media/movies"]
    assert [r.path for r in RootManager().read_all() if r.connection_id == connection.id] == [
        "/media/movies"
    ]
    found = media(db_file)
    assert found[1] == (
        1,
        "Big Buck Bunny",
        2008,
        1,
        "/media/movies/Big Buck Bunny (2008)",
        "tt1000001",
        "10001",
        None,
        "tr000000001",
        1,
        "/MediaCover/1/poster.jpg?lastWrite=638680000000000000",
        1,
        "monitored",
    )
    assert found[2][9] == 0  # Sintel: no movie file


def test_a_second_sync_without_changes_writes_no_media(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", items=3)
    connection = connect(radarr)
    sync_connection(connection.id)
    before = rows(db_file, "SELECT id, updated_at FROM media ORDER BY id")

    summary = sync_connection(connection.id)

    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (0, 0, 0, 3)
    assert rows(db_file, "SELECT id, updated_at FROM media ORDER BY id") == before


def test_changes_update_only_the_changed_media_and_gone_ones_are_removed(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", items=3)
    connection = connect(radarr)
    sync_connection(connection.id)
    gone_id = rows(db_file, "SELECT id FROM media WHERE arr_id = 3")[0][0]
    make_download(gone_id)
    untouched = rows(db_file, "SELECT updated_at FROM media WHERE arr_id = 2")
    radarr.update(1, title="Big Buck Bunny (Director's Cut)", hasFile=False, monitored=False)
    radarr.remove(3)

    summary = sync_connection(connection.id)

    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (0, 1, 1, 1)
    found = media(db_file)
    assert set(found) == {1, 2}
    assert found[1][1] == "Big Buck Bunny (Director's Cut)"
    assert (found[1][9], found[1][11], found[1][12]) == (0, 0, "missing")  # sync mode follows
    assert rows(db_file, "SELECT updated_at FROM media WHERE arr_id = 2") == untouched
    assert rows(db_file, "SELECT count(*) FROM download WHERE media_id = ?", gone_id) == [(0,)]
    events = rows(db_file, "SELECT event_type, media_id, media_title FROM event")
    assert ("media_removed", None, "Tears of Steel (2012)") in events


def test_folders_outside_every_root_or_taken_are_skipped(
    arr_standin: type[ArrStandIn], db_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    radarr = arr_standin("radarr", root="/movies", items=2)
    radarr.add("Elsewhere", 2001, path="/other/Elsewhere (2001)")
    radarr.add("Twin", 2002, path="/movies/Sintel (2010)")  # Sintel's folder again
    connection = connect(radarr)
    caplog.set_level(logging.WARNING)

    summary = sync_connection(connection.id)

    assert (summary.added, summary.skipped) == (2, 2)
    assert any("outside every library root" in p for p in summary.problems)
    assert any("also the folder of another item" in p for p in summary.problems)
    assert "path mapping" in caplog.text
    assert {r[1] for r in media(db_file).values()} == {"Big Buck Bunny", "Sintel"}


def test_a_folder_of_another_connection_is_skipped_one_added_by_hand_is_taken_over(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", root="/movies", items=2)
    connection = connect(radarr)
    by_hand = make_media(folder=Path("/media/movies/Big Buck Bunny (2008)"), title="BBB")
    other = arr_standin("radarr", root="/movies", items=2)
    other_connection = connect(other, name="Other")
    sync_connection(connection.id)

    summary = sync_connection(other_connection.id)

    assert (summary.added, summary.skipped) == (0, 2)
    taken = rows(db_file, "SELECT connection_id, arr_id, title FROM media WHERE id = ?", by_hand.id)
    assert taken == [(connection.id, 1, "Big Buck Bunny")]


def test_bad_items_are_counted_and_the_rest_synced(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", items=2)
    good = radarr.items()
    radarr.set_raw_items([*good, dict(good[0], id=9, title=None), dict(good[0], id=10, year=0)])
    summary = sync_connection(connect(radarr).id)
    assert (summary.added, summary.errors) == (2, 2)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("none", {1: 0, 2: 0}),
        ("missing", {1: 1, 2: 1}),
        ("new", {1: 0, 2: 1}),  # only 2 was added to Radarr after the connection
        ("sync", {1: 1, 2: 0}),  # Radarr's monitored flag
    ],
)
def test_monitor_modes_on_add(
    arr_standin: type[ArrStandIn], db_file: Path, mode: str, expected: dict[int, int]
) -> None:
    radarr = arr_standin("radarr", items=2)
    connection = connect(radarr, monitor=mode)
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    radarr.update(2, added=later, monitored=False)
    sync_connection(connection.id)
    assert {arr_id: row[11] for arr_id, row in media(db_file).items()} == expected
    statuses = {arr_id: row[12] for arr_id, row in media(db_file).items()}
    assert statuses == {k: "monitored" if v else "missing" for k, v in expected.items()}


def test_sonarr_series(arr_standin: type[ArrStandIn], db_file: Path) -> None:
    sonarr = arr_standin("sonarr", root="/tv", items=2)
    summary = sync_connection(connect(sonarr).id)
    assert summary.added == 2
    found = media(db_file)
    assert found[1][3:10] == (
        0,
        "/media/tv/Big Buck Bunny Series (2008)",
        "tt2000001",
        "90001",
        "300001",
        None,
        1,
    )
    assert found[2][9] == 0  # no episode file


def test_an_unreachable_app_changes_nothing(arr_standin: type[ArrStandIn], db_file: Path) -> None:
    radarr = arr_standin("radarr", items=2)
    connection = connect(radarr)
    sync_connection(connection.id)
    radarr.api_key = "changed"
    with pytest.raises(ArrError):
        sync_connection(connection.id)
    assert len(media(db_file)) == 2


def test_sync_all_reports_each_connection(arr_standin: type[ArrStandIn]) -> None:
    radarr = arr_standin("radarr", items=2)
    sonarr = arr_standin("sonarr", root="/tv", items=1)
    connect(radarr)
    broken = connect(sonarr)
    sonarr.app_name = "Radarr"
    result = sync_all_connections()
    assert [s.added for s in result.connections] == [2]
    assert "not Sonarr" in result.failed[broken.name]


def test_the_api_key_is_never_logged(
    arr_standin: type[ArrStandIn], caplog: pytest.LogCaptureFixture
) -> None:
    radarr = arr_standin("radarr", items=2)
    radarr.add("Elsewhere", 2001, path="/other/Elsewhere (2001)")
    caplog.set_level(logging.DEBUG)
    sync_connection(connect(radarr).id)
    radarr.api_key = "rotated-key-9f8e7d6c5b4a"
    with pytest.raises(ArrError):
        sync_connection(1)
    assert caplog.text and radarr.api_key not in caplog.text
    assert "standin-api-key" not in caplog.text
