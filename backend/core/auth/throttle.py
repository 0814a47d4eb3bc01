"""A limit on failed sign-ins per client address, kept in memory."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60
MAX_TRACKED_CLIENTS = 10_000


class LoginThrottle:
    """Refuses sign-ins from a client after `max_failures` failures within `window` seconds.

    A client is locked out until its oldest failure in the window is older than the window;
    a successful sign-in forgets its failures.
    """

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None when it may try now."""
        with self._lock:
            failures = self._recent(client)
            if len(failures) < self.max_failures:
                return None
            return max(1, math.ceil(failures[0] + self.window - self._clock()))

    def failed(self, client: str) -> None:
        with self._lock:
            failures = self._recent(client)
            failures.append(self._clock())
            self._failures[client] = failures
            if len(self._failures) > MAX_TRACKED_CLIENTS:
                self._forget_stale()

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.get(client, deque())
        horizon = self._clock() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures

    def _forget_stale(self) -> None:
        for client in list(self._failures):
            self._recent(client)
        # Still too many clients with recent failures: drop the ones that failed longest ago.
        excess = len(self._failures) - MAX_TRACKED_CLIENTS
        if excess > 0:
            oldest = sorted(self._failures, key=lambda c: self._failures[c][-1])[:excess]
            for client in oldest:
                del self._failures[client]


login_throttle = LoginThrottle()
