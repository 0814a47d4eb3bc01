"""Library root routes: list, add, remove, scan one local root now."""

from __future__ import annotations

import os
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, status

from api.deps import IdPath
from core.base.database.manager.root import RootManager
from core.base.database.models.root import LibraryRootCreate, LibraryRootRead
from core.exceptions import ConflictError
from core.library import local_scan
from core.library.folders import FolderError, is_within, normalise_folder

router = APIRouter(prefix="/roots", tags=["roots"])
manager = RootManager()


@router.get("")
def list_roots() -> list[LibraryRootRead]:
    """Every library root, local and reported by Radarr/Sonarr connections, by path."""
    return manager.read_all()


def _check_new_root(path: str) -> str:
    """The normalised path of a new local root; FolderError (422) when it may not be one."""
    normal = normalise_folder(path)
    for root in manager.read_all():
        if root.path == normal:
            raise ConflictError(f"{normal} is a library root already")
        if is_within(normal, root.path) or is_within(root.path, normal):
            raise FolderError(
                f"The folder {normal} is nested with the library root {root.path};"
                " roots may not lie inside one another"
            )
    if not os.path.isdir(normal):
        raise FolderError(f"folder not found: {normal} (is the drive mounted?)")
    return normal


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_root(root: LibraryRootCreate) -> LibraryRootRead:
    """Add a local root: an existing folder, absolute, not nested with another root.

    `is_movie` says whether its subfolders are movies or series; with `scan` (default),
    the `sync` task scans it into media (core/library/local_scan.py).
    """
    path = await anyio.to_thread.run_sync(_check_new_root, root.path)
    return await anyio.to_thread.run_sync(manager.create, root.model_copy(update={"path": path}))


@router.delete("/{root_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_root(
    root_id: IdPath,
    force: Annotated[
        bool, Query(description="Remove the root even though media folders lie inside it")
    ] = False,
) -> None:
    """Remove a local root; its media stay (never deleted by this).

    409 for a root that a connection reports (the connection owns it), and for a root that
    still holds media folders unless `force=true`: those media would then lie outside every
    root, and a change of their folder would be refused until a root holds it again.
    """
    root = manager.read(root_id)
    if root.connection_id is not None:
        manager.delete(root_id)  # raises the ConflictError that says why
    held = manager.count_media(root_id)
    if held and not force:
        raise ConflictError(
            f"The library root {root.path} holds {held} media folder(s); remove them first"
            " or send force=true (the media stay)"
        )
    manager.delete(root_id)


@router.post("/{root_id}/scan", status_code=status.HTTP_202_ACCEPTED)
async def scan_root(root_id: IdPath) -> local_scan.ScanSummary:
    """Scan one local root now, in a worker thread; answers with what the scan did.

    409 for a connection's root (a sync of the connection reads it).
    """
    root = await anyio.to_thread.run_sync(manager.read, root_id)
    if root.connection_id is not None:
        raise ConflictError(
            f"The library root {root.path} belongs to a connection; refresh the connection"
        )
    return await anyio.to_thread.run_sync(partial(local_scan.scan_root, root))
