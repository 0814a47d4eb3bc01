"""Media folders follow the rules (absolute, inside a root, unique); trailer_url; bulk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.library import media_service
from tests.utils.api import assert_4xx, media_body
from tests.utils.db import rows
from tests.utils.factories import make_download, make_media

MEDIA = "/api/v1/media"

pytestmark = pytest.mark.usefixtures("media_root")  # "/media": media_body's folder is in it


@pytest.mark.parametrize(
    ("folder", "words"),
    [
        ("/etc", "outside every library root"),
        ("/etc/cron.d", "Settings → Library roots"),
        ("/media/../etc", ".."),
        ("/media/movies/../../etc", ".."),
        ("media/movies/Arrival", "absolute"),
        ("Arrival (2016)", "absolute"),
        ("/media/movies/Arri\x00val", "NUL"),
        ("/mediax/Arrival", "outside every library root"),
    ],
)
def test_a_bad_media_folder_is_a_422_on_create_and_update(
    client: TestClient, db_file: Path, folder: str, words: str
) -> None:
    detail = assert_4xx(client.post(MEDIA, json=media_body(folder_path=folder)), 422)
    assert words in str(detail)
    assert rows(db_file, "SELECT count(*) FROM media") == [(0,)]

    media = client.post(MEDIA, json=media_body()).json()
    for method in (client.patch, client.put):
        detail = assert_4xx(method(f"{MEDIA}/{media['id']}", json={"folder_path": folder}), 422)
        assert words in str(detail)
    assert client.get(f"{MEDIA}/{media['id']}").json() == media


def test_folders_are_stored_normalised(client: TestClient) -> None:
    created = client.post(MEDIA, json=media_body(folder_path="/media//movies/./Arrival/"))
    assert created.status_code == 201, created.text
    assert created.json()["folder_path"] == "/media/movies/Arrival"
    moved = client.patch(
        f"{MEDIA}/{created.json()['id']}", json={"folder_path": "/media/movies/Arrival 2/"}
    )
    assert moved.json()["folder_path"] == "/media/movies/Arrival 2"


def test_a_folder_of_another_media_is_a_422_naming_it(client: TestClient) -> None:
    first = client.post(MEDIA, json=media_body(title="Arrival")).json()
    detail = assert_4xx(
        client.post(MEDIA, json=media_body(title="Copy", folder_path=first["folder_path"] + "/")),
        422,
    )
    assert "Arrival (2016)" in detail and f"[{first['id']}]" in detail
    second = client.post(MEDIA, json=media_body(folder_path="/media/movies/Other")).json()
    detail = assert_4xx(
        client.patch(f"{MEDIA}/{second['id']}", json={"folder_path": first["folder_path"]}), 422
    )
    assert "Arrival" in detail
    # Its own folder again is no conflict.
    same = client.patch(f"{MEDIA}/{first['id']}", json={"folder_path": first["folder_path"]})
    assert same.status_code == 200


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("https://vimeo.com/76979871", {"trailer_url": "https://vimeo.com/76979871"}),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            {"trailer_url": None, "youtube_trailer_id": "dQw4w9WgXcQ"},
        ),
        ("dQw4w9WgXcQ", {"trailer_url": None, "youtube_trailer_id": "dQw4w9WgXcQ"}),
        (None, {"trailer_url": None}),
    ],
)
def test_trailer_url_is_stored_or_turned_into_a_youtube_id(
    client: TestClient, sent: str | None, stored: dict[str, Any]
) -> None:
    media = client.post(MEDIA, json=media_body(trailer_url="https://example.com/a.mp4")).json()
    assert media["trailer_url"] == "https://example.com/a.mp4"
    patched = client.patch(f"{MEDIA}/{media['id']}", json={"trailer_url": sent})
    assert patched.status_code == 200, patched.text
    for key, value in stored.items():
        assert patched.json()[key] == value


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/a.mp4", "not a url", "https://u:p@example.com/a"],
)
def test_a_refused_trailer_url_is_a_422(client: TestClient, url: str) -> None:
    media = client.post(MEDIA, json=media_body()).json()
    detail = assert_4xx(client.patch(f"{MEDIA}/{media['id']}", json={"trailer_url": url}), 422)
    assert "trailer_url" in detail
    assert_4xx(client.post(MEDIA, json=media_body(trailer_url=url, folder_path="/media/x")), 422)
    assert client.get(f"{MEDIA}/{media['id']}").json()["trailer_url"] is None


def test_poster_url_and_media_exists_are_read_only_for_the_api(client: TestClient) -> None:
    media = client.post(MEDIA, json=media_body(poster_url="http://evil.local/p.jpg")).json()
    assert media["poster_url"] is None and media["media_exists"] is False
    patched = client.patch(
        f"{MEDIA}/{media['id']}", json={"poster_url": "http://x/p.jpg", "media_exists": True}
    ).json()
    assert patched["poster_url"] is None and patched["media_exists"] is False


def test_bulk_monitor_sets_monitor_and_status(client: TestClient) -> None:
    plain = make_media()
    with_trailer = make_media()
    make_download(with_trailer.id, path="/media/t.mkv")
    untouched = make_media()

    answer = client.post(
        f"{MEDIA}/bulk", json={"ids": [plain.id, with_trailer.id, 999999], "monitor": True}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"updated": 2}
    states = {m["id"]: (m["monitor"], m["status"]) for m in client.get(MEDIA).json()["records"]}
    assert states[plain.id] == (True, "monitored")
    assert states[with_trailer.id] == (True, "downloaded")
    assert states[untouched.id] == (False, "missing")

    answer = client.post(f"{MEDIA}/bulk", json={"ids": [plain.id], "monitor": False})
    assert answer.json() == {"updated": 1}
    assert client.get(f"{MEDIA}/{plain.id}").json()["status"] == "missing"


@pytest.mark.parametrize(
    "body",
    [
        {"ids": [], "monitor": True},
        {"ids": list(range(1, 1002)), "monitor": True},
        {"ids": [0], "monitor": True},
        {"ids": [1]},
        {"ids": "1", "monitor": True},
    ],
)
def test_bad_bulk_bodies_are_422(client: TestClient, body: dict[str, Any]) -> None:
    assert_4xx(client.post(f"{MEDIA}/bulk", json=body), 422)


def test_a_removed_media_leaves_an_event_listed_by_the_api(client: TestClient) -> None:
    media = make_media(title="Heat", year=1995)
    make_download(media.id)
    media_service.remove_media(media.id, "gone from Radarr")
    assert_4xx(client.get(f"{MEDIA}/{media.id}"), 404)

    page = client.get("/api/v1/events").json()
    assert page["total"] == 1
    [event] = page["records"]
    assert event["event_type"] == "media_removed"
    assert event["media_id"] is None
    assert event["media_title"] == "Heat (1995)"
    assert "gone from Radarr" in event["message"]
    typed = client.get("/api/v1/events", params={"event_type": "media_removed"}).json()
    assert typed["total"] == 1
