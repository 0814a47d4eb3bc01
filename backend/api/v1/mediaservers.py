"""Media server routes: Plex, Jellyfin and Emby servers that rescan a media's folder.

The token of a server is never returned in full: answers show it masked as the connections'
API keys are (`********` and its last 4 characters). An update that sends that masked form
back keeps the stored token.

Saving does not ask the server (a media server may be down for a while; each rescan that
fails is logged with the reason): the test routes answer whether it works, never with a 5xx.
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, status

from api.deps import IdPath
from api.v1.connections import mask_api_key
from app_logger import ModuleLogger, remember_secret
from core.base.database.manager.mediaserver import MediaServerManager
from core.base.database.models.mediaserver import (
    MediaServerCreate,
    MediaServerKind,
    MediaServerRead,
    MediaServerUpdate,
)
from core.notify.mediaservers import MediaServerCheck, check_media_server

router = APIRouter(prefix="/mediaservers", tags=["mediaservers"])
manager = MediaServerManager()
logger = ModuleLogger("API")


def _masked(server: MediaServerRead) -> MediaServerRead:
    return server.model_copy(update={"token": mask_api_key(server.token)})


async def _check(kind: MediaServerKind, url: str, token: str) -> MediaServerCheck:
    """The test's answer, whatever went wrong."""
    try:
        return await check_media_server(kind, url, token)
    except Exception as exc:
        logger.warning(f"The media server test could not run: {exc!r}")
        return MediaServerCheck(ok=False, error=f"The test could not run: {type(exc).__name__}")


@router.get("")
def list_media_servers() -> list[MediaServerRead]:
    return [_masked(s) for s in manager.read_all()]


@router.post("/test")
async def test_media_server(server: MediaServerCreate) -> MediaServerCheck:
    """Ask the server who it is: `ok`, its name and version, or why not. Never a 5xx."""
    return await _check(server.kind, server.url, server.token)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_media_server(server: MediaServerCreate) -> MediaServerRead:
    created = manager.create(server)
    remember_secret(created.token)
    return _masked(created)


@router.get("/{server_id}")
def read_media_server(server_id: IdPath) -> MediaServerRead:
    return _masked(manager.read(server_id))


@router.patch("/{server_id}")
def update_media_server(server_id: IdPath, server: MediaServerUpdate) -> MediaServerRead:
    """Partial update; the masked token sent back keeps the stored one, and path_mappings,
    when sent, replace the old ones."""
    stored = manager.read(server_id)
    if server.token is not None and server.token == mask_api_key(stored.token):
        kept = server.model_dump(exclude_unset=True, exclude={"token"})
        server = MediaServerUpdate.model_validate(kept)
    updated = manager.update(server_id, server)
    remember_secret(updated.token)
    return _masked(updated)


@router.delete("/{server_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_media_server(server_id: IdPath) -> None:
    manager.delete(server_id)


@router.post("/{server_id}/test")
async def test_saved_media_server(server_id: IdPath) -> MediaServerCheck:
    """The test with the saved address and token (404 for an unknown server)."""
    server = await anyio.to_thread.run_sync(manager.read, server_id)
    return await _check(server.kind, server.url, server.token)
