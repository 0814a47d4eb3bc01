"""Backup routes (System > Backup): list, back up now, download, delete, restore.

A restore is staged here and applied at the next start (`core.backup.restore`); on
PostgreSQL it is refused (409) with the pg_restore command to run instead. The upload of a
database to restore is the one request body larger than the app's 1 MiB limit (see
`api.limits.ROUTE_BODY_LIMITS`): it is read after authentication, straight from the
stream into a file of the restore folder.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Path, Request, status
from fastapi.responses import FileResponse

from api.multipart import FilePartReader
from core.backup.files import (
    BackupKind,
    BackupRead,
    BackupSettings,
    BackupSettingsUpdate,
    backup_path,
    delete_backup,
    list_backups,
    read_settings,
    update_settings,
)
from core.backup.restore import (
    RestoreState,
    ensure_supported,
    new_upload,
    restore_state,
    stage_backup,
    stage_upload,
    unstage,
)
from core.backup.take import take_backup

router = APIRouter(prefix="/backups", tags=["backups"])

BackupName = Annotated[
    str, Path(max_length=200, description="A backup's name, as GET /api/v1/backups lists it")
]
UPLOAD_FIELD = "file"
WRITE_BYTES = 1024 * 1024
"""The upload is written to disk a MiB at a time (a thread hop each, off the event loop)."""

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [UPLOAD_FIELD],
                    "properties": {
                        UPLOAD_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "A Trailarr backup (.db), or a zip holding one",
                        }
                    },
                }
            }
        },
    }
}


@router.get("")
def list_all_backups() -> list[BackupRead]:
    """The backups, newest first: scheduled, manual, before a migration, before a restore."""
    return list_backups()


@router.post("", status_code=status.HTTP_201_CREATED)
def back_up_now() -> BackupRead:
    """Back the database up now (SQLite: a copy; PostgreSQL: pg_dump); 409 while another
    backup is being taken, or when pg_dump is not installed."""
    return take_backup(BackupKind.MANUAL)


@router.get("/settings")
def read_backup_settings() -> BackupSettings:
    """How many scheduled and manual backups are kept. The interval is the `backup` task's
    (GET/PATCH /api/v1/tasks/backup)."""
    return read_settings()


@router.patch("/settings")
def update_backup_settings(update: BackupSettingsUpdate) -> BackupSettings:
    return update_settings(update)


@router.get("/restore")
def read_restore() -> RestoreState:
    """Whether a restore is staged (applied at the next start), and whether restores are
    possible here (not on PostgreSQL)."""
    return restore_state()


@router.post("/restore", status_code=status.HTTP_202_ACCEPTED, openapi_extra=_UPLOAD_BODY)
async def upload_restore(request: Request) -> RestoreState:
    """Stage the restore of an uploaded backup (multipart field `file`: a .db file, or a zip
    holding one). 422 saying why for a file that is not a sound Trailarr database of this
    version or an older one; 409 on PostgreSQL. Restart Trailarr to apply it."""
    await anyio.to_thread.run_sync(ensure_supported)  # before a byte is read
    reader = FilePartReader(request.headers.get("content-type", ""), UPLOAD_FIELD)
    target = await anyio.to_thread.run_sync(new_upload)
    try:
        async with await anyio.open_file(target, "wb") as out:
            pending = bytearray()
            async for chunk in request.stream():
                pending += reader.feed(chunk)
                if len(pending) >= WRITE_BYTES:
                    await out.write(bytes(pending))
                    pending.clear()
            await out.write(bytes(pending))
        reader.finish()
    except BaseException:
        await anyio.to_thread.run_sync(lambda: target.unlink(missing_ok=True))
        raise
    return await anyio.to_thread.run_sync(stage_upload, target, reader.filename)


@router.delete("/restore")
def cancel_restore() -> RestoreState:
    """Drop the staged restore: the next start keeps the current database."""
    return unstage()


@router.get(
    "/{name}/download",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_backup(name: BackupName) -> FileResponse:
    """The backup file, as an attachment."""
    return FileResponse(backup_path(name), media_type="application/octet-stream", filename=name)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
def remove_backup(name: BackupName) -> None:
    delete_backup(name)


@router.post("/{name}/restore", status_code=status.HTTP_202_ACCEPTED)
def restore_backup(name: BackupName) -> RestoreState:
    """Stage the restore of a listed backup (checked first: 422 saying why for a damaged
    one); 409 on PostgreSQL, with the pg_restore command. Restart Trailarr to apply it."""
    return stage_backup(name)
