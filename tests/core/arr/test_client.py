"""The Radarr/Sonarr client against the stand-in: answers, and a clear reason per failure."""

from __future__ import annotations

import pytest

from core.arr import client as arr_client
from core.arr.client import ArrClient, ArrError, ArrErrorKind, check_connection
from core.base.database.models.connection import ArrType
from tests.utils.arr_standin import ArrStandIn
from tests.utils.net import free_port

pytestmark = pytest.mark.slow


def test_a_good_connection_reports_name_and_version(arr_standin: type[ArrStandIn]) -> None:
    radarr = arr_standin("radarr")
    check = check_connection(radarr.url, radarr.api_key, ArrType.RADARR)
    assert check.ok and check.error is None
    assert (check.app_name, check.version) == ("Radarr", "5.14.0.9383")
    sonarr = arr_standin("sonarr")
    assert check_connection(sonarr.url, sonarr.api_key, ArrType.SONARR).app_name == "Sonarr"


def test_unreachable() -> None:
    check = check_connection(f"http://127.0.0.1:{free_port()}", "key", ArrType.RADARR)
    assert not check.ok
    assert "Cannot reach" in (check.error or "")


def test_wrong_key_is_401(arr_standin: type[ArrStandIn]) -> None:
    radarr = arr_standin("radarr")
    check = check_connection(radarr.url, "wrong-key", ArrType.RADARR)
    assert not check.ok
    assert "401" in (check.error or "") and "wrong API key" in (check.error or "")


def test_the_wrong_app(arr_standin: type[ArrStandIn]) -> None:
    sonarr = arr_standin("sonarr")
    check = check_connection(sonarr.url, sonarr.api_key, ArrType.RADARR)
    assert not check.ok
    assert check.error is not None and "This is Sonarr, not Radarr" in check.error
    radarr = arr_standin("radarr")
    radarr.app_name = "Lidarr"
    assert "not Radarr" in (check_connection(radarr.url, radarr.api_key, "radarr").error or "")


def test_not_an_arr_app(video_server: object) -> None:
    from tests.utils.http_server import VideoServer

    assert isinstance(video_server, VideoServer)
    check = check_connection(video_server.url(""), "key", ArrType.RADARR)
    assert not check.ok
    assert "HTTP 404" in (check.error or "")


def test_timeout(arr_standin: type[ArrStandIn], monkeypatch: pytest.MonkeyPatch) -> None:
    radarr = arr_standin("radarr")
    radarr.latency = 5.0
    monkeypatch.setattr(arr_client, "STATUS_TIMEOUT", 0.2)
    check = check_connection(radarr.url, radarr.api_key, ArrType.RADARR)
    assert not check.ok
    assert "in time" in (check.error or "")


def test_lists_root_folders_movies_and_series(arr_standin: type[ArrStandIn]) -> None:
    radarr = arr_standin("radarr", root="/movies", items=3)
    with ArrClient(radarr.url, radarr.api_key) as client:
        assert [r.path for r in client.root_folders()] == ["/movies"]
        movies = client.movies()
    assert [m.title for m in movies.items] == ["Big Buck Bunny", "Sintel", "Tears of Steel"]
    first = movies.items[0]
    assert first.path == "/movies/Big Buck Bunny (2008)"
    assert (first.imdb_id, first.tmdb_id, first.you_tube_trailer_id) == (
        "tt1000001",
        10001,
        "tr000000001",
    )
    assert first.has_file and not movies.items[1].has_file
    assert first.poster_url() == "/MediaCover/1/poster.jpg?lastWrite=638680000000000000"
    sonarr = arr_standin("sonarr", root="/tv", items=2)
    with ArrClient(sonarr.url, sonarr.api_key) as client:
        series = client.series().items
    assert series[0].tvdb_id == 300001
    assert series[0].statistics is not None and series[0].statistics.episode_file_count == 10


def test_one_bad_item_does_not_spoil_the_list(arr_standin: type[ArrStandIn]) -> None:
    radarr = arr_standin("radarr", items=2)
    good = radarr.items()
    bad = dict(good[0], id=7, title=None)
    radarr.set_raw_items([good[1], bad, "not an object"])
    with ArrClient(radarr.url, radarr.api_key) as client:
        movies = client.movies()
    assert [m.id for m in movies.items] == [2]
    assert movies.ids == {2, 7}  # the bad item is listed: it is not "gone"
    assert len(movies.errors) == 2


def test_a_list_that_is_not_json_is_an_error(arr_standin: type[ArrStandIn]) -> None:
    radarr = arr_standin("radarr")
    radarr.set_raw_items([])
    radarr._body = b"<html>login</html>"
    with ArrClient(radarr.url, radarr.api_key) as client, pytest.raises(ArrError) as caught:
        client.movies()
    assert caught.value.kind == ArrErrorKind.WRONG_APP


def test_image_only_from_the_app(arr_standin: type[ArrStandIn]) -> None:
    radarr = arr_standin("radarr", items=1)
    with ArrClient(radarr.url, radarr.api_key) as client:
        assert client.image("/MediaCover/1/poster.jpg").startswith(b"\xff\xd8")
        with pytest.raises(ArrError):
            client.image("https://image.tmdb.org/t/p/original/x.jpg")
