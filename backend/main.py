"""The FastAPI application: `main.app`."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Response

from api.docs import install_docs
from api.errors import install_error_handlers
from api.frontend import mount_frontend
from api.limits import BodyLimitMiddleware
from api.v1 import auth, websockets
from api.v1.router import include_api
from app_logger import ModuleLogger
from config import get_settings
from config.settings import APP_VERSION
from core.arr.client import remember_connection_keys
from core.arr.refresh import connection_refreshes
from core.auth import service as auth_service
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.health import health
from core.base.notifier import notifier
from core.base.worker_threads import keep_worker_threads_ready
from core.download.queue import download_queue
from core.download.recovery import recover_interrupted_downloads
from core.download.threads import download_threads
from core.download.ytdlp_options import warm_up
from core.exceptions import ConflictError
from core.notify.bus import bus as connect_bus
from core.notify.mediaservers import remember_media_server_tokens
from core.notify.notifications import notifications
from core.notify.refresh import media_server_refresher
from core.tasks.registry import RECONCILE, task_runner
from core.tasks.scheduler import scheduler

logger = ModuleLogger("App")


WARM_UP_DELAY_SECONDS = 5.0


async def warm_up_ytdlp() -> None:
    """yt-dlp made ready in a worker thread, once the start-up is over (ytdlp_options)."""
    await anyio.sleep(WARM_UP_DELAY_SECONDS)
    try:
        seconds = await anyio.to_thread.run_sync(warm_up, abandon_on_cancel=True)
    except Exception as exc:  # the first download loads it then, and says what is wrong
        logger.warning(f"Could not load yt-dlp ahead of the first download: {exc}")
        return
    await anyio.to_thread.run_sync(freeze_heap)
    logger.debug(f"yt-dlp loaded ahead of the first download in {seconds:.1f} s")


def freeze_heap() -> None:
    """What yt-dlp's warm-up made lives as long as the process (its ~1,800 extractor
    classes and their compiled patterns: some 50,000 objects): it is kept out of the
    collector's work from now on (`gc.freeze`), as start-up's objects are (cli.serving).

    Until then every full collection went through it again: one every 30 s or so while
    trailers converted, each holding the interpreter 50-120 ms on a loaded 2-core machine,
    which the event loop waited out (bench/load.py: GET /status 78-132 ms at those moments).
    The garbage of the warm-up is collected first, in this worker thread, once.
    """
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def connect_services() -> AsyncIterator[None]:
    """The Connect bus and its subscribers, for the app's life; stopped even when the
    start-up fails after them (they are one per process, and a next app starts them anew)."""
    connect_bus.start(asyncio.get_running_loop())
    try:
        await media_server_refresher.start()  # media servers rescan changed folders
        await notifications.start()  # Apprise notifications, sent in the background
        yield
    finally:
        connect_bus.stop()
        await media_server_refresher.stop()
        await notifications.stop()  # sends what is pending, within its timeout


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    notifier.connect(websockets.ws_manager.broadcast)
    try:
        async with connect_services(), running():
            yield
    finally:
        notifier.disconnect(websockets.ws_manager.broadcast)


@asynccontextmanager
async def running() -> AsyncIterator[None]:
    """The app's own start-up, then its work in the background until the shutdown."""
    settings = get_settings()
    await anyio.to_thread.run_sync(settings.api_key)
    # While no account exists: a one-time token that proves the account is made by the owner.
    await anyio.to_thread.run_sync(auth_service.offer_setup_token)
    if await anyio.to_thread.run_sync(TrailerProfileManager().ensure_default):
        logger.info("Created the default trailer profile")
    # The log filter hides the connections' API keys and the media servers' tokens from the
    # first line on (the notification URLs: when the dispatcher starts, with Apprise).
    await anyio.to_thread.run_sync(remember_connection_keys)
    await anyio.to_thread.run_sync(remember_media_server_tokens)
    # Before serving: finish or undo what a previous process left half done.
    await anyio.to_thread.run_sync(recover_interrupted_downloads)
    # Check the recorded trailer files in the background: start-up does not wait for it.
    # Then on schedule: every task every interval (the intervals are the user's, stored).
    download_queue.start()
    # The downloads' threads, started here and not by the event loop as downloads begin;
    # and the requests' worker threads, kept ready (core.base.worker_threads).
    await anyio.to_thread.run_sync(download_threads.prestart, settings.download_concurrency)
    await keep_worker_threads_ready()
    await scheduler.start()
    try:
        scheduler.run_now(RECONCILE)
    except ConflictError:
        logger.info("A reconciliation is already running")
    warming = asyncio.create_task(warm_up_ytdlp()) if settings.ytdlp_warm_up else None
    yield
    if warming is not None:
        warming.cancel()
    scheduler.shutdown()
    await task_runner.cancel_all()
    await connection_refreshes.cancel_all()
    await download_queue.cancel_all()


def create_app() -> FastAPI:
    """Build the application with its routes and error handlers."""
    application = FastAPI(
        title="Trailarr",
        version=APP_VERSION,
        description="Trailer downloads for your movie and series library, with their history.",
        lifespan=lifespan,
        docs_url=None,  # served from packaged files by install_docs, not a CDN
        redoc_url=None,
    )
    application.add_middleware(BodyLimitMiddleware)  # 413 for bodies over 1 MiB, before auth
    install_error_handlers(application)

    # First of the routes: the router tries them in order, and /status is polled the most.
    @application.get("/status", tags=["status"])
    async def status(response: Response) -> dict[str, str]:
        """Liveness: no API key needed."""
        # 503 "degraded" with the reason while the database cannot be written (Docker
        # healthchecks look at the status code); a probe write, at most one every few seconds,
        # brings it back to "ok". Answered on the event loop: only that probe blocks, and it
        # runs in a worker thread.
        current = health.known()
        if current is None:
            current = await anyio.to_thread.run_sync(health.current)
        if current.reason is None:
            return {"status": "ok", "version": APP_VERSION}
        response.status_code = 503
        return {"status": "degraded", "version": APP_VERSION, "reason": current.reason}

    install_docs(application)
    application.include_router(auth.router)
    include_api(application)
    application.include_router(websockets.router)

    mount_frontend(application)  # last: its catch-all must not shadow the routes above
    return application


app = create_app()
