"""The sync of ONE movie or series (`sync_item`, `remove_item`), as webhooks use it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.arr import sync
from core.arr.client import ArrError
from core.arr.sync import remove_item, sync_connection, sync_item
from core.exceptions import ConflictError
from tests.core.arr.test_sync import connect, media
from tests.utils.arr_standin import ArrStandIn
from tests.utils.db import rows

pytestmark = pytest.mark.slow


def test_one_item_is_added_and_nothing_else_is_touched(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", root="/movies", items=3)
    connection = connect(radarr)
    sync_connection(connection.id)
    new = radarr.add("Spring", 2019)
    radarr.remove(3)  # gone from the app: only a full sync removes it
    radarr.update(2, title="Sintel (Remastered)")  # changed: only its own sync updates it
    before = rows(db_file, "SELECT id, updated_at FROM media WHERE arr_id IN (1, 2, 3)")

    result = sync_item(connection.id, new["id"])

    assert (result.outcome, result.title, result.monitor) == ("added", "Spring (2019)", True)
    assert set(media(db_file)) == {1, 2, 3, 4}
    assert media(db_file)[4][4] == "/media/movies/Spring (2019)"
    assert rows(db_file, "SELECT id, updated_at FROM media WHERE arr_id IN (1, 2, 3)") == before
    assert result.media_id == rows(db_file, "SELECT id FROM media WHERE arr_id = 4")[0][0]
    assert radarr.requests["/api/v3/movie"] == 1  # the first full sync's only

    updated = sync_item(connection.id, 2)
    assert (updated.outcome, updated.title) == ("updated", "Sintel (Remastered) (2010)")
    assert sync_item(connection.id, 2).outcome == "unchanged"


def test_an_item_gone_from_the_app_is_removed_as_the_full_sync_removes_it(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", root="/movies", items=2)
    connection = connect(radarr)
    sync_connection(connection.id)
    radarr.remove(2)

    result = sync_item(connection.id, 2)

    assert (result.outcome, result.title) == ("removed", "Sintel (2010)")
    assert set(media(db_file)) == {1}
    assert ("media_removed", "Sintel (2010)") in rows(
        db_file, "SELECT event_type, media_title FROM event"
    )
    assert sync_item(connection.id, 2).outcome == "absent"


def test_remove_item_asks_the_app_first(arr_standin: type[ArrStandIn], db_file: Path) -> None:
    radarr = arr_standin("radarr", root="/movies", items=2)
    connection = connect(radarr)
    sync_connection(connection.id)

    kept = remove_item(connection.id, 1)
    assert (kept.outcome, kept.reason) == ("kept", "the app still lists it")
    assert set(media(db_file)) == {1, 2}

    radarr.remove(1)
    assert remove_item(connection.id, 1).outcome == "removed"
    assert set(media(db_file)) == {2}


def test_a_404_from_another_app_removes_nothing(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", root="/movies", items=1)
    connection = connect(radarr)
    sync_connection(connection.id)
    radarr.app_name = "Sonarr"  # the address now answers as another app
    radarr.remove(1)

    with pytest.raises(ArrError, match="not Radarr"):
        remove_item(connection.id, 1)
    assert set(media(db_file)) == {1}


def test_sonarr_series_are_synced_one_at_a_time_too(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    sonarr = arr_standin("sonarr", root="/tv", items=2)
    connection = connect(sonarr)

    result = sync_item(connection.id, 2)

    assert (result.outcome, result.title) == ("added", "Sintel Series (2010)")
    assert media(db_file)[2][3:5] == (0, "/media/tv/Sintel Series (2010)")
    assert sonarr.requests["/api/v3/series/2"] == 1


def test_an_item_sync_waits_for_a_running_sync_of_its_connection(
    arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr", root="/movies", items=1)
    connection = connect(radarr)
    done = threading.Event()
    outcome: list[str] = []

    def webhook() -> None:
        outcome.append(sync_item(connection.id, 1).outcome)
        done.set()

    with sync._claim(connection.id):  # a full sync runs
        with pytest.raises(ConflictError):
            sync_item(connection.id, 1, wait=0)
        worker = threading.Thread(target=webhook)
        worker.start()
        assert not done.wait(0.5)
        assert media(db_file) == {}
    assert done.wait(60)
    worker.join()
    assert outcome == ["added"]
