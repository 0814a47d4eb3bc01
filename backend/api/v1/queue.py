"""The download queue: what waits and what runs, stage by stage; cancel one."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import IdPath
from core.download.queue import QueueItemRead, download_queue

router = APIRouter(prefix="/queue", tags=["queue"])


@router.get("")
async def list_queue() -> list[QueueItemRead]:
    """Running downloads (by start), then the waiting ones in order, each with its stage
    (queued, searching, downloading, converting, verifying, moving) and progress. Changes
    are pushed over the websocket as "Queue" messages."""
    # On the event loop, which owns the queue (no I/O): a worker thread could see it change
    # while it reads.
    return download_queue.items()


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={409: {"description": "The trailer is being moved into place"}},
)
async def cancel_queued(item_id: IdPath) -> Response:
    """Cancel a download: a waiting one leaves the queue; a running one stops its programs
    and removes its partial files before this answers. 404 when it is not in the queue."""
    await download_queue.cancel(item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
