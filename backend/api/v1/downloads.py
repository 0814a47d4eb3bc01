"""Trailer download routes, and the download history across all media."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.deps import DB_INT_MAX, IdPath
from api.streaming import ReadAheadResponse
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.download import DownloadManager
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.database.models.base import utc_now
from core.base.database.models.download import UNKNOWN_PROFILE_ID
from core.base.database.models.history import (
    DownloadHistoryRead,
    DownloadStats,
    HistoryQuery,
)
from core.base.database.models.media import YOUTUBE_ID_RE
from core.base.database.models.page import MAX_PAGE, MAX_PAGE_SIZE, Page
from core.download import service, trailer
from core.download.queue import download_queue
from core.exceptions import InvalidInputError, NotFoundError
from core.history import export

router = APIRouter(tags=["downloads"])
manager = DownloadManager()


class DownloadRequest(BaseModel):
    """What to download: a profile (default: the highest-priority one) and a source."""

    profile_id: int | None = None
    url: str | None = Field(default=None, max_length=2048)
    replace: bool = Field(
        default=False,
        description="When the media has a present trailer from this profile, the new one "
        "takes its place once recorded (the old file is deleted, its record marked "
        "replaced); otherwise the new trailer is added beside it",
    )


class DownloadAccepted(BaseModel):
    media_id: int
    profile_id: int
    queue_id: int = Field(description="The download's id in the queue (GET /queue)")
    message: str


class RedownloadRequest(BaseModel):
    """A profile (default: the record's, else the default one); `replace` retires the old."""

    profile_id: int | None = Field(default=None, ge=1, le=DB_INT_MAX)
    replace: bool = False


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


class HistoryPageQuery(HistoryQuery):
    """The query of GET /downloads: the history filters and order, and the page."""

    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


class HistoryExportQuery(HistoryQuery):
    """The query of GET /downloads/export: the history filters and order, and the format."""

    export_format: ExportFormat = Field(default=ExportFormat.CSV, alias="format")


@router.post("/media/{media_id}/download", status_code=status.HTTP_202_ACCEPTED)
async def start_download(media_id: IdPath, request: DownloadRequest) -> DownloadAccepted:
    """Queue a trailer download (GET /queue follows it); 409 while one of this media with
    this profile is queued already."""
    media, profile, source = await trailer.prepare_download(
        media_id, profile_id=request.profile_id, url=request.url
    )
    replaces = None
    if request.replace:
        records = await anyio.to_thread.run_sync(MediaDatabaseManager().read_downloads, media_id)
        present = [r for r in records if r.file_exists and r.profile_id == profile.id]
        replaces = present[0].id if present else None  # the newest
    # "downloading" from the moment the request is accepted, and before the item can end.
    # (Refused as queued already, the media's status is "downloading" anyway.)
    await trailer.mark_downloading(media)
    item = download_queue.add(media, profile, source, replaces=replaces)
    then = f", to replace download {replaces}" if replaces else ""
    return DownloadAccepted(
        media_id=media_id,
        profile_id=profile.id,
        queue_id=item.id,
        message=f"Trailer download queued for {media.title} [{media_id}] with profile "
        f"{profile.name}{then}",
    )


@router.get("/downloads")
def list_downloads(query: Annotated[HistoryPageQuery, Query()]) -> Page[DownloadHistoryRead]:
    """The download history of every media, paged, filtered and sorted.

    `resolution` sorts by pixel count (width × height).
    """
    return manager.read_page(query, page=query.page, page_size=query.page_size)


@router.get(
    "/downloads/export",
    responses={
        status.HTTP_200_OK: {
            "model": list[DownloadHistoryRead],
            "description": "The history as a JSON array (format=json) or a CSV (format=csv)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def export_downloads(query: Annotated[HistoryExportQuery, Query()]) -> StreamingResponse:
    """The whole filtered history as a CSV (header row first) or a JSON array, streamed.

    Takes the filters and sort of GET /downloads, without paging.
    """
    export_format = query.export_format
    name = f"trailarr-downloads-{utc_now():%Y-%m-%d}.{export_format.value}"
    if export_format == ExportFormat.CSV:
        body, media_type = export.csv_export(query), "text/csv; charset=utf-8"
    else:
        body, media_type = export.json_export(query), "application/json"
    # Each chunk (a batch of records) is read in a worker thread, off the event loop, the
    # next one while the one before is sent; the reading stops when the client goes.
    return ReadAheadResponse(
        body,
        ahead=4,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/downloads/stats")
def download_stats() -> DownloadStats:
    """Totals of the history. The `by_*` lists count present files only, most first."""
    return manager.stats()


@router.get("/downloads/{download_id}")
def read_download(download_id: IdPath) -> DownloadHistoryRead:
    return manager.read(download_id)


@router.delete(
    "/downloads/{download_id}",
    response_model=DownloadHistoryRead,
    responses={204: {"description": "Purged: the record is gone"}},
)
def delete_download(download_id: IdPath, purge: bool = False) -> Any:
    """Delete the trailer file and mark the record deleted by the user (200 with it).

    The file goes only when it lies inside its media's folder (409 otherwise); the record
    stays, with `file_exists` false. Deleting a deleted record again changes nothing.
    With `purge=true` the record itself goes too (204); its events stay.
    """
    record = service.delete_download(download_id, purge=purge)
    if record is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return record


def _redownload_source(record: DownloadHistoryRead) -> str:
    if record.source_url:
        return record.source_url
    if YOUTUBE_ID_RE.match(record.youtube_id):
        return record.youtube_id
    raise InvalidInputError(
        f"Download {record.id} has no source to download again (no source URL or YouTube id)"
    )


def _redownload_profile(record: DownloadHistoryRead, requested: int | None) -> int | None:
    """The profile to use: the one asked for, else the record's while it exists."""
    if requested is not None or record.profile_id == UNKNOWN_PROFILE_ID:
        return requested
    try:
        TrailerProfileManager().read(record.profile_id)
    except NotFoundError:
        return None
    return record.profile_id


@router.post("/downloads/{download_id}/redownload", status_code=status.HTTP_202_ACCEPTED)
async def redownload(download_id: IdPath, request: RedownloadRequest) -> DownloadAccepted:
    """Download the record's trailer again from its source, in the background.

    The profile is the one given, else the record's, else the default one. With
    `replace`, once the new trailer is recorded the old file is deleted and the old record
    marked replaced. 409 while one of the media with that profile is queued already.
    """
    record = await anyio.to_thread.run_sync(manager.read, download_id)
    url = _redownload_source(record)
    profile_id = await anyio.to_thread.run_sync(_redownload_profile, record, request.profile_id)
    media, profile, source = await trailer.prepare_download(
        record.media_id, profile_id=profile_id, url=url
    )
    replaces = record.id if request.replace else None
    await trailer.mark_downloading(media)
    item = download_queue.add(media, profile, source, replaces=replaces)
    then = f", to replace download {record.id}" if replaces else ""
    return DownloadAccepted(
        media_id=media.id,
        profile_id=profile.id,
        queue_id=item.id,
        message=f"Trailer download queued for {media.title} [{media.id}] from the source "
        f"of download {record.id}{then}",
    )
