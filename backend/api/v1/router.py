"""The /api/v1 routes: every one needs the API key or a signed-in session."""

from __future__ import annotations

from fastapi import Depends, FastAPI

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

PREFIX = "/api/v1"

PROTECTED = (
    media.router,
    downloads.router,
    trailerprofiles.router,
    connections.router,
    events.router,
    tasks.router,
    settings.router,
    roots.router,
    posters.router,
    wanted.router,
    queue.router,
    search.router,
    backups.router,
    system.router,
    logs.router,
    mediaservers.router,
    notifications.router,
)
"""The routers under /api/v1 that need the API key or a session (`require_auth`)."""


def include_api(app: FastAPI) -> None:
    """Add the /api/v1 routes to the app: each router straight into it (a router included
    in a router is built again at each level, and start-up pays for every build), with
    `require_auth`; the webhooks with their own key check (api/v1/webhooks.py)."""
    for router in PROTECTED:
        app.include_router(
            router, prefix=PREFIX, dependencies=[Depends(require_auth)], responses=ERROR_RESPONSES
        )
    app.include_router(webhooks.router)
