"""Media posters, served from the app's cache (fetched from Radarr/Sonarr on first use)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.deps import IdPath
from core.arr.posters import poster_cache
from core.exceptions import NotFoundError

router = APIRouter(prefix="/media", tags=["media"])

POSTER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}}, "description": "The poster, a JPEG"},
}


@router.get("/{media_id}/poster", response_class=Response, responses=POSTER_RESPONSES)
def read_poster(media_id: IdPath) -> Response:
    """The media's poster (JPEG, at most 300 px wide); 404 when it has none.

    A plain `def` route: a first request fetches the poster from the connection, in the
    worker thread FastAPI runs it in.
    """
    data = poster_cache.poster(media_id)
    if data is None:
        raise NotFoundError(f"Media {media_id} has no poster")
    return Response(
        content=data,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=86400"},
    )
