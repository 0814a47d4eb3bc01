"""Log routes (System > Logs): the log files and their recent lines, a file's download, and
the log level, changed while the app runs.

Every route reads or writes files: plain `def` routes, which FastAPI runs in its thread pool.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import StreamingResponse

from config import get_settings
from core.system import logs
from core.system.logs import (
    LogFileRead,
    LogLevelRead,
    LogLevelUpdate,
    LogLineRead,
    LogLinesQuery,
)

router = APIRouter(prefix="/logs", tags=["logs"])


@router.get("/files")
def list_log_files() -> list[LogFileRead]:
    """The files in the logs folder (trailarr.log and its rotated siblings), newest first."""
    return logs.list_files(get_settings().logs_dir)


@router.get(
    "/files/{name}",
    response_class=StreamingResponse,
    responses={
        status.HTTP_200_OK: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "The file, as an attachment; secrets hidden",
        }
    },
)
def download_log_file(
    name: Annotated[str, Path(max_length=255, description="A name from GET /logs/files")],
) -> StreamingResponse:
    """One log file as a download; 404 for a name that GET /logs/files does not list."""
    handle = logs.open_file(get_settings().logs_dir, name)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return StreamingResponse(
        logs.download_chunks(handle),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


@router.get("/lines")
def read_log_lines(query: Annotated[LogLinesQuery, Query()]) -> list[LogLineRead]:
    """The most recent log records, newest first: `level` and up, containing `search`.

    A record's following lines (a traceback) are part of its `message`.
    """
    return logs.read_lines(get_settings().logs_dir, query)


@router.get("/level")
def read_log_level() -> LogLevelRead:
    """The level the app writes its log from."""
    return logs.read_level()


@router.put("/level")
def update_log_level(update: LogLevelUpdate) -> LogLevelRead:
    """Write the log from this level on, at once and after restarts (it wins over LOG_LEVEL).
    DEBUG adds a line per HTTP request."""
    return logs.change_level(get_settings().app_data_dir, update.level)
