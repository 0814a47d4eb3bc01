"""The trailer profile routes: create, read, update, delete and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.utils.api import TOO_BIG, assert_4xx

PROFILES = "/api/v1/trailerprofiles"


def test_default_profile_exists_after_start(client: TestClient) -> None:
    profiles = client.get(PROFILES).json()
    assert [p["name"] for p in profiles] == ["Default"]
    assert profiles[0]["enabled"] is True


def test_profile_create_read_update_delete(client: TestClient) -> None:
    created = client.post(PROFILES, json={"name": "4K", "video_resolution": 2160, "priority": 5})
    assert created.status_code == 201, created.text
    profile = created.json()
    assert profile["file_format"] == "mkv"
    assert client.get(f"{PROFILES}/{profile['id']}").json() == profile

    patched = client.patch(
        f"{PROFILES}/{profile['id']}", json={"file_name": "{title} - {resolution}"}
    )
    assert patched.status_code == 200
    assert patched.json()["file_name"] == "{title} - {resolution}"
    assert patched.json()["video_resolution"] == 2160
    names = [p["name"] for p in client.get(PROFILES).json()]
    assert names == ["4K", "Default"]  # highest priority first

    assert client.delete(f"{PROFILES}/{profile['id']}").status_code == 204
    assert_4xx(client.get(f"{PROFILES}/{profile['id']}"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "P", "file_name": "{title} {bogus}"},
        {"name": "P", "file_name": "{title!r}"},
        {"name": "P", "file_name": "{title"},
        {"name": "P", "file_name": "sub/{title}"},
        {"name": "P", "search_query": "{title} {nope} trailer"},
        {"name": "P", "file_format": "avi"},
        {"name": "P", "video_resolution": "high"},
        {"name": "P", "video_resolution": 99999},
        {"name": "P", "min_duration": 300, "max_duration": 200},
        {"name": "P", "folder_name": ".."},
        {"name": "P", "subtitles_languages": "en,???"},
    ],
)
def test_profile_bad_bodies_are_422(client: TestClient, body: dict[str, Any]) -> None:
    assert_4xx(client.post(PROFILES, json=body), 422)
    assert [p["name"] for p in client.get(PROFILES).json()] == ["Default"]


def test_profile_unknown_placeholder_is_named_in_the_detail(client: TestClient) -> None:
    detail = assert_4xx(client.post(PROFILES, json={"name": "P", "file_name": "{title} {bogus}"}))
    assert "bogus" in str(detail)
    default_id = client.get(PROFILES).json()[0]["id"]
    detail = assert_4xx(
        client.patch(f"{PROFILES}/{default_id}", json={"file_name": "{title} {bogus}"}), 422
    )
    assert "bogus" in str(detail)


@pytest.mark.parametrize(
    "patch",
    [
        {"name": None},
        {"enabled": None},
        {"min_duration": 900},  # not below the stored max_duration (600)
        {"video_format": "divx"},
        {"name": ""},
    ],
)
def test_profile_bad_updates_are_422_and_change_nothing(
    client: TestClient, patch: dict[str, Any]
) -> None:
    default = client.get(PROFILES).json()[0]
    assert_4xx(client.patch(f"{PROFILES}/{default['id']}", json=patch), 422)
    assert client.get(f"{PROFILES}/{default['id']}").json() == default


def test_profile_name_is_unique(client: TestClient) -> None:
    assert_4xx(client.post(PROFILES, json={"name": "Default"}), 409)
    other = client.post(PROFILES, json={"name": "Other"}).json()
    detail = assert_4xx(client.patch(f"{PROFILES}/{other['id']}", json={"name": "Default"}), 409)
    assert "Default" in detail
    assert client.get(f"{PROFILES}/{other['id']}").json()["name"] == "Other"
    renamed = client.patch(f"{PROFILES}/{other['id']}", json={"name": "Other"})
    assert renamed.status_code == 200  # its own name is no conflict


def test_profile_unknown_ids_are_4xx(client: TestClient) -> None:
    for path in (f"{PROFILES}/999999", f"{PROFILES}/{TOO_BIG}"):
        assert_4xx(client.get(path))
        assert_4xx(client.patch(path, json={"priority": 1}))
        assert_4xx(client.delete(path))


@pytest.mark.parametrize(
    "field",
    [
        "name",
        "folder_name",
        "file_name",
        "search_query",
        "subtitles_languages",
        "include_words",
        "exclude_words",
    ],
)
def test_profile_text_with_a_nul_character_is_a_422(client: TestClient, field: str) -> None:
    value = {"file_name": "{title}\x00-trailer", "search_query": "{title}\x00 trailer"}.get(
        field, "ab\x00c"
    )
    before = client.get(PROFILES).json()
    detail = assert_4xx(client.post(PROFILES, json={"name": "New", field: value}), 422)
    assert "NUL" in str(detail)
    default = before[0]
    for method in (client.patch, client.put):
        detail = assert_4xx(method(f"{PROFILES}/{default['id']}", json={field: value}), 422)
        assert "NUL" in str(detail)
    assert client.get(PROFILES).json() == before


@pytest.mark.parametrize(
    ("body", "field", "named"),
    [
        ({"file_format": "webm", "video_format": "h264", "audio_format": "opus"}, "video_format",
         "a webm file cannot hold h264 video: choose vp9, av1"),
        ({"file_format": "webm", "video_format": "vp9", "audio_format": "aac"}, "audio_format",
         "a webm file cannot hold aac audio: choose opus"),
    ],
)  # fmt: skip
def test_a_codec_the_container_cannot_hold_is_refused_at_its_field(
    client: TestClient, body: dict[str, Any], field: str, named: str
) -> None:
    answer = client.post(PROFILES, json={"name": "Web", **body})
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", field]
    assert named in error["msg"]
    assert [p["name"] for p in client.get(PROFILES).json()] == ["Default"]


def test_a_change_that_breaks_the_container_fit_is_refused_at_the_field(
    client: TestClient,
) -> None:
    default = client.get(PROFILES).json()[0]
    assert (default["file_format"], default["video_format"]) == ("mkv", "h264")
    # h264 stays as it was: the change of container is what breaks it, named at the codec.
    answer = client.patch(f"{PROFILES}/{default['id']}", json={"file_format": "webm"})
    assert answer.status_code == 422
    locs = {tuple(e["loc"]) for e in answer.json()["detail"]}
    assert locs == {("body", "video_format"), ("body", "audio_format")}
    assert client.get(f"{PROFILES}/{default['id']}").json() == default
    fitting = {"file_format": "webm", "video_format": "vp9", "audio_format": "opus"}
    assert client.patch(f"{PROFILES}/{default['id']}", json=fitting).status_code == 200
    for container in ("mkv", "mp4"):
        body = {"name": f"Any {container}", "file_format": container}
        assert client.post(PROFILES, json=body | {"video_format": "av1"}).status_code == 201
