"""Live messages out of the core: progress and outcomes, for whoever listens.

The core never imports the API. It announces what happens (a download's progress, its
end) through `notifier`; the app connects the websocket to it at start-up (main.py).
With nothing connected (a script, a unit test), a message goes nowhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app_logger import ModuleLogger

logger = ModuleLogger("Notifier")


Sink = Callable[..., Awaitable[None]]
"""Where messages go: `await sink(message, type, **data)`."""


class Notifier:
    """Sends each message to the connected sinks; a failing sink never stops the sender."""

    def __init__(self) -> None:
        self._sinks: list[Sink] = []

    def connect(self, sink: Sink) -> None:
        if sink not in self._sinks:
            self._sinks.append(sink)

    def disconnect(self, sink: Sink) -> None:
        if sink in self._sinks:
            self._sinks.remove(sink)

    async def send(self, message: str, type: str = "Info", **data: Any) -> None:
        """`{"type": type, "message": message, **data}` to every sink."""
        for sink in list(self._sinks):
            try:
                await sink(message, type, **data)
            except Exception as exc:
                logger.debug(f"A live message was not delivered: {exc}")


notifier = Notifier()
