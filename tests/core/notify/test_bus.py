"""The Connect bus: events reach the subscribers on the loop's thread, from any thread."""

from __future__ import annotations

import asyncio
import threading

import anyio
import anyio.to_thread
import pytest

from core.notify.bus import ConnectBus, ConnectEvent, ConnectEventKind

pytestmark = [pytest.mark.anyio, pytest.mark.no_database]


def _event(message: str = "m") -> ConnectEvent:
    return ConnectEvent(kind=ConnectEventKind.DOWNLOADED, message=message, media_id=1)


def test_an_event_before_start_goes_nowhere() -> None:
    bus = ConnectBus()
    got: list[ConnectEvent] = []
    bus.subscribe(got.append)
    bus.publish(_event())
    assert got == []


async def test_events_from_the_loop_and_from_a_thread_reach_every_subscriber() -> None:
    bus = ConnectBus()
    bus.start(asyncio.get_running_loop())
    loop_thread = threading.get_ident()
    seen: list[tuple[str, int]] = []
    bus.subscribe(lambda e: seen.append((e.message, threading.get_ident())))
    other: list[str] = []
    bus.subscribe(lambda e: other.append(e.message))

    bus.publish(_event("on the loop"))
    await anyio.to_thread.run_sync(bus.publish, _event("from a thread"))
    await asyncio.sleep(0)

    assert [m for m, _ in seen] == ["on the loop", "from a thread"]
    assert {t for _, t in seen} == {loop_thread}
    assert other == ["on the loop", "from a thread"]


async def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    bus = ConnectBus()
    bus.start(asyncio.get_running_loop())

    def broken(_event: ConnectEvent) -> None:
        raise RuntimeError("boom")

    got: list[ConnectEvent] = []
    bus.subscribe(broken)
    bus.subscribe(got.append)
    bus.publish(_event())
    assert len(got) == 1
    bus.unsubscribe(got.append)
    bus.stop()
    bus.publish(_event())
    assert len(got) == 1
