"""Waiting for work that runs in the background: a generous deadline, frequent polls.

A test never fails because the machine is slow. A wait ends as soon as its condition holds and
gives up only after `WAIT_SECONDS`, which nothing here comes near unless it is broken.
"""

from __future__ import annotations

import time
from collections.abc import Callable

WAIT_SECONDS = 120.0


def wait_until[T](
    check: Callable[[], T], what: str, *, timeout: float = WAIT_SECONDS, interval: float = 0.05
) -> T:
    """Call `check` until it returns something truthy, and return that.

    Raises AssertionError naming `what` when `timeout` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        time.sleep(interval)
