"""Trailer download routes."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from api.deps import IdPath
from core.download import trailer
from core.download.jobs import download_jobs

router = APIRouter(tags=["downloads"])


class DownloadRequest(BaseModel):
    """What to download: a profile (default: the highest-priority one) and a source."""

    profile_id: int | None = None
    url: str | None = Field(default=None, max_length=2048)


class DownloadAccepted(BaseModel):
    media_id: int
    profile_id: int
    message: str


@router.post("/media/{media_id}/download", status_code=status.HTTP_202_ACCEPTED)
async def start_download(media_id: IdPath, request: DownloadRequest) -> DownloadAccepted:
    """Start a trailer download in the background; 409 while one runs for this media."""
    media, profile, source = await trailer.prepare_download(
        media_id, profile_id=request.profile_id, url=request.url
    )
    download_jobs.start(media_id, trailer.download_trailer(media, profile, source))
    # Show "downloading" from the moment the request is accepted.
    await trailer.mark_downloading(media)
    return DownloadAccepted(
        media_id=media_id,
        profile_id=profile.id,
        message=f"Trailer download started for {media.title} [{media_id}]",
    )
