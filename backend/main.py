"""The FastAPI application: `main.app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from api.errors import install_error_handlers
from api.frontend import mount_frontend
from api.v1 import auth, websockets
from api.v1.router import api_router
from app_logger import ModuleLogger
from config import get_settings
from config.settings import APP_VERSION
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.notifier import notifier
from core.download import jobs
from core.download.recovery import recover_interrupted_downloads
from core.exceptions import ConflictError
from core.history.tasks import RECONCILE, task_runner

logger = ModuleLogger("App")


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    notifier.connect(websockets.ws_manager.broadcast)
    await anyio.to_thread.run_sync(settings.api_key)
    if await anyio.to_thread.run_sync(TrailerProfileManager().ensure_default):
        logger.info("Created the default trailer profile")
    # Before serving: finish or undo what a previous process left half done.
    await anyio.to_thread.run_sync(recover_interrupted_downloads)
    # Check the recorded trailer files in the background: start-up does not wait for it.
    try:
        task_runner.start(RECONCILE)
    except ConflictError:
        logger.info("A reconciliation is already running")
    yield
    await task_runner.cancel_all()
    await jobs.download_jobs.cancel_all()
    notifier.disconnect(websockets.ws_manager.broadcast)


def create_app() -> FastAPI:
    """Build the application with its routes and error handlers."""
    application = FastAPI(
        title="Trailarr",
        version=APP_VERSION,
        description="Trailer downloads for your movie and series library, with their history.",
        lifespan=lifespan,
    )
    install_error_handlers(application)
    application.include_router(auth.router)
    application.include_router(api_router)
    application.include_router(websockets.router)

    @application.get("/status", tags=["status"])
    def status() -> dict[str, str]:
        """Liveness: no API key needed."""
        return {"status": "ok", "version": get_settings().version}

    mount_frontend(application)  # last: its catch-all must not shadow the routes above
    return application


app = create_app()
