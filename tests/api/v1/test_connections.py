"""The connection routes: connections with their path mappings, and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.utils.api import TOO_BIG, assert_4xx, media_body
from tests.utils.arr_standin import ArrStandIn
from tests.utils.db import rows

MEDIA = "/api/v1/media"
CONNECTIONS = "/api/v1/connections"


def connection_body(standin: ArrStandIn | None = None, **overrides: Any) -> dict[str, Any]:
    """A connection body; with `standin`, its address and key (saving tests the connection)."""
    body: dict[str, Any] = {
        "name": "Radarr",
        "arr_type": "radarr",
        "url": f"{standin.url}/" if standin else "http://radarr.invalid:7878/",
        "api_key": standin.api_key if standin else "radarr-key",
        "path_mappings": [
            {"path_from": "/movies", "path_to": "/media/movies"},
            {"path_from": "/tv", "path_to": "/media/tv"},
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def radarr(arr_standin: type[ArrStandIn]) -> ArrStandIn:
    return arr_standin("radarr")


@pytest.fixture
def sonarr(arr_standin: type[ArrStandIn]) -> ArrStandIn:
    return arr_standin("sonarr", root="/tv")


@pytest.mark.slow
def test_connection_with_path_mappings_lifecycle(
    client: TestClient, db_file: Path, radarr: ArrStandIn
) -> None:
    created = client.post(CONNECTIONS, json=connection_body(radarr))
    assert created.status_code == 201, created.text
    connection = created.json()
    assert connection["url"] == radarr.url
    assert [(m["path_from"], m["path_to"]) for m in connection["path_mappings"]] == [
        ("/movies", "/media/movies"),
        ("/tv", "/media/tv"),
    ]
    cid = connection["id"]
    assert client.get(f"{CONNECTIONS}/{cid}").json() == connection
    assert [c["id"] for c in client.get(CONNECTIONS).json()] == [cid]

    renamed = client.patch(f"{CONNECTIONS}/{cid}", json={"name": "Radarr 4K"}).json()
    assert renamed["name"] == "Radarr 4K"
    assert renamed["path_mappings"] == connection["path_mappings"]

    replaced = client.put(
        f"{CONNECTIONS}/{cid}",
        json={"path_mappings": [{"path_from": "/films", "path_to": "/media/films"}]},
    ).json()
    assert [(m["path_from"], m["path_to"]) for m in replaced["path_mappings"]] == [
        ("/films", "/media/films")
    ]
    assert rows(db_file, "SELECT path_from FROM pathmapping WHERE connection_id = ?", cid) == [
        ("/films",)
    ]

    cleared = client.patch(f"{CONNECTIONS}/{cid}", json={"path_mappings": []}).json()
    assert cleared["path_mappings"] == []
    assert rows(db_file, "SELECT count(*) FROM pathmapping") == [(0,)]


@pytest.mark.slow
@pytest.mark.usefixtures("media_root")  # the folder of media_body lies in it
def test_connection_delete_cascades_mappings_and_unlinks_media(
    client: TestClient, db_file: Path, radarr: ArrStandIn, sonarr: ArrStandIn
) -> None:
    cid = client.post(CONNECTIONS, json=connection_body(radarr)).json()["id"]
    kept = client.post(
        CONNECTIONS, json=connection_body(sonarr, name="Sonarr", arr_type="sonarr")
    ).json()
    media = client.post(MEDIA, json=media_body(connection_id=cid)).json()
    assert media["connection_id"] == cid

    assert client.delete(f"{CONNECTIONS}/{cid}").status_code == 204

    assert rows(db_file, "SELECT count(*) FROM pathmapping WHERE connection_id = ?", cid) == [(0,)]
    assert rows(
        db_file, "SELECT count(*) FROM pathmapping WHERE connection_id = ?", kept["id"]
    ) == [(2,)]
    assert client.get(f"{MEDIA}/{media['id']}").json()["connection_id"] is None
    assert_4xx(client.get(f"{CONNECTIONS}/{cid}"), 404)


@pytest.mark.parametrize(
    "body",
    [
        connection_body(url="ftp://radarr.local"),
        connection_body(url="radarr.local"),
        connection_body(arr_type="lidarr"),
        connection_body(api_key=""),
        connection_body(monitor="sometimes"),
        connection_body(path_mappings=[{"path_from": "/movies"}]),
        connection_body(path_mappings=[{"path_from": "", "path_to": "/x"}]),
        connection_body(path_mappings="not a list"),
        {"name": "No URL", "arr_type": "radarr", "api_key": "k"},
    ],
)
def test_connection_bad_bodies_are_422(
    client: TestClient, db_file: Path, body: dict[str, Any]
) -> None:
    assert_4xx(client.post(CONNECTIONS, json=body), 422)
    assert rows(db_file, "SELECT count(*) FROM connection") == [(0,)]


@pytest.mark.parametrize(
    "patch",
    [
        {"url": "not a url"},
        {"name": None},
        {"arr_type": None},
        {"path_mappings": [{"path_to": "/x"}]},
    ],
)
@pytest.mark.slow
def test_connection_bad_updates_are_422_and_change_nothing(
    client: TestClient, patch: dict[str, Any], radarr: ArrStandIn
) -> None:
    connection = client.post(CONNECTIONS, json=connection_body(radarr)).json()
    assert_4xx(client.patch(f"{CONNECTIONS}/{connection['id']}", json=patch), 422)
    assert client.get(f"{CONNECTIONS}/{connection['id']}").json() == connection


def test_connection_unknown_ids_are_4xx(client: TestClient) -> None:
    for path in (f"{CONNECTIONS}/999999", f"{CONNECTIONS}/{TOO_BIG}"):
        assert_4xx(client.get(path))
        assert_4xx(client.patch(path, json={"name": "x"}))
        assert_4xx(client.delete(path))


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Rad\x00arr"},
        {"api_key": "key\x00"},
        {"path_mappings": [{"path_from": "/mov\x00ies", "path_to": "/media/movies"}]},
        {"path_mappings": [{"path_from": "/movies", "path_to": "/media/\x00movies"}]},
    ],
)
@pytest.mark.slow
def test_connection_text_with_a_nul_character_is_a_422(
    client: TestClient, db_file: Path, body: dict[str, Any], radarr: ArrStandIn
) -> None:
    detail = assert_4xx(client.post(CONNECTIONS, json=connection_body(radarr, **body)), 422)
    assert "NUL" in str(detail)
    assert rows(db_file, "SELECT count(*) FROM connection") == [(0,)]
    connection = client.post(CONNECTIONS, json=connection_body(radarr)).json()
    detail = assert_4xx(client.patch(f"{CONNECTIONS}/{connection['id']}", json=body), 422)
    assert "NUL" in str(detail)
    assert client.get(f"{CONNECTIONS}/{connection['id']}").json() == connection
