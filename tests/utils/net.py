"""Ports on 127.0.0.1 for servers that the tests start."""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any, Protocol


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer(Protocol):
    """A stand-in server of the tests: it listens on `port` until `close()`."""

    @property
    def port(self) -> int: ...

    def close(self) -> None: ...


def closing_factory[S: LocalServer](cls: type[S]) -> Iterator[type[S]]:
    """For a fixture: `cls` (a stand-in's class) to make servers with, as the test calls
    it; every server made is closed after the test."""
    made: list[S] = []

    # mypy cannot subclass a type variable's class; at run time it is the stand-in's.
    class Tracked(cls):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    yield Tracked
    for server in made:
        server.close()


def serve_until_stopped(server: LocalServer) -> int:
    """As a program (the browser tests start the stand-ins so): print `PORT=<n>`, serve
    until SIGTERM or Ctrl-C, close. The exit code."""
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"PORT={server.port}", flush=True)
    try:
        stop.wait()
    finally:
        server.close()
    return 0
