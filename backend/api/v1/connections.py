"""Radarr and Sonarr connection routes.

The API key of a connection is never returned in full: answers show `********` and its
last 4 characters. An update that sends that masked form back keeps the stored key.

Saving tests the connection (as Radarr does for a download client): a create, or an
update that changes the address, the key or the type, first asks the app for its system
status; when that fails the connection is not saved and the answer is a 422 with the
reason (unreachable, wrong API key, not Radarr/Sonarr, timeout). An update of the name,
the monitor mode or the path mappings alone saves without asking the app.
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, status
from pydantic import BaseModel

from api.deps import IdPath
from api.errors import ErrorResponse
from core.arr.client import ArrClient, ConnectionCheck, check_connection
from core.arr.paths import map_path
from core.arr.refresh import connection_refreshes
from core.base.database.manager.connection import ConnectionManager
from core.base.database.models.connection import (
    ConnectionCreate,
    ConnectionRead,
    ConnectionUpdate,
)
from core.exceptions import InvalidInputError

router = APIRouter(prefix="/connections", tags=["connections"])
manager = ConnectionManager()

MASK = "********"
ARR_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    502: {"model": ErrorResponse, "description": "Radarr/Sonarr could not be read"},
}


def mask_api_key(key: str) -> str:
    """`********` and the key's last 4 characters (only the mask for a short key)."""
    return MASK + key[-4:] if len(key) >= 12 else MASK


def _masked(connection: ConnectionRead) -> ConnectionRead:
    return connection.model_copy(update={"api_key": mask_api_key(connection.api_key)})


def _require_working(url: str, api_key: str, arr_type: Any) -> None:
    check = check_connection(url, api_key, arr_type)
    if not check.ok:
        raise InvalidInputError(f"The connection test failed: {check.error}")


class RootFolderRead(BaseModel):
    """A root folder of the app, and the same folder as Trailarr sees it."""

    path: str
    mapped_path: str
    accessible: bool
    free_space: int | None = None


class RefreshStarted(BaseModel):
    connection_id: int
    running: bool = True


@router.get("")
def list_connections() -> list[ConnectionRead]:
    return [_masked(c) for c in manager.read_all()]


@router.post("/test")
def test_connection(connection: ConnectionCreate) -> ConnectionCheck:
    """Ask the app for its status: `ok`, its name and version, or why not. Never a 5xx."""
    try:
        return check_connection(connection.url, connection.api_key, connection.arr_type)
    except Exception as exc:  # the answer is the reason, whatever went wrong
        return ConnectionCheck(ok=False, error=f"The test could not run: {type(exc).__name__}")


@router.post("", status_code=status.HTTP_201_CREATED)
def create_connection(connection: ConnectionCreate) -> ConnectionRead:
    """Save a connection once its test passes (422 with the reason otherwise)."""
    _require_working(connection.url, connection.api_key, connection.arr_type)
    return _masked(manager.create(connection))


@router.get("/{connection_id}")
def read_connection(connection_id: IdPath) -> ConnectionRead:
    return _masked(manager.read(connection_id))


def _update(connection_id: int, connection: ConnectionUpdate) -> ConnectionRead:
    stored = manager.read(connection_id)
    if connection.api_key is not None and connection.api_key == mask_api_key(stored.api_key):
        kept = connection.model_dump(exclude_unset=True, exclude={"api_key"})
        connection = ConnectionUpdate.model_validate(kept)
    changes = connection.model_dump(exclude_unset=True)
    if {"url", "api_key", "arr_type"} & changes.keys():
        _require_working(
            changes.get("url") or stored.url,
            changes.get("api_key") or stored.api_key,
            changes.get("arr_type") or stored.arr_type,
        )
    return _masked(manager.update(connection_id, connection))


@router.patch("/{connection_id}")
def update_connection(connection_id: IdPath, connection: ConnectionUpdate) -> ConnectionRead:
    return _update(connection_id, connection)


@router.put("/{connection_id}")
def replace_connection(connection_id: IdPath, connection: ConnectionUpdate) -> ConnectionRead:
    return _update(connection_id, connection)


@router.delete("/{connection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_connection(connection_id: IdPath) -> None:
    manager.delete(connection_id)


@router.get("/{connection_id}/rootfolders", responses=ARR_ERROR_RESPONSES)
def read_root_folders(connection_id: IdPath) -> list[RootFolderRead]:
    """The app's root folders, with their paths through the connection's path mappings."""
    connection = manager.read(connection_id)
    with ArrClient(connection.url, connection.api_key) as client:
        client.check(connection.arr_type)
        folders = client.root_folders()
    return [
        RootFolderRead(
            path=folder.path,
            mapped_path=map_path(folder.path, connection.path_mappings),
            accessible=folder.accessible,
            free_space=folder.free_space,
        )
        for folder in folders
    ]


@router.post("/{connection_id}/refresh", status_code=status.HTTP_202_ACCEPTED)
async def refresh_connection(connection_id: IdPath) -> RefreshStarted:
    """Sync the connection's movies or series into media, in the background; 409 while
    a sync of it runs."""
    await anyio.to_thread.run_sync(manager.read, connection_id)
    connection_refreshes.start(connection_id)
    return RefreshStarted(connection_id=connection_id)
