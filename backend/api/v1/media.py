"""Media routes."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field, TypeAdapter

from api.deps import IdPath
from core.base.database.manager.base import MediaDatabaseManager, MediaSort, SortOrder
from core.base.database.models.download import DownloadRead
from core.base.database.models.limits import DB_INT_MAX
from core.base.database.models.media import MediaCreate, MediaRead, MediaUpdate, MonitorStatus
from core.base.database.models.page import MAX_PAGE, MAX_PAGE_SIZE, Page
from core.download import trailer_file
from core.library import media_service
from core.tasks.registry import download_missing_now

router = APIRouter(prefix="/media", tags=["media"])
manager = MediaDatabaseManager()


@router.get("")
def list_media(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    search: Annotated[str | None, Query(max_length=200)] = None,
    is_movie: bool | None = None,
    status: MonitorStatus | None = None,
    sort: MediaSort = "title",
    order: SortOrder = "asc",
) -> Page[MediaRead]:
    """A page of media; each word of `search` must be part of the title (any order, ignoring
    case); sorted by title by default."""
    return manager.read_all(
        page=page,
        page_size=page_size,
        search=search,
        is_movie=is_movie,
        status=status,
        sort=sort,
        order=order,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create_media(media: MediaCreate) -> MediaRead:
    """Add a media; its folder must be absolute, inside a library root and no other
    media's folder (422 says which rule it breaks)."""
    return media_service.create_media(media)


class BulkMonitor(BaseModel):
    """Monitor, or stop monitoring, a selection of media."""

    ids: list[Annotated[int, Field(ge=1, le=DB_INT_MAX)]] = Field(
        min_length=1, max_length=media_service.BULK_MAX
    )
    monitor: bool


class BulkResult(BaseModel):
    updated: int = Field(description="How many of the ids were media (unknown ids are skipped)")


@router.post("/bulk")
def bulk_update_media(body: BulkMonitor) -> BulkResult:
    """Set `monitor` on up to 1000 media at once; each one's status follows. Media that
    become monitored start the download_missing task (unless DOWNLOAD_ON_MONITOR is off)."""
    updated = media_service.set_monitor(body.ids, body.monitor)
    if body.monitor and updated:
        download_missing_now(f"{updated} media were monitored")
    return BulkResult(updated=updated)


@router.get("/{media_id}")
def read_media(media_id: IdPath) -> MediaRead:
    return manager.read(media_id)


@router.patch("/{media_id}")
def update_media(media_id: IdPath, media: MediaUpdate) -> MediaRead:
    """Change the fields sent. A new folder is checked like a new media's; `trailer_url`
    must be an http(s) URL (a YouTube link or id is stored as `youtube_trailer_id`).
    Monitoring turned on starts the download_missing task (unless DOWNLOAD_ON_MONITOR is
    off)."""
    return _update(media_id, media)


def _update(media_id: int, media: MediaUpdate) -> MediaRead:
    was_monitored = media.monitor and manager.read(media_id).monitor
    updated = media_service.update_media(media_id, media)
    if media.monitor and not was_monitored:
        download_missing_now(f"{updated.title} was monitored")
    return updated


@router.put("/{media_id}")
def replace_media(media_id: IdPath, media: MediaUpdate) -> MediaRead:
    """As PATCH: only the fields sent change."""
    return _update(media_id, media)


@router.delete("/{media_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_media(media_id: IdPath, delete_files: bool = False) -> None:
    """Delete the media and its download records; trailer files stay unless asked."""
    media = await anyio.to_thread.run_sync(manager.read, media_id)
    downloads = await anyio.to_thread.run_sync(manager.delete, media_id)
    if delete_files:
        await anyio.to_thread.run_sync(
            partial(
                trailer_file.delete_files,
                [d.path for d in downloads if d.file_exists],
                within=media.folder_path,
            )
        )


_DOWNLOADS_JSON: TypeAdapter[list[DownloadRead]] = TypeAdapter(list[DownloadRead])


@router.get("/{media_id}/downloads", response_model=list[DownloadRead])
def read_media_downloads(media_id: IdPath) -> Response:
    """The media's download records, newest first."""
    # The records are validated Read models already: serialised once, not checked again.
    records = manager.read_downloads(media_id)
    return Response(_DOWNLOADS_JSON.dump_json(records), media_type="application/json")
