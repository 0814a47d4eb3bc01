"""Interactive trailer search: YouTube's results for a media, judged by a profile's filters.

The user picks one and downloads it with POST /media/{media_id}/download and its `url`.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query

from api.deps import IdPath
from api.errors import ErrorResponse
from core.base.database.models.limits import DB_INT_MAX
from core.download.trailer_search import (
    INTERACTIVE_SEARCH_RESULTS,
    MAX_SEARCH_RESULTS,
    TrailerSearch,
    search_for_media,
)

router = APIRouter(tags=["search"])

SEARCH_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    502: {"model": ErrorResponse, "description": "YouTube's search failed"},
}


@router.get("/media/{media_id}/search", responses=SEARCH_ERROR_RESPONSES)
async def search_trailers(
    media_id: IdPath,
    profile_id: Annotated[
        int | None,
        Query(ge=1, le=DB_INT_MAX, description="Default: the enabled profile of highest priority"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_RESULTS)] = INTERACTIVE_SEARCH_RESULTS,
) -> TrailerSearch:
    """Search YouTube for the media's trailer with the profile's query; each video found
    says whether the profile's filters accept it, and why not. Nothing is downloaded.

    502 when YouTube's search fails (unreachable, rate-limited), with the reason.
    """
    return await anyio.to_thread.run_sync(
        partial(search_for_media, media_id, profile_id=profile_id, limit=limit)
    )
