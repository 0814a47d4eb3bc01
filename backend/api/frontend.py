"""Serving the built web UI at /.

The UI answers only requests that no route matched, so API answers (including 404 and 405
for unknown /api paths) stay as they are. A GET for an existing file in the build folder
gets that file; any other GET outside the API answers index.html, where the UI's own router
takes over. The folder is looked up on every request, so building the UI while the server
runs needs no restart.
"""

from __future__ import annotations

import os
import stat

import anyio
from fastapi import FastAPI, HTTPException, status
from fastapi.responses import JSONResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from api.docs import DOCS_STATIC, DOCS_URL, REDOC_URL
from config import get_settings

RESERVED_PREFIXES = ("/api", "/ws", "/status", DOCS_URL, REDOC_URL, DOCS_STATIC, "/openapi.json")
"""Paths that belong to the server: never answered with the UI."""
ASSETS_DIR = "assets"
ASSET_CACHE = "public, max-age=31536000, immutable"
"""The build names files in assets/ after their content, so they never change."""
NO_CACHE = "no-cache"
NOT_BUILT = (
    "The web UI is not built. Build it with `npm ci && npm run build` in the frontend/ "
    "folder, or point FRONTEND_DIST at a built UI; the API is at /api/v1 (see /docs)."
)


def is_reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED_PREFIXES)


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path.removeprefix(root) if root and path.startswith(root) else path


def _regular_file(files: StaticFiles, relative: str) -> tuple[str, os.stat_result] | None:
    """The file's full path and stat inside the folder; None for anything else or outside."""
    try:
        full_path, stat_result = files.lookup_path(relative)
    except (OSError, ValueError):
        return None
    if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
        return None
    return full_path, stat_result


async def ui_response(scope: Scope) -> Response:
    """The UI's answer to a GET or HEAD request for a path outside the API."""
    files = StaticFiles(directory=get_settings().frontend_dist, check_dir=False)
    index = await anyio.to_thread.run_sync(_regular_file, files, "index.html")
    if index is None:
        return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content={"detail": NOT_BUILT})
    relative = files.get_path(scope)
    found = await anyio.to_thread.run_sync(_regular_file, files, relative)
    in_assets = relative.split(os.sep, 1)[0] == ASSETS_DIR
    if found is None and in_assets:
        # An old build's asset: HTML in its place would only break the page that asked.
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND)
    full_path, stat_result = found or index
    response = files.file_response(full_path, stat_result, scope)
    response.headers["Cache-Control"] = ASSET_CACHE if found and in_assets else NO_CACHE
    return response


class FrontendFallback:
    """The router's answer when no route matched: the UI, or the router's usual 404."""

    def __init__(self, not_found: ASGIApp) -> None:
        self.not_found = not_found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or is_reserved(_route_path(scope))
        ):
            await self.not_found(scope, receive, send)
            return
        response = await ui_response(scope)
        await response(scope, receive, send)


def mount_frontend(app: FastAPI) -> None:
    """Serve the built UI (settings.frontend_dist) for the requests no route matched."""
    app.router.default = FrontendFallback(app.router.default)
