"""Notifications: the Connect bus' events sent to the user's Apprise URLs (Settings > Connect).

Apprise does the sending (one URL form for ~190 services: Discord, Telegram, ntfy, e-mail,
a JSON webhook, ...); this module decides what to send, when, and keeps the URLs secret.

- **What.** `downloaded`, `download_failed`, `trailer_missing`, `task_failed` and `health`
  events go to the enabled targets that want them (`trailer_deleted` is the user's own act
  and is not notified).
- **When.** Events are gathered: a batch closes once no event came for
  NOTIFY_BATCH_SECONDS, or NOTIFY_BATCH_MAX_SECONDS after its first event. A batch of one
  is sent as that event's own message ("Trailer downloaded" / "Trailer downloaded for Alien
  (1979)"); a larger one as one summary per target ("12 trailers downloaded: A, B, C … and 9
  more", each kind counted on its own line). A library-wide run of 2,000 downloads is then
  a few messages, not 2,000.
- **Never in the way.** The bus hands each event to `NotificationDispatcher` on the event
  loop, which only queues it; a background task sends. Apprise's `notify` blocks, so it runs
  in a worker thread with Apprise's own deadline and an outer one; targets are sent to at the
  same time, and one that fails or hangs is logged (by its name) and does not hold the others.
- **Secrets.** An Apprise URL holds tokens and passwords. The API shows Apprise's privacy
  form of it (`masked_url`); every stored URL and the secret parts of it are given to the
  log filter (`remember_url_secrets`) at start-up and when saved, and errors returned by a
  test are stripped of them.

Apprise is imported on first use (it loads its plugins then, a second or more on a small
machine), so that a start-up without notification targets does not pay for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TYPE_CHECKING
from urllib.parse import unquote

import anyio

from app_logger import MIN_SECRET_LENGTH, REDACTED, ModuleLogger, remember_secret
from config import get_settings
from core.base.database.manager.notification import NotificationTargetManager
from core.base.database.models.notification import NotificationEvent, NotificationTargetRead
from core.exceptions import InvalidInputError
from core.notify.bus import ConnectBus, ConnectEvent
from core.notify.bus import bus as connect_bus

if TYPE_CHECKING:
    from apprise import NotifyBase

logger = ModuleLogger("Notifications")

TEST_TITLE = "Trailarr test notification"
TEST_BODY = "This is a test notification from Trailarr: this target works."
MASK = "********"
NAMES_SHOWN = 3
"""Names listed per kind in a summary; the rest are counted ("… and 9 more")."""
STOP_GRACE_SECONDS = 5.0
"""How much longer than one send's timeout the shutdown waits for the last batch."""
OUTER_GRACE_SECONDS = 2.0
"""How much longer than Apprise's own deadline a send may take before it is abandoned."""


class NotificationUrlError(InvalidInputError):
    """An Apprise URL that Apprise does not understand (422); the message never holds it."""


@dataclass(frozen=True)
class SendResult:
    """How a send went: `error` says what went wrong, without the URL's secrets."""

    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    notify_type: str
    """Apprise's notification type: info, success, warning or failure."""


# Apprise URLs ------------------------------------------------------------------------------

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_PIECE = re.compile(r"[^/:@?&=#]+")
_QUERY_KEY = re.compile(r"[?&]([^=&#]+)=")


def _scheme(url: str) -> str | None:
    match = _SCHEME.match(url)
    return match[1].lower() if match else None


def _plugin(url: str) -> NotifyBase:
    """Apprise's service object for `url`; NotificationUrlError when it has none."""
    # Apprise logs a URL it cannot load in full: the filter hides it before it does.
    remember_secret(url)
    scheme = _scheme(url)
    if scheme is None:
        raise NotificationUrlError(
            "Not an Apprise URL: it starts with the service, e.g. discord://, tgram://, "
            "ntfy:// or json://"
        )
    import apprise  # loads Apprise's plugins: the first use takes a moment

    services = apprise.NotificationManager()
    if scheme not in services:
        raise NotificationUrlError(f"Apprise has no service called {scheme}://")
    service = services[scheme]
    if not service.enabled:
        raise NotificationUrlError(
            f"The {service.service_name} service ({scheme}://) is not available here"
        )
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise NotificationUrlError(
            f"Apprise cannot use this {service.service_name} URL ({scheme}://): a part of it "
            "is missing or malformed; see Apprise's documentation of the service"
        )
    return plugin


def check_url(url: str) -> None:
    """NotificationUrlError unless Apprise understands `url`; its secrets are hidden from the
    logs either way. Blocking: the first call loads Apprise."""
    _plugin(url)
    remember_url_secrets(url)


@lru_cache(maxsize=512)
def masked_url(url: str) -> str:
    """Apprise's privacy form of `url` (`discord://1...2/a...x/?...`): the service and its
    host show, its tokens and passwords do not. `scheme://********` for a URL that Apprise
    does not understand (any more)."""
    try:
        return str(_plugin(url).url(privacy=True))
    except NotificationUrlError:
        scheme = _scheme(url)
        return f"{scheme}://{MASK}" if scheme else MASK


@lru_cache(maxsize=512)
def url_secrets(url: str) -> frozenset[str]:
    """The URL itself and the parts of it that its privacy form hides (tokens, passwords,
    keys). Query keys are not secrets, and parts shorter than the log filter's minimum are
    left out (they would hide ordinary words)."""
    shown = masked_url(url)
    rest = url.split("://", 1)[-1]
    keys = set(_QUERY_KEY.findall(rest))
    found = {url}
    for piece in _PIECE.findall(rest):
        for form in {piece, unquote(piece)}:
            if len(form) >= MIN_SECRET_LENGTH and form not in keys and form not in shown:
                found.add(form)
    return frozenset(found)


def remember_url_secrets(url: str) -> None:
    """Hide `url` and its secret parts wherever they would appear in a log line."""
    remember_secret(url)
    for secret in url_secrets(url):
        remember_secret(secret)


def remember_target_secrets(manager: NotificationTargetManager | None = None) -> int:
    """Hide every stored target's URL from the logs; how many there are. Blocking."""
    targets = (manager or NotificationTargetManager()).read_all()
    for target in targets:  # the whole URLs first, before Apprise is loaded
        remember_secret(target.url)
    for target in targets:
        remember_url_secrets(target.url)
    return len(targets)


def redact(text: str, url: str) -> str:
    """`text` without `url` or any of its secrets."""
    for secret in sorted(url_secrets(url), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


# Sending -----------------------------------------------------------------------------------


def send_blocking(url: str, message: Message, *, timeout: float) -> SendResult:
    """Send `message` to `url` through Apprise, waiting at most about `timeout` seconds."""
    try:
        plugin = _plugin(url)
    except NotificationUrlError as exc:
        return SendResult(ok=False, error=exc.detail)
    import apprise

    targets = apprise.Apprise()
    targets.add(plugin)
    result = targets.notify(
        body=message.body,
        title=message.title,
        notify_type=message.notify_type,
        body_format=apprise.NotifyFormat.TEXT,
        timeout=timeout,
    )
    if result:
        return SendResult(ok=True)
    if result.status == apprise.AppriseResultStatus.TIMEOUT:
        answer = f"{plugin.service_name} gave no answer within {timeout:g} s"
        return SendResult(ok=False, error=answer)
    said = list(dict.fromkeys(entry.message.strip() for entry in result.logs()))
    error = " ".join(said) or f"{plugin.service_name} did not accept the notification"
    return SendResult(ok=False, error=redact(error, url))


async def send(url: str, message: Message, *, seconds: float) -> SendResult:
    """`send_blocking` in a worker thread, given `seconds`; past them (and a grace) it gives
    up, leaving the thread to end. Never raises: a failure is the result."""
    try:
        with anyio.fail_after(seconds + OUTER_GRACE_SECONDS):
            return await anyio.to_thread.run_sync(
                partial(send_blocking, url, message, timeout=seconds), abandon_on_cancel=True
            )
    except TimeoutError:
        return SendResult(ok=False, error=f"No answer within {seconds:g} s")
    except Exception as exc:
        return SendResult(
            ok=False, error=redact(f"The notification could not be sent: {exc!r}", url)
        )


async def send_test(url: str) -> SendResult:
    """Send the test message to `url` now."""
    test = Message(title=TEST_TITLE, body=TEST_BODY, notify_type="info")
    return await send(url, test, seconds=get_settings().notify_send_timeout)


# Messages ----------------------------------------------------------------------------------

TITLES = {
    NotificationEvent.DOWNLOADED: "Trailer downloaded",
    NotificationEvent.DOWNLOAD_FAILED: "Trailer download failed",
    NotificationEvent.TRAILER_MISSING: "Trailer missing",
    NotificationEvent.TASK_FAILED: "Task failed",
    NotificationEvent.HEALTH: "Trailarr health problem",
}
COUNTED = {
    NotificationEvent.DOWNLOADED: ("trailer downloaded", "trailers downloaded"),
    NotificationEvent.DOWNLOAD_FAILED: ("trailer download failed", "trailer downloads failed"),
    NotificationEvent.TRAILER_MISSING: ("trailer missing", "trailers missing"),
    NotificationEvent.TASK_FAILED: ("task failed", "tasks failed"),
    NotificationEvent.HEALTH: ("health problem", "health problems"),
}
TYPES = {
    NotificationEvent.DOWNLOADED: "success",
    NotificationEvent.DOWNLOAD_FAILED: "failure",
    NotificationEvent.TRAILER_MISSING: "warning",
    NotificationEvent.TASK_FAILED: "failure",
    NotificationEvent.HEALTH: "failure",
}
_SEVERITY = ["info", "success", "warning", "failure"]


def notification_event(event: ConnectEvent) -> NotificationEvent | None:
    """The notification event of a bus event; None for those not notified."""
    try:
        return NotificationEvent(event.kind.value)
    except ValueError:
        return None


def _label(event: ConnectEvent) -> str:
    """What a summary lists for an event: the media, or the message when there is none."""
    return event.media_title or event.message


def _summary_line(kind: NotificationEvent, events: Sequence[ConnectEvent]) -> tuple[str, str]:
    """("12 trailers downloaded", "12 trailers downloaded: A, B, C … and 9 more")."""
    one, many = COUNTED[kind]
    head = f"{len(events)} {one if len(events) == 1 else many}"
    names = ", ".join(_label(event) for event in events[:NAMES_SHOWN])
    more = len(events) - NAMES_SHOWN
    return head, f"{head}: {names}" + (f" … and {more} more" if more > 0 else "")


def compose(events: Sequence[ConnectEvent]) -> Message:
    """One message for the events of a batch (those a target wants, in order)."""
    by_kind: dict[NotificationEvent, list[ConnectEvent]] = {}
    for event in events:
        if (kind := notification_event(event)) is not None:
            by_kind.setdefault(kind, []).append(event)
    if len(by_kind) == 1 and len(lone := next(iter(by_kind.values()))) == 1:
        kind, event = next(iter(by_kind)), lone[0]
        return Message(title=TITLES[kind], body=event.message, notify_type=TYPES[kind])
    lines = [_summary_line(kind, by_kind[kind]) for kind in NotificationEvent if kind in by_kind]
    worst = max((TYPES[kind] for kind in by_kind), key=_SEVERITY.index, default="info")
    return Message(
        title=", ".join(head for head, _ in lines),
        body="\n".join(line for _, line in lines),
        notify_type=worst,
    )


# The dispatcher ----------------------------------------------------------------------------


class NotificationDispatcher:
    """Hears the Connect bus, gathers its events into batches, sends each batch's message to
    the targets that want it. `start` and `stop` are called by the app's lifespan."""

    def __init__(
        self,
        bus: ConnectBus = connect_bus,
        manager: NotificationTargetManager | None = None,
    ) -> None:
        self._bus = bus
        self._manager = manager or NotificationTargetManager()
        self._queue: asyncio.Queue[ConnectEvent | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._batch_seconds = 5.0
        self._batch_max_seconds = 60.0
        self._timeout = 30.0

    @property
    def running(self) -> bool:
        """Started on the running loop and not ended (a task of another, ended loop is
        left behind)."""
        task = self._task
        if task is None or task.done():
            return False
        try:
            return task.get_loop() is asyncio.get_running_loop()
        except RuntimeError:
            return False

    async def start(self) -> None:
        """Subscribe to the bus and send in the background (settings read now)."""
        if self.running:
            return
        settings = get_settings()
        self._batch_seconds = settings.notify_batch_seconds
        self._batch_max_seconds = settings.notify_batch_max_seconds
        self._timeout = settings.notify_send_timeout
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run(self._queue), name="notifications")
        self._bus.subscribe(self._on_event)

    async def stop(self) -> None:
        """Unsubscribe, send what is pending at once, and return within about one send's
        timeout (a send still running then is abandoned)."""
        self._bus.unsubscribe(self._on_event)
        task, queue = self._task, self._queue
        self._task = self._queue = None
        if task is None or queue is None or task.get_loop() is not asyncio.get_running_loop():
            return
        queue.put_nowait(None)
        done, _ = await asyncio.wait({task}, timeout=self._timeout + STOP_GRACE_SECONDS)
        if not done:
            logger.warning("Notifications still sending at shutdown were abandoned")
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _on_event(self, event: ConnectEvent) -> None:
        """The bus' subscriber: queues the event and returns."""
        if self._queue is not None and notification_event(event) is not None:
            self._queue.put_nowait(event)

    async def _run(self, queue: asyncio.Queue[ConnectEvent | None]) -> None:
        try:
            count = await anyio.to_thread.run_sync(remember_target_secrets, self._manager)
            logger.debug(f"{count} notification target(s)")
        except Exception as exc:  # they are remembered again when one is used
            logger.warning(f"Could not read the notification targets: {exc}")
        stopping = False
        while not stopping:
            batch, stopping = await self._gather(queue)
            if batch:
                try:
                    await self._deliver(batch)
                except Exception as exc:  # the next batch is still sent
                    logger.error(f"Notifications of {len(batch)} event(s) were not sent: {exc}")

    async def _gather(
        self, queue: asyncio.Queue[ConnectEvent | None]
    ) -> tuple[list[ConnectEvent], bool]:
        """The next batch, and whether the dispatcher is stopping (then at once)."""
        first = await queue.get()
        if first is None:
            return [], True
        batch = [first]
        loop = asyncio.get_running_loop()
        closes_at = loop.time() + self._batch_max_seconds
        while True:
            while not queue.empty():  # a burst is taken without waiting per event
                item = queue.get_nowait()
                if item is None:
                    return batch, True
                batch.append(item)
            wait = min(self._batch_seconds, closes_at - loop.time())
            if wait <= 0:
                return batch, False
            try:
                item = await asyncio.wait_for(queue.get(), wait)
            except TimeoutError:
                return batch, False
            if item is None:
                return batch, True
            batch.append(item)

    async def _deliver(self, batch: list[ConnectEvent]) -> None:
        kinds = {kind for event in batch if (kind := notification_event(event)) is not None}
        targets = await anyio.to_thread.run_sync(
            partial(self._manager.read_listening, kinds), abandon_on_cancel=True
        )
        async with anyio.create_task_group() as group:
            for target in targets:
                wanted = [e for e in batch if notification_event(e) in target.events]
                if wanted:
                    group.start_soon(self._send_to, target, compose(wanted))

    async def _send_to(self, target: NotificationTargetRead, message: Message) -> None:
        result = await send(target.url, message, seconds=self._timeout)
        if result.ok:
            logger.debug(f"Notification sent to {target.name!r}: {message.title}")
        else:
            logger.warning(f"Notification to {target.name!r} failed: {result.error}")


notifications = NotificationDispatcher()
"""The app's dispatcher, started and stopped by `main.lifespan`."""
