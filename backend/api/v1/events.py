"""Event log routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import DB_INT_MAX, IdPath
from core.base.database.manager.event import EventManager, EventSource
from core.base.database.models.event import EventType
from core.base.database.models.history import SEARCH_MAX, EventHistoryRead
from core.base.database.models.page import MAX_PAGE, MAX_PAGE_SIZE, Page

router = APIRouter(tags=["events"])
manager = EventManager()


@router.get("/events")
def list_events(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    media_id: Annotated[int | None, Query(ge=1, le=DB_INT_MAX)] = None,
    event_type: Annotated[
        list[EventType] | None,
        Query(description="Events of this type; repeat it to keep several types"),
    ] = None,
    source: Annotated[
        EventSource | None,
        Query(
            description="Where the event's media comes from: its Radarr or Sonarr connection, "
            "or none (local); events of removed media match no source"
        ),
    ] = None,
    since: Annotated[
        datetime | None, Query(description="Created at or after this time; naive is UTC")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=SEARCH_MAX,
            description="Part of the media title or the video id, ignoring case; every "
            "character is literal",
        ),
    ] = None,
) -> Page[EventHistoryRead]:
    """Every media's events, newest first, paged and optionally filtered."""
    return manager.read_page(
        page=page,
        page_size=page_size,
        media_id=media_id,
        event_type=event_type,
        source=source,
        since=since,
        q=q,
    )


@router.get("/media/{media_id}/events")
def read_media_events(media_id: IdPath) -> list[EventHistoryRead]:
    """The media's events, newest first."""
    return manager.read_media_history(media_id)
