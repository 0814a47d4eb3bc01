"""Notifications: bus events batched and sent through Apprise to a real local JSON receiver."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.to_thread
import pytest

from app_logger import RedactSecrets
from config import get_settings
from core.base.database.manager.notification import NotificationTargetManager
from core.base.database.models.notification import (
    NotificationEvent,
    NotificationTargetCreate,
    NotificationTargetRead,
)
from core.notify.bus import ConnectBus, ConnectEvent, ConnectEventKind
from core.notify.notifications import (
    NotificationDispatcher,
    NotificationUrlError,
    check_url,
    compose,
    masked_url,
    remember_target_secrets,
    send_test,
)
from tests.utils.net import free_port
from tests.utils.notify_receiver import NotifyReceiver
from tests.utils.wait import WAIT_SECONDS

ALL_EVENTS = list(NotificationEvent)
SECRET = "s3cretPassw0rd"
REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def quick_batches(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches close after a short quiet time; the cap stays far away."""
    monkeypatch.setenv("NOTIFY_BATCH_SECONDS", "0.3")
    monkeypatch.setenv("NOTIFY_BATCH_MAX_SECONDS", "600")
    monkeypatch.setenv("NOTIFY_SEND_TIMEOUT", "20")
    get_settings.cache_clear()


def make_target(
    url: str,
    events: list[NotificationEvent] | None = None,
    *,
    name: str = "Target",
    enabled: bool = True,
) -> NotificationTargetRead:
    return NotificationTargetManager().create(
        NotificationTargetCreate(
            name=name, url=url, enabled=enabled, events=ALL_EVENTS if events is None else events
        )
    )


def event(
    kind: ConnectEventKind = ConnectEventKind.DOWNLOADED, title: str = "Alien (1979)"
) -> ConnectEvent:
    messages = {
        ConnectEventKind.DOWNLOADED: f"Trailer downloaded for {title}",
        ConnectEventKind.DOWNLOAD_FAILED: f"No trailer could be downloaded for {title}",
        ConnectEventKind.TRAILER_MISSING: f"The trailer of {title} is missing from disk",
        ConnectEventKind.TRAILER_DELETED: f"Trailer deleted for {title}",
    }
    if kind in messages:
        return ConnectEvent(kind=kind, message=messages[kind], media_id=1, media_title=title)
    return ConnectEvent(kind=kind, message=f"{kind.value}: {title}")


@asynccontextmanager
async def dispatching() -> AsyncIterator[tuple[ConnectBus, NotificationDispatcher]]:
    """A bus of its own and a dispatcher on it, started; stopped (pending sent) at the end."""
    bus = ConnectBus()
    bus.start(asyncio.get_running_loop())
    dispatcher = NotificationDispatcher(bus)
    await dispatcher.start()
    try:
        yield bus, dispatcher
    finally:
        await dispatcher.stop()
        bus.stop()


async def received(receiver: NotifyReceiver, count: int, path: str) -> list[dict[str, object]]:
    """The posts to `path` once there are `count`, waited for off the event loop."""
    return await anyio.to_thread.run_sync(receiver.wait_for, count, path)


async def until(check: Callable[[], object], what: str) -> None:
    """Wait on the event loop (which keeps running meanwhile) until `check()` is true."""
    try:
        with anyio.fail_after(WAIT_SECONDS):
            while True:
                if check():
                    return
                await anyio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"{what} did not happen within {WAIT_SECONDS:g} s") from None


def dead_url(path: str = "dead", *, password: str = SECRET) -> str:
    """A JSON target on a port nothing listens on."""
    return f"json://user:{password}@127.0.0.1:{free_port()}/{path}"


# Messages ----------------------------------------------------------------------------------


def test_a_lone_event_is_its_own_message() -> None:
    message = compose([event(ConnectEventKind.DOWNLOADED, "Alien (1979)")])
    assert message.title == "Trailer downloaded"
    assert message.body == "Trailer downloaded for Alien (1979)"
    assert message.notify_type == "success"
    failed = compose([event(ConnectEventKind.TASK_FAILED, "sync")])
    assert (failed.title, failed.notify_type) == ("Task failed", "failure")


def test_a_burst_is_one_summary_counting_each_kind() -> None:
    events = [event(ConnectEventKind.DOWNLOADED, f"Film {n}") for n in range(12)]
    events.insert(5, event(ConnectEventKind.DOWNLOAD_FAILED, "Broken (2001)"))
    message = compose(events)
    assert message.title == "12 trailers downloaded, 1 trailer download failed"
    assert message.body.splitlines() == [
        "12 trailers downloaded: Film 0, Film 1, Film 2 … and 9 more",
        "1 trailer download failed: Broken (2001)",
    ]
    assert message.notify_type == "failure"


def test_a_summary_of_a_few_lists_them_all() -> None:
    message = compose([event(title="A"), event(title="B")])
    assert message.body == "2 trailers downloaded: A, B"


# Apprise URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("no scheme at all " + SECRET, "Not an Apprise URL"),
        (f"nosuchservice://{SECRET}@host", "no service called nosuchservice://"),
        ("json://", "cannot use this JSON URL"),
        (f"discord://{SECRET}", "cannot use this Discord URL"),
    ],
)
def test_a_url_apprise_does_not_understand_is_refused_without_showing_it(
    url: str, says: str
) -> None:
    with pytest.raises(NotificationUrlError) as refused:
        check_url(url)
    assert refused.value.status_code == 422
    assert says in refused.value.detail
    assert SECRET not in refused.value.detail


def test_the_masked_url_shows_the_service_not_the_secrets() -> None:
    json_url = f"json://user:{SECRET}@127.0.0.1:8080/hook"
    assert masked_url(json_url).startswith("json://user:****@127.0.0.1:8080/hook")
    discord = "discord://123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    shown = masked_url(discord)
    assert shown.startswith("discord://")
    assert "123456789012345678" not in shown
    assert "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" not in shown
    assert masked_url("unknown://abc") == "unknown://********"


def test_stored_urls_are_hidden_from_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    make_target(f"discord://123456789012345678/{token}")
    make_target(f"json://someone:{SECRET}@127.0.0.1:8080/webhook")
    assert remember_target_secrets() == 2
    redact = RedactSecrets().redact
    line = redact(f"posting to json://someone:{SECRET}@127.0.0.1:8080/webhook with {token}")
    assert SECRET not in line
    assert token not in line
    assert "posting to" in line
    # What the masked form shows (a user name, the path) is not hidden everywhere.
    assert redact("someone called the webhook") == "someone called the webhook"


# Sending -----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_test_message_arrives(notify_receiver: NotifyReceiver) -> None:
    result = await send_test(notify_receiver.url("/t", user="user", password=SECRET))
    assert result.ok, result.error
    [post] = await received(notify_receiver, 1, "/t")
    assert post["title"] == "Trailarr test notification"
    assert post["authorized"] is True


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_dead_target_answers_why_without_its_secret() -> None:
    result = await send_test(dead_url())
    assert result.ok is False
    assert result.error
    assert "127.0.0.1" in result.error
    assert SECRET not in result.error


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_lone_event_becomes_one_message(notify_receiver: NotifyReceiver) -> None:
    make_target(notify_receiver.url("/one"))
    async with dispatching() as (bus, _):
        bus.publish(event(ConnectEventKind.DOWNLOADED, "Alien (1979)"))
        [post] = await received(notify_receiver, 1, "/one")
    assert post["title"] == "Trailer downloaded"
    assert post["message"] == "Trailer downloaded for Alien (1979)"
    assert post["type"] == "success"
    assert len(notify_receiver.received("/one")) == 1  # still one once all is sent


@pytest.mark.slow
@pytest.mark.anyio
async def test_2000_events_at_once_are_one_message_per_target(
    notify_receiver: NotifyReceiver,
) -> None:
    make_target(notify_receiver.url("/a"), name="A")
    make_target(notify_receiver.url("/b"), name="B")
    async with dispatching() as (bus, _):
        for n in range(2000):
            bus.publish(event(ConnectEventKind.DOWNLOADED, f"Film {n}"))
            if n % 400 == 0:
                bus.publish(event(ConnectEventKind.DOWNLOAD_FAILED, f"Broken {n}"))
        [a] = await received(notify_receiver, 1, "/a")
        [b] = await received(notify_receiver, 1, "/b")
    assert len(notify_receiver.received()) == 2  # nothing more came once all was sent
    assert a["title"] == b["title"] == "2000 trailers downloaded, 5 trailer downloads failed"
    assert a["message"] == b["message"]
    assert str(a["message"]).splitlines() == [
        "2000 trailers downloaded: Film 0, Film 1, Film 2 … and 1997 more",
        "5 trailer downloads failed: Broken 0, Broken 400, Broken 800 … and 2 more",
    ]


@pytest.mark.slow
@pytest.mark.anyio
async def test_each_target_hears_only_what_it_wants_and_disabled_ones_nothing(
    notify_receiver: NotifyReceiver,
) -> None:
    make_target(notify_receiver.url("/downloads"), [NotificationEvent.DOWNLOADED])
    make_target(notify_receiver.url("/tasks"), [NotificationEvent.TASK_FAILED])
    make_target(notify_receiver.url("/nothing"), [])
    make_target(notify_receiver.url("/disabled"), enabled=False)
    make_target(notify_receiver.url("/all"))
    async with dispatching() as (bus, _):
        bus.publish(event(ConnectEventKind.DOWNLOADED, "Alien (1979)"))
        bus.publish(event(ConnectEventKind.TASK_FAILED, "sync"))
        bus.publish(event(ConnectEventKind.TRAILER_DELETED, "Heat (1995)"))
        [everything] = await received(notify_receiver, 1, "/all")
    # Stopped: whatever was pending has been sent.
    [downloads] = notify_receiver.received("/downloads")
    [tasks] = notify_receiver.received("/tasks")
    assert (downloads["title"], downloads["message"]) == (
        "Trailer downloaded",
        "Trailer downloaded for Alien (1979)",
    )
    assert (tasks["title"], tasks["message"]) == ("Task failed", "task_failed: sync")
    assert everything["title"] == "1 trailer downloaded, 1 task failed"
    assert "Heat" not in str(everything["message"])  # a deleted trailer is not notified
    assert notify_receiver.received("/nothing") == []
    assert notify_receiver.received("/disabled") == []


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_deleted_trailer_alone_sends_nothing(notify_receiver: NotifyReceiver) -> None:
    make_target(notify_receiver.url("/all"))
    async with dispatching() as (bus, _):
        bus.publish(event(ConnectEventKind.TRAILER_DELETED, "Heat (1995)"))
        bus.publish(event(ConnectEventKind.HEALTH, "the database cannot be written"))
        [post] = await received(notify_receiver, 1, "/all")
    assert post["title"] == "Trailarr health problem"
    assert len(notify_receiver.received()) == 1


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_dead_target_does_not_stop_the_others(
    notify_receiver: NotifyReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    make_target(dead_url(), name="Dead webhook")
    make_target(notify_receiver.url("/alive"), name="Alive")
    with caplog.at_level(logging.WARNING):
        async with dispatching() as (bus, _):
            bus.publish(event())
            [post] = await received(notify_receiver, 1, "/alive")
            await until(
                lambda: any("'Dead webhook' failed" in r.getMessage() for r in caplog.records),
                "a warning naming the dead target",
            )
    assert post["title"] == "Trailer downloaded"
    assert SECRET not in caplog.text


@pytest.mark.slow
@pytest.mark.anyio
async def test_publishing_never_waits_for_a_send(notify_receiver: NotifyReceiver) -> None:
    make_target(notify_receiver.url("/held"))
    notify_receiver.hold()
    try:
        async with dispatching() as (bus, _):
            bus.publish(event(title="First"))
            # The first message is in flight, unanswered; the loop runs on, publishing works.
            await until(lambda: notify_receiver.waiting == 1, "the first send in flight")
            bus.publish(event(title="Second"))
            bus.publish(event(title="Third"))
            assert notify_receiver.waiting == 1
            assert len(notify_receiver.received("/held")) == 1
            notify_receiver.release()
            posts = await received(notify_receiver, 2, "/held")
    finally:
        notify_receiver.release()
    assert posts[0]["message"] == "Trailer downloaded for First"
    assert posts[1]["title"] == "2 trailers downloaded"


@pytest.mark.slow
@pytest.mark.anyio
async def test_stopping_sends_what_is_pending_at_once(
    notify_receiver: NotifyReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_BATCH_SECONDS", "3600")  # only the stop can close the batch
    get_settings.cache_clear()
    make_target(notify_receiver.url("/pending"))
    async with dispatching() as (bus, _):
        bus.publish(event(title="Late"))
        bus.publish(event(title="Later"))
    [post] = notify_receiver.received("/pending")
    assert post["title"] == "2 trailers downloaded"


@pytest.mark.slow
@pytest.mark.anyio
async def test_stopping_does_not_wait_for_a_target_that_never_answers(
    notify_receiver: NotifyReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SEND_TIMEOUT", "2")
    get_settings.cache_clear()
    # Apprise's read timeout (rto) far beyond the send timeout: only the deadline ends it.
    make_target(notify_receiver.url("/stuck") + "?rto=3600")
    notify_receiver.hold()
    try:
        async with dispatching() as (bus, _):
            bus.publish(event())
            await until(lambda: notify_receiver.waiting == 1, "the send in flight")
        # Stopped while the target still holds the message unanswered.
        assert notify_receiver.waiting == 1
    finally:
        notify_receiver.release()


@pytest.mark.slow
@pytest.mark.anyio
async def test_the_receiver_runs_as_a_program_for_the_browser_tests() -> None:
    """`python -m tests.utils.notify_receiver --port 0` prints PORT=<n>, then lists what it
    received at GET /received."""
    import httpx

    process = await anyio.open_process(
        [sys.executable, "-m", "tests.utils.notify_receiver", "--port", "0"], cwd=REPO_ROOT
    )
    try:
        assert process.stdout is not None
        line = b""
        with anyio.fail_after(WAIT_SECONDS):
            while not line.endswith(b"\n"):
                line += await process.stdout.receive(1)
        assert line.startswith(b"PORT=")
        port = int(line.removeprefix(b"PORT=").strip())
        result = await send_test(f"json://user:{SECRET}@127.0.0.1:{port}/e2e")
        assert result.ok, result.error
        async with httpx.AsyncClient() as http:
            [post] = (await http.get(f"http://127.0.0.1:{port}/received")).json()
            assert (post["path"], post["title"]) == ("/e2e", "Trailarr test notification")
            assert (await http.delete(f"http://127.0.0.1:{port}/received")).status_code == 204
            assert (await http.get(f"http://127.0.0.1:{port}/received")).json() == []
    finally:
        process.terminate()
        with anyio.fail_after(WAIT_SECONDS):
            assert await process.wait() == 0


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_steady_stream_is_sent_at_the_cap_and_loses_no_event(
    notify_receiver: NotifyReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events keep coming closer together than the quiet time: without the cap on the wait,
    nothing would ever be sent while they do."""
    monkeypatch.setenv("NOTIFY_BATCH_SECONDS", "3600")
    monkeypatch.setenv("NOTIFY_BATCH_MAX_SECONDS", "0.5")
    get_settings.cache_clear()
    make_target(notify_receiver.url("/stream"))
    published = 0
    async with dispatching() as (bus, _):
        with anyio.fail_after(WAIT_SECONDS):
            while not notify_receiver.received("/stream"):
                bus.publish(event(title=f"Film {published}"))
                published += 1
                await anyio.sleep(0.02)
        bus.publish(event(title="After the first message"))
        published += 1
    posts = notify_receiver.received("/stream")
    assert len(posts) >= 2

    def count(title: object) -> int:
        return 1 if title == "Trailer downloaded" else int(str(title).split()[0])

    assert sum(count(post["title"]) for post in posts) == published
