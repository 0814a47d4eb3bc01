"""Radarr and Sonarr webhooks: their payloads, the connection that sent them, what they do.

Radarr and Sonarr call a webhook (Settings → Connect → Webhook) on their events. The route
(`api/v1/webhooks.py`) parses the payload into `RadarrWebhook` or `SonarrWebhook`, asks
`receive` for the answer (which connection sent it, what will be done), answers at once, and
leaves the work to `handle`, which runs after the answer:

- MovieAdded / SeriesAdd, Download, Rename, MovieFileDelete / EpisodeFileDelete: the item is
  read again from the app and synced alone (`core.arr.sync.sync_item`: same rules as the full
  sync). When its media is monitored, the trailers the download-missing engine would fetch
  for it (`core.tasks.wanted.plan`, its backoff included) are queued at once, unless
  DOWNLOAD_ON_MONITOR is off or the download_missing task is disabled.
- MovieDelete / SeriesDelete: the media is removed as the full sync removes media gone from
  the app (`core.arr.sync.remove_item`), once the app confirms the item is gone.
- A file deleted or replaced (MovieFileDelete, EpisodeFileDelete, an upgrade) changes nothing
  in Trailarr's own trailer files; their records are checked by the next `reconcile` task
  (a reconciliation of one media alone has no entry point), which a log line says.
- Test: nothing but a log line that the webhook works. Any other event: ignored.

The sending app is matched to a saved connection of its type: the only one there is; else
the one whose URL is the payload's `applicationUrl`, else the one named as the payload's
`instanceName`. Without a match nothing is done and a warning says what to set.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any, Self
from urllib.parse import urlsplit

import anyio
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from app_logger import ModuleLogger
from config import get_settings
from core.arr.client import APP_NAMES
from core.arr.sync import ItemSyncResult, remove_item, sync_item
from core.base.database.manager.connection import ConnectionManager
from core.base.database.manager.task import TaskManager
from core.base.database.models.base import utc_now
from core.base.database.models.connection import ArrType, ConnectionRead
from core.base.database.models.limits import DB_INT_MAX
from core.download.queue import QueueItem, download_queue
from core.exceptions import AppError, NotFoundError
from core.tasks.registry import DOWNLOAD_MISSING
from core.tasks.wanted import NO_TRAILER, WantedItem, enqueue, outcome, plan, record_failure

logger = ModuleLogger("Webhook")


class WebhookAction(StrEnum):
    """What Trailarr does with a webhook."""

    NONE = "none"
    """A test: nothing to do."""
    IGNORED = "ignored"
    """An event Trailarr has no use for (Grab, Health, ApplicationUpdate, ...)."""
    NO_CONNECTION = "no_connection"
    """No saved connection matches the sending app: nothing done."""
    SYNC = "sync"
    """The movie or series is synced alone, then its missing trailers are queued."""
    REMOVE = "remove"
    """The movie or series is removed from the library (its trailer files stay)."""


RADARR_EVENTS: dict[str, WebhookAction] = {
    "Test": WebhookAction.NONE,
    "MovieAdded": WebhookAction.SYNC,
    "Download": WebhookAction.SYNC,
    "Rename": WebhookAction.SYNC,
    "MovieFileDelete": WebhookAction.SYNC,
    "MovieDelete": WebhookAction.REMOVE,
}
SONARR_EVENTS: dict[str, WebhookAction] = {
    "Test": WebhookAction.NONE,
    "SeriesAdd": WebhookAction.SYNC,
    "Download": WebhookAction.SYNC,
    "Rename": WebhookAction.SYNC,
    "EpisodeFileDelete": WebhookAction.SYNC,
    "SeriesDelete": WebhookAction.REMOVE,
}
FILE_DELETES = frozenset({"MovieFileDelete", "EpisodeFileDelete"})
_ACTING = frozenset({WebhookAction.SYNC, WebhookAction.REMOVE})


class _Payload(BaseModel):
    """Fields as the apps spell them (camelCase); the many fields not read are ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class WebhookMovie(_Payload):
    """The `movie` of a Radarr payload (the fields Trailarr reads)."""

    id: int = Field(ge=1, le=DB_INT_MAX, description="The movie's id in Radarr")
    title: str = Field(default="", max_length=1000)
    year: int = 0
    folder_path: str | None = Field(default=None, max_length=4096)


class WebhookSeries(_Payload):
    """The `series` of a Sonarr payload (the fields Trailarr reads)."""

    id: int = Field(ge=1, le=DB_INT_MAX, description="The series' id in Sonarr")
    title: str = Field(default="", max_length=1000)
    year: int = 0
    path: str | None = Field(default=None, max_length=4096)


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A webhook as Trailarr acts on it, whichever app sent it."""

    arr_type: ArrType
    event_type: str
    action: WebhookAction
    instance_name: str | None
    application_url: str | None
    arr_id: int | None
    title: str | None
    """`Title (year)` as the payload gives it (the app is asked again before any change)."""
    folder_changed: bool
    """A file of the media was deleted or replaced (file delete, upgrade)."""

    @property
    def app(self) -> str:
        return APP_NAMES[self.arr_type]


def _label(title: str, year: int) -> str:
    return f"{title} ({year})" if year else title


class _Webhook(_Payload):
    event_type: str = Field(min_length=1, max_length=100, description="Test, Download, ...")
    instance_name: str | None = Field(default=None, max_length=1000)
    application_url: str | None = Field(default=None, max_length=2048)
    is_upgrade: bool = False
    deleted_files: bool | list[Any] | None = None
    """A list of the replaced files in a Download; a flag in a MovieDelete/SeriesDelete."""

    def _folder_changed(self) -> bool:
        replaced = isinstance(self.deleted_files, list) and bool(self.deleted_files)
        return self.event_type in FILE_DELETES or (
            self.event_type == "Download" and (self.is_upgrade or replaced)
        )


class RadarrWebhook(_Webhook):
    """A Radarr webhook payload; `movie` is required by the events Trailarr acts on."""

    movie: WebhookMovie | None = None

    @model_validator(mode="after")
    def _movie_when_needed(self) -> Self:
        if self.movie is None and RADARR_EVENTS.get(self.event_type) in _ACTING:
            raise ValueError(f"a {self.event_type} event must carry its movie")
        return self

    def event(self) -> WebhookEvent:
        action = RADARR_EVENTS.get(self.event_type, WebhookAction.IGNORED)
        movie = self.movie
        return WebhookEvent(
            arr_type=ArrType.RADARR,
            event_type=self.event_type,
            action=action,
            instance_name=self.instance_name,
            application_url=self.application_url,
            arr_id=movie.id if movie else None,
            title=_label(movie.title, movie.year) if movie else None,
            folder_changed=self._folder_changed(),
        )


class SonarrWebhook(_Webhook):
    """A Sonarr webhook payload; `series` is required by the events Trailarr acts on."""

    series: WebhookSeries | None = None

    @model_validator(mode="after")
    def _series_when_needed(self) -> Self:
        if self.series is None and SONARR_EVENTS.get(self.event_type) in _ACTING:
            raise ValueError(f"a {self.event_type} event must carry its series")
        return self

    def event(self) -> WebhookEvent:
        action = SONARR_EVENTS.get(self.event_type, WebhookAction.IGNORED)
        series = self.series
        return WebhookEvent(
            arr_type=ArrType.SONARR,
            event_type=self.event_type,
            action=action,
            instance_name=self.instance_name,
            application_url=self.application_url,
            arr_id=series.id if series else None,
            title=_label(series.title, series.year) if series else None,
            folder_changed=self._folder_changed(),
        )


class WebhookAnswer(BaseModel):
    """The answer to a webhook: what Trailarr does with it (the work runs afterwards)."""

    event: str = Field(description="The payload's eventType")
    action: WebhookAction
    message: str
    connection_id: int | None = Field(default=None, description="The matched connection")


def _normal_url(url: str | None) -> str | None:
    """An app address compared without case in scheme and host, without a trailing slash."""
    text = (url or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _where_to_match(app: str) -> str:
    return (
        f"set {app}'s Application URL (Settings → General) to the URL of its connection in"
        " Trailarr, or name that connection as the app's Instance Name"
    )


def find_connection(event: WebhookEvent) -> tuple[ConnectionRead | None, str]:
    """The saved connection that sent `event`, or None and why; blocking (reads the database).

    The only connection of the app's type; among several, the one whose URL is the
    payload's `applicationUrl`, else the one named as its `instanceName` (any case).
    """
    candidates = [c for c in ConnectionManager().read_all() if c.arr_type == event.arr_type]
    if not candidates:
        return None, (
            f"No {event.app} connection in Trailarr: add this {event.app} under Settings →"
            " Connections, then its webhooks are acted on"
        )
    if len(candidates) == 1:
        return candidates[0], ""
    url = _normal_url(event.application_url)
    by_url = [c for c in candidates if url is not None and _normal_url(c.url) == url]
    if len(by_url) == 1:
        return by_url[0], ""
    name = (event.instance_name or "").strip().casefold()
    by_name = [c for c in by_url or candidates if name and c.name.strip().casefold() == name]
    if len(by_name) == 1:
        return by_name[0], ""
    return None, (
        f"{len(candidates)} {event.app} connections, and none matches the webhook's"
        f" application URL {event.application_url or '(none)'!r} or instance name"
        f" {event.instance_name or '(none)'!r}: {_where_to_match(event.app)}"
    )


def receive(event: WebhookEvent) -> WebhookAnswer:
    """The answer to `event`, logged; blocking (reads the connections). When its action is
    SYNC or REMOVE, `handle` is to run next with the answer's connection."""
    source = f"{event.app} webhook {event.event_type}"
    if event.action == WebhookAction.IGNORED:
        logger.debug(f"{source}: ignored (Trailarr does nothing on this event)")
        return WebhookAnswer(
            event=event.event_type,
            action=event.action,
            message=f"Trailarr does nothing on {event.event_type} events",
        )
    connection, why = find_connection(event)
    if event.action == WebhookAction.NONE:
        if connection is None:
            logger.warning(f"{source}: the webhook reaches Trailarr, but {why}")
            message = f"The webhook works, but: {why}"
        else:
            logger.info(f"{source}: the webhook of {connection.name} works")
            message = f"The webhook works (connection {connection.name})"
        return WebhookAnswer(
            event=event.event_type,
            action=event.action,
            message=message,
            connection_id=connection.id if connection else None,
        )
    if connection is None:
        logger.warning(f"{source} for {event.title}: nothing done. {why}")
        return WebhookAnswer(
            event=event.event_type, action=WebhookAction.NO_CONNECTION, message=why
        )
    doing = "syncing it" if event.action == WebhookAction.SYNC else "removing it"
    logger.info(f"{source} for {event.title} from {connection.name}: {doing}")
    return WebhookAnswer(
        event=event.event_type,
        action=event.action,
        message=f"{event.title}: {doing} (connection {connection.name})",
        connection_id=connection.id,
    )


async def handle(event: WebhookEvent, connection_id: int) -> None:
    """The work of a webhook after its answer; never raises (a failure is logged)."""
    assert event.arr_id is not None
    source = f"{event.app} webhook {event.event_type} for {event.title}"
    work = remove_item if event.action == WebhookAction.REMOVE else sync_item
    try:
        result = await anyio.to_thread.run_sync(partial(work, connection_id, event.arr_id))
    except AppError as exc:
        logger.warning(f"{source}: not done: {exc.detail}")
        return
    except Exception as exc:  # the app keeps serving; the next scheduled sync catches up
        logger.exception(f"{source}: failed: {exc}")
        return
    _log_result(source, result)
    if event.folder_changed and result.media_id is not None:
        logger.info(
            f"{result.title}: a file in its folder was deleted or replaced; its trailer"
            " records are checked by the next reconciliation (the reconcile task)"
        )
    if event.action == WebhookAction.SYNC and result.media_id is not None:
        if result.monitor:
            await queue_missing_trailers(result.media_id, result.title or event.title or "")
        else:
            logger.info(f"{result.title} is not monitored: no trailer download queued")


def _log_result(source: str, result: ItemSyncResult) -> None:
    """One line per action, with the media's title (the payload's, in `source`)."""
    if result.outcome in {"added", "updated", "unchanged"}:
        logger.info(f"{source}: {result.outcome} in the library as {result.title}")
    elif result.outcome == "removed":
        logger.info(f"{source}: removed from the library (trailer files kept)")
    elif result.outcome == "absent":
        logger.info(f"{source}: gone from {result.connection_name}, not in the library")
    elif result.outcome == "kept":
        logger.info(f"{source}: still in {result.connection_name}, so kept")
    else:
        logger.warning(f"{source}: not brought in: {result.reason}")


def _engine_on() -> bool:
    if not get_settings().download_on_monitor:
        return False
    try:
        return TaskManager().read(DOWNLOAD_MISSING).enabled
    except NotFoundError:  # never stored: the task has its default (enabled)
        return True


_watchers: set[asyncio.Task[None]] = set()


async def queue_missing_trailers(media_id: int, title: str) -> list[QueueItem]:
    """Queue now the trailers the download-missing engine would fetch for this media: each
    applicable profile without a present trailer, not in its wait after failures, not
    queued or downloading already. Off with DOWNLOAD_ON_MONITOR or the task disabled.
    Call it on the event loop; the outcomes are recorded as the engine records them."""
    if not await anyio.to_thread.run_sync(_engine_on):
        logger.info(
            f"{title}: no download queued (DOWNLOAD_ON_MONITOR is off or the"
            f" {DOWNLOAD_MISSING} task is disabled); the scheduled run fetches it"
        )
        return []
    wanted = await anyio.to_thread.run_sync(plan, utc_now(), download_queue.pairs())
    queued: list[QueueItem] = []
    for item in wanted:
        if item.media_id != media_id:
            continue
        if item.downloading:
            logger.info(f"{title}: its trailer ({item.profile_name}) is downloading already")
        elif not item.due:
            logger.info(
                f"{title}: no download with profile {item.profile_name} before"
                f" {item.next_attempt_at:%Y-%m-%d %H:%M} UTC ({item.attempts} failed attempts)"
            )
        elif (added := await enqueue(item)) is not None:
            logger.info(f"{title}: trailer download queued with profile {item.profile_name}")
            queued.append(added)
            watcher = asyncio.create_task(_record_outcome(item, added))
            _watchers.add(watcher)
            watcher.add_done_callback(_watchers.discard)
    if not queued and not any(i.media_id == media_id for i in wanted):
        logger.info(f"{title} has the trailers its profiles want: no download queued")
    return queued


async def _record_outcome(item: WantedItem, queued: QueueItem) -> None:
    """As the engine: a success may stop monitoring, a failure starts or extends the wait."""
    try:
        result = await outcome(queued)
        if result.ok or result.cancelled:
            return
        await anyio.to_thread.run_sync(record_failure, item, result.reason or NO_TRAILER, utc_now())
    except Exception as exc:
        logger.error(f"Could not record the outcome of {item.title}'s download: {exc}")
