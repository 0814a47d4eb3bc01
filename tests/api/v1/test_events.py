"""GET /api/v1/events and GET /api/v1/media/{id}/events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.base.database.manager.event import EventManager
from core.base.database.models.event import EventCreate, EventType
from tests.utils.factories import make_download, make_media

EVENTS = "/api/v1/events"
T0 = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.fixture
def log(data_dir: Any) -> dict[str, Any]:
    """Six events of two media, one hour apart, oldest first."""
    heat = make_media(title="Heat", year=1995)
    up = make_media(title="Up", year=2009)
    record = make_download(heat.id)
    specs = [
        (heat, EventType.DOWNLOAD_FAILED, None),
        (heat, EventType.DOWNLOADED, record.id),
        (up, EventType.DISCOVERED, None),
        (heat, EventType.DELETED, record.id),
        (up, EventType.DOWNLOAD_FAILED, None),
        (up, EventType.RESTORED, None),
    ]
    made = [
        EventManager().create(
            EventCreate(
                media_id=media.id,
                event_type=kind,
                download_id=download_id,
                message=f"event {n}",
                reason="deleted_by_user" if kind == EventType.DELETED else None,
                created_at=T0 + timedelta(hours=n),
            )
        )
        for n, (media, kind, download_id) in enumerate(specs)
    ]
    return {"heat": heat, "up": up, "events": made, "record": record}


def messages(records: list[dict[str, Any]]) -> list[str]:
    return [r["message"] for r in records]


def get_page(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(EVENTS, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_all_events_newest_first_with_titles(client: TestClient, log: dict[str, Any]) -> None:
    body = get_page(client)
    assert body["page"] == 1 and body["page_size"] == 50 and body["total"] == 6
    assert messages(body["records"]) == [f"event {n}" for n in range(5, -1, -1)]
    newest = body["records"][0]
    assert newest["media_title"] == "Up"
    assert newest["event_type"] == "restored"
    assert newest["media_id"] == log["up"].id
    deleted = body["records"][2]
    assert deleted["media_title"] == "Heat"
    assert deleted["reason"] == "deleted_by_user"
    assert deleted["download_id"] == log["record"].id
    assert set(deleted) >= {"id", "created_at", "video_id", "source_failed", "message"}


def test_paging(client: TestClient, log: dict[str, Any]) -> None:
    pages = [get_page(client, page=n, page_size=4) for n in (1, 2, 3)]
    assert [len(p["records"]) for p in pages] == [4, 2, 0]
    assert {p["total"] for p in pages} == {6}
    assert messages(pages[0]["records"] + pages[1]["records"]) == messages(
        get_page(client)["records"]
    )


def test_filters(client: TestClient, log: dict[str, Any]) -> None:
    heat, up = log["heat"], log["up"]
    assert messages(get_page(client, media_id=heat.id)["records"]) == [
        "event 3",
        "event 1",
        "event 0",
    ]
    failed = get_page(client, event_type="download_failed")
    assert messages(failed["records"]) == ["event 4", "event 0"]
    assert failed["total"] == 2
    both = get_page(client, event_type="download_failed", media_id=up.id)
    assert messages(both["records"]) == ["event 4"]
    # 08:00+05:00 is 03:00 UTC, inclusive.
    since = get_page(client, since="2026-02-01T08:00:00+05:00")
    assert messages(since["records"]) == ["event 5", "event 4", "event 3"]
    assert since["total"] == 3
    assert messages(get_page(client, since="2026-02-01T04:00:00")["records"]) == [
        "event 5",
        "event 4",
    ]
    assert get_page(client, event_type="renamed")["total"] == 0
    assert get_page(client, media_id=999_999) == {
        "page": 1,
        "page_size": 50,
        "total": 0,
        "records": [],
    }


@pytest.mark.parametrize(
    "params",
    [
        {"event_type": "exploded"},
        {"event_type": ""},
        {"page": 0},
        {"page_size": 501},
        {"page_size": 0},
        {"media_id": 0},
        {"since": "last week"},
    ],
)
def test_bad_event_queries_are_422(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get(EVENTS, params=params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_media_events(client: TestClient, log: dict[str, Any]) -> None:
    response = client.get(f"/api/v1/media/{log['up'].id}/events")
    assert response.status_code == 200
    records = response.json()
    assert messages(records) == ["event 5", "event 4", "event 2"]
    assert {r["media_title"] for r in records} == {"Up"}
    assert records[0]["id"] == log["events"][5].id


def test_media_events_of_media_without_events(client: TestClient) -> None:
    media = make_media()
    assert client.get(f"/api/v1/media/{media.id}/events").json() == []


def test_media_events_unknown_media(client: TestClient) -> None:
    missing = client.get("/api/v1/media/424242/events")
    assert missing.status_code == 404
    assert "424242" in missing.json()["detail"]
    assert client.get("/api/v1/media/0/events").status_code == 422


def test_events_need_the_api_key(client: TestClient) -> None:
    assert client.get(EVENTS, headers={"X-API-KEY": "wrong"}).status_code == 401
