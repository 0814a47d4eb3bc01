"""The wanted list: what the download-missing engine would do now, and why."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query

from core.base.database.models.base import utc_now
from core.base.database.models.page import MAX_PAGE, MAX_PAGE_SIZE, Page
from core.download.queue import download_queue
from core.tasks.wanted import WantedItem, plan

router = APIRouter(prefix="/wanted", tags=["wanted"])


@router.get("")
async def list_wanted(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    due: Annotated[
        bool | None,
        Query(
            description="true: only what the next run tries; false: the rest (waiting "
            "after a failure, or downloading now)"
        ),
    ] = None,
) -> Page[WantedItem]:
    """Every monitored media without a trailer from a profile that applies to it: the
    source the engine will use, and after failures the attempts, the last error and when
    it tries again. By title, then profile priority."""
    items = await anyio.to_thread.run_sync(plan, utc_now(), download_queue.pairs())
    if due is not None:
        items = [item for item in items if item.due is due]
    start = (page - 1) * page_size
    return Page(
        page=page, page_size=page_size, total=len(items), records=items[start : start + page_size]
    )
