"""The /api/v1 router: every route in it needs the API key or a signed-in session."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import require_auth
from api.errors import ERROR_RESPONSES
from api.v1 import (
    backups,
    connections,
    downloads,
    events,
    logs,
    media,
    mediaservers,
    notifications,
    posters,
    queue,
    roots,
    search,
    settings,
    system,
    tasks,
    trailerprofiles,
    wanted,
    webhooks,
)

api_router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_auth)], responses=ERROR_RESPONSES
)
api_router.include_router(media.router)
api_router.include_router(downloads.router)
api_router.include_router(trailerprofiles.router)
api_router.include_router(connections.router)
api_router.include_router(events.router)
api_router.include_router(tasks.router)
api_router.include_router(settings.router)
api_router.include_router(roots.router)
api_router.include_router(posters.router)
api_router.include_router(wanted.router)
api_router.include_router(queue.router)
api_router.include_router(search.router)
api_router.include_router(backups.router)
api_router.include_router(system.router)
api_router.include_router(logs.router)
api_router.include_router(mediaservers.router)
api_router.include_router(notifications.router)
api_router.routes.extend(webhooks.router.routes)  # their own key check: api/v1/webhooks.py
