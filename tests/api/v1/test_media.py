"""The media routes: create, read, update, delete, paging, sorting, search and bad input."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.utils.api import TOO_BIG, assert_4xx, media_body
from tests.utils.db import rows
from tests.utils.factories import make_download, make_media

MEDIA = "/api/v1/media"

# media_body's folder lies in the made-up root that this fixture adds.
pytestmark = pytest.mark.usefixtures("media_root")


def is_utc(value: str) -> bool:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).utcoffset() is not None


def test_media_create_read_update_delete(client: TestClient) -> None:
    created = client.post(MEDIA, json=media_body(imdb_id="tt2543164"))
    assert created.status_code == 201, created.text
    media = created.json()
    assert media["title"] == "Arrival"
    assert media["imdb_id"] == "tt2543164"
    assert media["status"] == "missing"
    assert is_utc(media["added_at"])

    read = client.get(f"{MEDIA}/{media['id']}")
    assert read.json() == media

    patched = client.patch(f"{MEDIA}/{media['id']}", json={"year": 2017, "monitor": True})
    assert patched.status_code == 200
    assert patched.json()["year"] == 2017
    assert patched.json()["monitor"] is True
    assert patched.json()["title"] == "Arrival"

    put = client.put(f"{MEDIA}/{media['id']}", json={"title": "Arrival (Director's Cut)"})
    assert put.status_code == 200
    assert put.json()["title"] == "Arrival (Director's Cut)"

    assert client.delete(f"{MEDIA}/{media['id']}").status_code == 204
    assert_4xx(client.get(f"{MEDIA}/{media['id']}"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"year": 2016, "is_movie": True, "folder_path": "/m"},
        media_body(year="two thousand"),
        media_body(year=1200),
        media_body(title="   "),
        media_body(title=["a", "list"]),
        media_body(folder_path=""),
        media_body(is_movie="perhaps"),
        media_body(youtube_trailer_id="not a youtube id"),
        media_body(connection_id="x"),
    ],
)
def test_media_create_with_a_bad_body_is_a_422(client: TestClient, body: dict[str, Any]) -> None:
    assert_4xx(client.post(MEDIA, json=body), 422)


def test_media_bad_json_and_non_object_bodies_are_4xx(client: TestClient) -> None:
    headers = {"Content-Type": "application/json"}
    assert_4xx(client.post(MEDIA, content=b"{not json", headers=headers), 422)
    assert_4xx(client.post(MEDIA, json=["a", "list"]), 422)
    assert_4xx(client.post(MEDIA, content=b"", headers=headers), 422)


def test_media_unknown_and_out_of_range_ids_are_4xx(client: TestClient) -> None:
    for path in (f"{MEDIA}/999999", f"{MEDIA}/0", f"{MEDIA}/-1", f"{MEDIA}/{TOO_BIG}"):
        assert_4xx(client.get(path))
        assert_4xx(client.patch(path, json={"year": 2000}))
        assert_4xx(client.put(path, json={"year": 2000}))
        assert_4xx(client.delete(path))
        assert_4xx(client.get(f"{path}/downloads"))
    assert_4xx(client.get(f"{MEDIA}/abc"), 422)
    assert_4xx(client.get(f"{MEDIA}/1.5"), 422)


def test_media_numbers_too_big_for_the_database_are_4xx(client: TestClient) -> None:
    assert_4xx(client.post(MEDIA, json=media_body(arr_id=TOO_BIG)))
    assert_4xx(client.post(MEDIA, json=media_body(connection_id=TOO_BIG)))
    media = client.post(MEDIA, json=media_body()).json()
    assert_4xx(client.patch(f"{MEDIA}/{media['id']}", json={"arr_id": TOO_BIG}))
    assert client.get(f"{MEDIA}/{media['id']}").json()["arr_id"] is None


@pytest.mark.parametrize("field", ["title", "year", "is_movie", "folder_path", "monitor"])
def test_media_update_cannot_null_a_required_field(client: TestClient, field: str) -> None:
    media = client.post(MEDIA, json=media_body()).json()
    detail = assert_4xx(client.patch(f"{MEDIA}/{media['id']}", json={field: None}), 422)
    assert field in str(detail)
    assert client.get(f"{MEDIA}/{media['id']}").json()[field] == media[field]


def test_media_update_can_clear_an_optional_field(client: TestClient) -> None:
    media = client.post(MEDIA, json=media_body(imdb_id="tt1")).json()
    patched = client.patch(f"{MEDIA}/{media['id']}", json={"imdb_id": None})
    assert patched.status_code == 200
    assert patched.json()["imdb_id"] is None


def test_media_with_an_unknown_connection_is_a_4xx(client: TestClient, db_file: Path) -> None:
    assert_4xx(client.post(MEDIA, json=media_body(connection_id=4242)))
    assert rows(db_file, "SELECT count(*) FROM media") == [(0,)]


def test_media_paging(client: TestClient) -> None:
    for n in range(7):
        make_media(title=f"Paged {n}")

    first = client.get(MEDIA, params={"page": 1, "page_size": 3}).json()
    assert first["total"] == 7
    assert first["page"] == 1
    assert first["page_size"] == 3
    assert [m["title"] for m in first["records"]] == ["Paged 0", "Paged 1", "Paged 2"]
    last = client.get(MEDIA, params={"page": 3, "page_size": 3}).json()
    assert [m["title"] for m in last["records"]] == ["Paged 6"]
    beyond = client.get(MEDIA, params={"page": 50, "page_size": 3}).json()
    assert beyond["records"] == []
    assert beyond["total"] == 7
    everything = client.get(MEDIA).json()
    assert len(everything["records"]) == 7


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 0},
        {"page_size": 501},
        {"page_size": -3},
        {"page": 0},
        {"page": "first"},
        {"page": TOO_BIG},
        {"page": 10**15},
        {"status": "lost"},
        {"is_movie": "maybe"},
    ],
)
def test_media_paging_limits_are_422(client: TestClient, params: dict[str, Any]) -> None:
    assert_4xx(client.get(MEDIA, params=params), 422)


def test_media_title_search(client: TestClient) -> None:
    for title in ["The Matrix", "MATRIX Reloaded", "100% Wolf", "100 Wolf", "A_B", "AxB", "Up"]:
        make_media(title=title)

    def titles(search: str) -> list[str]:
        page = client.get(MEDIA, params={"search": search}).json()
        assert page["total"] == len(page["records"])
        return sorted(m["title"] for m in page["records"])

    assert titles("matrix") == ["MATRIX Reloaded", "The Matrix"]
    assert titles("MaTrIx rel") == ["MATRIX Reloaded"]
    assert titles("%") == ["100% Wolf"]
    assert titles("100%") == ["100% Wolf"]
    assert titles("_") == ["A_B"]
    assert titles("A_B") == ["A_B"]
    assert titles("\\") == []
    assert titles("wolf") == ["100 Wolf", "100% Wolf"]
    assert titles("nothing like it") == []
    # Each word must be in the title, in any order.
    assert titles("reloaded matrix") == ["MATRIX Reloaded"]
    assert titles("  wolf   100% ") == ["100% Wolf"]
    assert titles("matrix wolf") == []


def test_media_delete_cascades_its_download_records(client: TestClient, db_file: Path) -> None:
    media = make_media()
    other = make_media()
    for _ in range(3):
        make_download(media.id)
    make_download(other.id)
    assert rows(db_file, "SELECT count(*) FROM download WHERE media_id = ?", media.id) == [(3,)]

    listed = client.get(f"{MEDIA}/{media.id}/downloads")
    assert len(listed.json()) == 3

    response = client.delete(f"{MEDIA}/{media.id}")

    assert response.status_code == 204
    assert rows(db_file, "SELECT count(*) FROM download WHERE media_id = ?", media.id) == [(0,)]
    assert rows(db_file, "SELECT count(*) FROM download WHERE media_id = ?", other.id) == [(1,)]
    assert rows(db_file, "SELECT count(*) FROM media WHERE id = ?", media.id) == [(0,)]
    assert_4xx(client.get(f"{MEDIA}/{media.id}/downloads"), 404)


def test_media_delete_keeps_trailer_files_unless_asked(client: TestClient, tmp_path: Path) -> None:
    media = make_media()
    trailer = tmp_path / "trailer.mkv"
    trailer.write_bytes(b"video")
    make_download(media.id, path=str(trailer))

    assert client.delete(f"{MEDIA}/{media.id}").status_code == 204
    assert trailer.exists()


def test_media_delete_with_delete_files_removes_its_trailers(
    client: TestClient, tmp_path: Path
) -> None:
    media = make_media(tmp_path)
    trailer = tmp_path / "trailer.mkv"
    trailer.write_bytes(b"video")
    make_download(media.id, path=str(trailer))
    make_download(media.id, path=str(tmp_path / "already-gone.mkv"))
    bystander = tmp_path / "movie.mkv"
    bystander.write_bytes(b"movie")

    response = client.delete(f"{MEDIA}/{media.id}", params={"delete_files": "true"})

    assert response.status_code == 204
    assert not trailer.exists()
    assert bystander.exists()


@pytest.mark.parametrize(
    ("sort", "order", "key"),
    [
        ("title", "asc", lambda m: m["title"]),
        ("year", "desc", lambda m: -m["year"]),
        ("added_at", "asc", lambda m: m["added_at"]),
    ],
)
def test_media_list_sorts_on_the_server(
    client: TestClient, sort: str, order: str, key: Any
) -> None:
    for title, year in [("Casablanca", 1942), ("Alien", 1979), ("Brazil", 1985)]:
        make_media(title=title, year=year)
    records = client.get(MEDIA, params={"sort": sort, "order": order}).json()["records"]
    assert [r["id"] for r in records] == [r["id"] for r in sorted(records, key=key)]
    assert len(records) == 3
    assert client.get(MEDIA, params={"sort": "bogus"}).status_code == 422


def test_media_status_follows_monitor_and_records(client: TestClient) -> None:
    """The status is derived, never sent: monitored without a trailer, downloaded with one."""
    created = client.post(MEDIA, json=media_body(monitor=True))
    assert created.status_code == 201, created.text
    media = created.json()
    assert media["status"] == "monitored"
    unmonitored = client.patch(f"{MEDIA}/{media['id']}", json={"monitor": False}).json()
    assert unmonitored["status"] == "missing"
    make_download(media["id"], path="/m/t.mkv")
    monitored = client.patch(f"{MEDIA}/{media['id']}", json={"monitor": True}).json()
    assert monitored["status"] == "downloaded"
    ignored = client.patch(f"{MEDIA}/{media['id']}", json={"status": "missing"})
    assert ignored.json()["status"] == "downloaded"


@pytest.mark.parametrize("field", ["title", "folder_path", "imdb_id", "tmdb_id", "tvdb_id"])
def test_media_text_with_a_nul_character_is_a_422(client: TestClient, field: str) -> None:
    value = "/media/movies/Arri\x00val" if field == "folder_path" else "tt\x00123"
    detail = assert_4xx(client.post(MEDIA, json=media_body(**{field: value})), 422)
    assert "NUL" in str(detail)
    assert client.get(MEDIA).json()["total"] == 0

    media = client.post(MEDIA, json=media_body()).json()
    for method in (client.patch, client.put):
        detail = assert_4xx(method(f"{MEDIA}/{media['id']}", json={field: value}), 422)
        assert "NUL" in str(detail)
    assert client.get(f"{MEDIA}/{media['id']}").json() == media
