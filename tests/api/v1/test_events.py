"""GET /api/v1/events and GET /api/v1/media/{id}/events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import col, select

from core.base.database.engine import read_session
from core.base.database.manager.connection import ConnectionManager
from core.base.database.manager.event import EventManager, EventSource
from core.base.database.manager.history_search import media_title_contains, text_contains
from core.base.database.models.connection import ConnectionCreate
from core.base.database.models.event import Event, EventCreate, EventType
from tests.utils.engines import SQLITE_PLANNER
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
    assert newest["media_year"] == 2009
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


def test_several_types(client: TestClient, log: dict[str, Any]) -> None:
    response = client.get(
        EVENTS, params=[("event_type", "download_failed"), ("event_type", "downloaded")]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert messages(body["records"]) == ["event 4", "event 1", "event 0"]
    assert body["total"] == 3
    repeated = client.get(
        EVENTS,
        params=[("event_type", "restored"), ("event_type", "restored"), ("media_id", log["up"].id)],
    ).json()
    assert messages(repeated["records"]) == ["event 5"]
    assert (
        client.get(EVENTS, params=[("event_type", "renamed"), ("event_type", "deleted")]).json()[
            "total"
        ]
        == 1
    )
    bad = client.get(EVENTS, params=[("event_type", "downloaded"), ("event_type", "exploded")])
    assert bad.status_code == 422


def test_manager_takes_one_type_or_several(data_dir: Any, log: dict[str, Any]) -> None:
    manager = EventManager()
    one = manager.read_page(event_type=EventType.DOWNLOADED)
    assert messages([r.model_dump() for r in one.records]) == ["event 1"]
    several = manager.read_page(event_type={EventType.DOWNLOADED, EventType.DELETED})
    assert messages([r.model_dump() for r in several.records]) == ["event 3", "event 1"]
    assert manager.read_page(event_type=[]).total == 6


@pytest.fixture
def sourced(data_dir: Any) -> dict[str, Any]:
    """One event each for media of a Radarr, a Sonarr and no connection, and a removed media;
    a second Radarr's media, and a media whose connection was deleted (so it is local now)."""
    radarr, radarr_4k, sonarr = (
        ConnectionManager().create(
            ConnectionCreate(name=name, arr_type=kind, url="http://arr.local", api_key="k")
        )
        for name, kind in (("Radarr", "radarr"), ("Radarr 4K", "radarr"), ("Sonarr", "sonarr"))
    )
    gone = ConnectionManager().create(
        ConnectionCreate(name="Old", arr_type="sonarr", url="http://old.local", api_key="k")
    )
    media = {
        "movie": make_media(title="Heat", connection_id=radarr.id),
        "movie_4k": make_media(title="Alien", connection_id=radarr_4k.id),
        "show": make_media(title="Severance", is_movie=False, connection_id=sonarr.id),
        "local": make_media(title="Home Video"),
        "orphan": make_media(title="Lost", is_movie=False, connection_id=gone.id),
    }
    ConnectionManager().delete(gone.id)
    for n, (name, item) in enumerate(media.items()):
        EventManager().create(
            EventCreate(
                media_id=item.id,
                event_type=EventType.DOWNLOADED if n % 2 else EventType.DOWNLOAD_FAILED,
                message=name,
                created_at=T0 + timedelta(hours=n),
            )
        )
    EventManager().record_media_removed("Predator (1987)", "gone from Radarr")
    return media


def test_filter_by_source(client: TestClient, sourced: dict[str, Any]) -> None:
    assert get_page(client)["total"] == 6
    radarr = get_page(client, source="radarr")
    assert messages(radarr["records"]) == ["movie_4k", "movie"]
    assert radarr["total"] == 2
    assert messages(get_page(client, source="sonarr")["records"]) == ["show"]
    local = get_page(client, source="local")
    assert messages(local["records"]) == ["orphan", "local"]
    assert local["total"] == 2
    # The removed media's event has no source: it is in no page of a source.
    assert {
        r["event_type"] for s in EventSource for r in get_page(client, source=s)["records"]
    } == {
        "downloaded",
        "download_failed",
    }


def test_source_with_the_other_filters(client: TestClient, sourced: dict[str, Any]) -> None:
    # movie 0 failed, movie_4k 1 downloaded, show 2 failed, local 3 downloaded, orphan 4 failed
    assert messages(get_page(client, source="radarr", event_type="downloaded")["records"]) == [
        "movie_4k"
    ]
    both = client.get(
        EVENTS,
        params=[
            ("source", "local"),
            ("event_type", "downloaded"),
            ("event_type", "download_failed"),
        ],
    ).json()
    assert messages(both["records"]) == ["orphan", "local"]
    assert messages(get_page(client, source="radarr", q="heat")["records"]) == ["movie"]
    assert get_page(client, source="sonarr", q="heat")["total"] == 0
    assert get_page(client, source="local", media_id=sourced["movie"].id)["total"] == 0
    paged = get_page(client, source="radarr", page=2, page_size=1)
    assert messages(paged["records"]) == ["movie"] and paged["total"] == 2
    assert messages(get_page(client, source="local", since="2026-02-01T04:00:00Z")["records"]) == [
        "orphan"
    ]


def test_source_follows_the_media_connection(client: TestClient, sourced: dict[str, Any]) -> None:
    ConnectionManager().delete(sourced["show"].connection_id)
    assert get_page(client, source="sonarr")["total"] == 0
    assert messages(get_page(client, source="local")["records"]) == ["orphan", "local", "show"]


@pytest.fixture
def failures(data_dir: Any) -> dict[str, Any]:
    """Failed attempts of three media, one hour apart, oldest first; one media removed."""
    alien = make_media(title="Alien", year=1979)
    aliens = make_media(title="Aliens", year=1986)
    sale = make_media(title="Half_Price 50% Off", year=2020)
    specs = [
        (alien, "dQw4w9WgXcQ", True),
        (aliens, "https://vimeo.com/76979871", False),
        (sale, "abcdefghijk", False),
        (alien, "Zx_9-Qw8Er7", False),
    ]
    made = [
        EventManager().create(
            EventCreate(
                media_id=media.id,
                event_type=EventType.DOWNLOAD_FAILED,
                video_id=video_id,
                source_failed=source_failed,
                message=f"Download from {video_id} failed: attempt {n}",
                created_at=T0 + timedelta(hours=n),
            )
        )
        for n, (media, video_id, source_failed) in enumerate(specs)
    ]
    EventManager().record_media_removed("Predator (1987)", "gone from Radarr")
    return {"alien": alien, "aliens": aliens, "sale": sale, "events": made}


def search(client: TestClient, q: str, **params: Any) -> list[str]:
    """The messages of the events that `q` finds, newest first."""
    return messages(get_page(client, q=q, page_size=500, **params)["records"])


def test_search_by_title_ignores_case(client: TestClient, failures: dict[str, Any]) -> None:
    # Three characters or more go through the trigram index; shorter text is a LIKE.
    assert search(client, "ALIEN", event_type="download_failed") == [
        "Download from Zx_9-Qw8Er7 failed: attempt 3",
        "Download from https://vimeo.com/76979871 failed: attempt 1",
        "Download from dQw4w9WgXcQ failed: attempt 0",
    ]
    assert search(client, "aliens") == [
        "Download from https://vimeo.com/76979871 failed: attempt 1"
    ]
    assert len(search(client, "al")) == 4  # Alien twice, Aliens, Half_Price
    assert search(client, "ns") == ["Download from https://vimeo.com/76979871 failed: attempt 1"]


def test_search_by_video_id_or_url(client: TestClient, failures: dict[str, Any]) -> None:
    assert search(client, "dqw4w9") == ["Download from dQw4w9WgXcQ failed: attempt 0"]
    assert search(client, "vimeo.com/7697") == [
        "Download from https://vimeo.com/76979871 failed: attempt 1"
    ]
    assert search(client, "9-q") == ["Download from Zx_9-Qw8Er7 failed: attempt 3"]


def test_search_takes_every_character_literally(
    client: TestClient, failures: dict[str, Any]
) -> None:
    sale = "Download from abcdefghijk failed: attempt 2"
    assert search(client, "50%") == [sale]
    assert search(client, "f_p") == [sale]
    assert search(client, "_") == ["Download from Zx_9-Qw8Er7 failed: attempt 3", sale]
    assert search(client, "%") == [sale]
    assert search(client, '"') == []
    assert search(client, "Alien OR Aliens") == []


def test_search_finds_a_removed_media_by_its_kept_title(
    client: TestClient, failures: dict[str, Any]
) -> None:
    found = get_page(client, q="predator")["records"]
    assert [r["event_type"] for r in found] == ["media_removed"]
    assert found[0]["media_title"] == "Predator (1987)"
    assert found[0]["media_id"] is None and found[0]["media_year"] is None
    assert get_page(client, q="predator", event_type="download_failed")["total"] == 0


def test_search_with_the_other_filters_and_paging(
    client: TestClient, failures: dict[str, Any]
) -> None:
    alien = failures["alien"]
    first = get_page(client, q="alien", event_type="download_failed", page_size=2)
    assert first["total"] == 3
    assert [r["video_id"] for r in first["records"]] == [
        "Zx_9-Qw8Er7",
        "https://vimeo.com/76979871",
    ]
    assert [r["media_year"] for r in first["records"]] == [1979, 1986]
    last = get_page(client, q="alien", event_type="download_failed", page_size=2, page=2)
    assert [r["source_failed"] for r in last["records"]] == [True]
    assert search(client, "alien", media_id=alien.id, since="2026-02-01T01:00:00Z") == [
        "Download from Zx_9-Qw8Er7 failed: attempt 3"
    ]


@pytest.mark.parametrize("q", ["", "   "])
def test_blank_search_filters_nothing(client: TestClient, failures: dict[str, Any], q: str) -> None:
    assert get_page(client, q=q)["total"] == 5


@SQLITE_PLANNER
@pytest.mark.parametrize("q", ["alien", "dQw"])
def test_title_search_uses_the_trigram_index(data_dir: Any, q: str) -> None:
    condition = media_title_contains(col(Event.media_id), q) | text_contains(col(Event.video_id), q)
    with read_session() as session:
        compiled = (
            select(Event.id)
            .where(condition)
            .compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        )
        plan = " | ".join(
            row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        )
    assert "SCAN media_title_search VIRTUAL TABLE INDEX" in plan
    assert "SCAN media " not in f"{plan} "


@pytest.mark.parametrize(
    "params",
    [
        {"event_type": "exploded"},
        {"event_type": ""},
        {"source": "plex"},
        {"source": ""},
        {"page": 0},
        {"page_size": 501},
        {"page_size": 0},
        {"media_id": 0},
        {"since": "last week"},
        {"q": "x" * 201},
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
    assert {r["media_year"] for r in records} == {2009}
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
