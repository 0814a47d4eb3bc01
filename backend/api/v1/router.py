"""The /api/v1 router: every route in it needs the API key."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import require_api_key
from api.v1 import connections, downloads, media, trailerprofiles

api_router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_api_key)])
api_router.include_router(media.router)
api_router.include_router(downloads.router)
api_router.include_router(trailerprofiles.router)
api_router.include_router(connections.router)
