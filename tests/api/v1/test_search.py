"""GET /media/{media_id}/search: YouTube's results for a media, judged by a profile.

YouTube is faked by `FakeSearch` (tests/utils/youtube_search.py), in yt-dlp's shapes; the
app, its database and yt-dlp's set-up are real.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from yt_dlp.utils import DownloadError

from core.base.database.manager.event import EventManager
from core.base.database.models.event import EventCreate, EventType
from core.download.trailer_search import MAX_SEARCH_RESULTS
from tests.utils.api import assert_4xx
from tests.utils.factories import make_media, make_profile
from tests.utils.youtube_search import FakeSearch, search_entry

RESULTS = [
    search_entry("hhhhhhhhhh1", "Arrival - Official Trailer"),
    search_entry("hhhhhhhhhh2", "Arrival trailer REACTION", 900.0),
    search_entry("hhhhhhhhhh3", "Arrival Final Trailer", None),
    search_entry("hhhhhhhhhh4", "Arrival trailer #shorts", 40.0, shorts=True),
    search_entry("hhhhhhhhhh5", "Arrival Trailer 2", 140.0),
]


def search(client: TestClient, media_id: int, **params: object) -> dict[str, object]:
    response = client.get(f"/api/v1/media/{media_id}/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_search_lists_every_video_with_the_default_profiles_verdict(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSearch(RESULTS).install(monkeypatch)
    media = make_media(title="Arrival", year=2016)
    chosen = make_profile(priority=100, exclude_words="reaction", max_duration=300)
    make_profile(priority=200, enabled=False)

    body = search(client, media.id)

    assert [url for url, _ in fake.calls] == ["ytsearch20:Arrival 2016 movie trailer"]
    assert body["media_id"] == media.id
    assert body["profile_id"] == chosen.id
    assert body["query"] == "Arrival 2016 movie trailer"
    candidates = body["candidates"]
    assert isinstance(candidates, list)
    assert [(c["video_id"], c["passes"]) for c in candidates] == [
        ("hhhhhhhhhh1", True),
        ("hhhhhhhhhh5", True),
        ("hhhhhhhhhh3", True),  # unknown duration: after the others that pass
        ("hhhhhhhhhh2", False),
        ("hhhhhhhhhh4", False),
    ]
    assert candidates[0] == {
        "video_id": "hhhhhhhhhh1",
        "url": "https://www.youtube.com/watch?v=hhhhhhhhhh1",
        "title": "Arrival - Official Trailer",
        "channel": "Movieclips Trailers",
        "duration": 150.0,
        "resolution": None,
        "thumbnail": "https://i.ytimg.com/vi/hhhhhhhhhh1/hqdefault.jpg",
        "passes": True,
        "reasons": [],
    }
    assert candidates[3]["reasons"] == [
        "title has the excluded word 'reaction'",
        "longer than the profile's maximum of 300 s",
    ]
    assert candidates[4]["reasons"] == ["a Short"]


def test_search_with_a_chosen_profile_and_limit_marks_sources_that_failed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSearch(RESULTS).install(monkeypatch)
    media = make_media(title="Arrival", year=2016, imdb_id="tt2543164")
    profile = make_profile(search_query="{imdb_id} {title} trailer", include_words="official")
    failed = EventCreate(
        media_id=media.id,
        event_type=EventType.DOWNLOAD_FAILED,
        video_id="hhhhhhhhhh1",
        source_failed=True,
        message="Download from https://www.youtube.com/watch?v=hhhhhhhhhh1 failed: removed",
    )
    EventManager().create(failed)

    body = search(client, media.id, profile_id=profile.id, limit=2)

    assert [url for url, _ in fake.calls] == ["ytsearch2:tt2543164 Arrival trailer"]
    assert body["profile_id"] == profile.id
    candidates = body["candidates"]
    assert isinstance(candidates, list)
    assert [(c["video_id"], c["passes"], c["reasons"]) for c in candidates] == [
        ("hhhhhhhhhh1", False, ["failed before"]),
        (
            "hhhhhhhhhh2",
            False,
            ["title lacks the word 'official'", "longer than the profile's maximum of 600 s"],
        ),
    ]


def test_unknown_media_or_profile_is_404_without_searching(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSearch(RESULTS).install(monkeypatch)
    media = make_media()

    assert_4xx(client.get("/api/v1/media/999999/search"), 404)
    assert_4xx(client.get(f"/api/v1/media/{media.id}/search?profile_id=999999"), 404)
    assert fake.calls == []


@pytest.mark.parametrize("limit", [0, MAX_SEARCH_RESULTS + 1])
def test_a_limit_out_of_range_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    fake = FakeSearch(RESULTS).install(monkeypatch)
    media = make_media()

    assert_4xx(client.get(f"/api/v1/media/{media.id}/search", params={"limit": limit}), 422)
    assert fake.calls == []


def test_a_query_left_blank_by_missing_ids_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSearch(RESULTS).install(monkeypatch)
    media = make_media(imdb_id=None)
    profile = make_profile(search_query="{imdb_id}")

    response = client.get(f"/api/v1/media/{media.id}/search", params={"profile_id": profile.id})

    assert "blank" in assert_4xx(response, 422)
    assert fake.calls == []


def test_a_failed_search_is_a_502_with_the_readable_reason(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = DownloadError(
        "ERROR: [youtube:search] Arrival: Unable to download API page: HTTP Error 429: Too Many "
        "Requests (caused by <HTTPError 429: Too Many Requests>)"
    )
    FakeSearch([], error=error).install(monkeypatch)
    media = make_media(title="Arrival")

    response = client.get(f"/api/v1/media/{media.id}/search")

    assert response.status_code == 502, response.text
    detail = response.json()["detail"]
    assert detail.startswith("YouTube's search failed: YouTube is limiting requests")
    assert "caused by" not in detail
