"""The library root routes: list, add, remove, and the rules a root must follow."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.base.database.manager.connection import ConnectionManager
from core.base.database.manager.root import RootManager
from core.base.database.models.connection import ConnectionCreate
from tests.utils.api import assert_4xx
from tests.utils.db import rows
from tests.utils.factories import make_media

ROOTS = "/api/v1/roots"


def make_connection_roots(paths: list[str]) -> int:
    connection = ConnectionManager().create(
        ConnectionCreate(name="Radarr", arr_type="radarr", url="http://r.local", api_key="k")
    )
    RootManager().replace_connection_roots(connection.id, paths)
    return connection.id


def test_add_list_and_delete_a_local_root(client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "series").mkdir()
    created = client.post(ROOTS, json={"path": f"{tmp_path}/series/", "is_movie": False})
    assert created.status_code == 201, created.text
    root = created.json()
    assert root["path"] == str(tmp_path / "series")  # normalised
    assert (root["kind"], root["is_movie"], root["scan"]) == ("local", False, True)
    assert root["connection_id"] is None and root["connection_name"] is None

    assert client.get(ROOTS).json() == [root]
    assert client.delete(f"{ROOTS}/{root['id']}").status_code == 204
    assert client.get(ROOTS).json() == []
    assert_4xx(client.delete(f"{ROOTS}/{root['id']}"), 404)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("relative/folder", "absolute"),
        ("/srv/../etc", ".."),
        ("/srv/mo\x00vies", "NUL"),
        ("/does/not/exist/anywhere", "not found"),
    ],
)
def test_a_bad_root_is_a_422(client: TestClient, db_file: Path, path: str, words: str) -> None:
    detail = assert_4xx(client.post(ROOTS, json={"path": path}), 422)
    assert words in str(detail)
    assert rows(db_file, "SELECT count(*) FROM libraryroot") == [(0,)]


def test_a_file_is_not_a_root(client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert "not found" in assert_4xx(client.post(ROOTS, json={"path": str(tmp_path / "file")}), 422)


def test_roots_may_not_nest_or_repeat(client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "lib" / "inner").mkdir(parents=True)
    assert client.post(ROOTS, json={"path": str(tmp_path / "lib")}).status_code == 201
    assert "nested" in assert_4xx(
        client.post(ROOTS, json={"path": str(tmp_path / "lib" / "inner")}), 422
    )
    assert "nested" in assert_4xx(client.post(ROOTS, json={"path": str(tmp_path)}), 422)
    assert_4xx(client.post(ROOTS, json={"path": str(tmp_path / "lib")}), 409)


def test_a_connection_root_is_listed_and_cannot_be_deleted(
    client: TestClient, tmp_path: Path
) -> None:
    cid = make_connection_roots(["/data/movies"])
    [root] = client.get(ROOTS).json()
    assert (root["path"], root["kind"], root["connection_id"]) == (
        "/data/movies",
        "connection",
        cid,
    )
    assert root["connection_name"] == "Radarr"
    assert "connection" in assert_4xx(client.delete(f"{ROOTS}/{root['id']}"), 409)
    assert "connection" in assert_4xx(client.post(f"{ROOTS}/{root['id']}/scan"), 409)
    assert len(client.get(ROOTS).json()) == 1


def test_deleting_a_root_with_media_needs_force_and_keeps_the_media(
    client: TestClient, tmp_path: Path, db_file: Path
) -> None:
    library = tmp_path / "lib"
    library.mkdir()
    root = client.post(ROOTS, json={"path": str(library)}).json()
    make_media(library / "Alien (1979)")
    make_media(library / "Brazil (1985)")
    make_media(tmp_path / "libx" / "Elsewhere")  # beside it, not inside it

    detail = assert_4xx(client.delete(f"{ROOTS}/{root['id']}"), 409)
    assert "2 media" in detail
    assert client.delete(f"{ROOTS}/{root['id']}", params={"force": "true"}).status_code == 204
    assert rows(db_file, "SELECT count(*) FROM media") == [(3,)]


def test_replace_connection_roots_follows_the_paths(data_dir: Path) -> None:
    manager = RootManager()
    cid = make_connection_roots(["/data/movies", "/data/4k"])
    kept = manager.replace_connection_roots(cid, ["/data/movies", "/data/new", "/data/new"])
    assert [r.path for r in kept] == ["/data/movies", "/data/new"]
    assert {r.path for r in manager.read_all()} == {"/data/movies", "/data/new"}
    found = manager.containing_root("/data/new/Film (2001)")
    assert found is not None and found.kind == "connection"
    assert manager.containing_root("/data/newer/Film") is None
    assert manager.replace_connection_roots(cid, []) == []
    assert manager.read_all() == []
