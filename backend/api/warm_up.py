"""The routes made ready ahead of their first request, off the event loop.

FastAPI (0.163) builds the routes of an included router when a request first looks through
that router: each route's dependencies, request and response validators, for every route
of the router at once (about 0.5 s of CPU for the app's ~90 routes on a 2-core machine),
and reads each endpoint's source file for its error messages on the endpoint's first
request. Both happened on the event loop, so the first request of each router held every
other request: GET /status stalled 40-70 ms, more under load, at the moment the first
downloads or the first reconcile were asked for (bench/load.py, with a watchdog on the
loop). `prepare_routes` does that work once, in a thread of its own, right after the app
starts serving (backend/cli.py); a request that comes in the meantime waits for its router
only (FastAPI builds each router under a lock).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi import routing as fastapi_routing

from app_logger import ModuleLogger

logger = ModuleLogger("Startup")


def _endpoints(routes: Any) -> Iterator[Callable[..., Any]]:
    """Every endpoint of `routes`, building the included routers' routes on the way."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):  # an included router: iterating builds its routes
            for context in contexts():
                yield from _endpoints([context])
            continue
        dependant = getattr(route, "dependant", None)
        if dependant is not None and dependant.call is not None:
            yield dependant.call


def prepare_routes(app: FastAPI) -> int:
    """Build every route of `app` now and read its endpoint's context; the number of
    endpoints (0 when that failed: the routes are then built by their first requests, as
    FastAPI does by itself). Blocking (about 0.5 s of CPU): run it in a worker thread."""
    started = time.perf_counter()
    # Private in FastAPI: without it, each endpoint's first request reads its source file.
    extract_context = getattr(fastapi_routing, "_extract_endpoint_context", None)
    count = 0
    try:
        for endpoint in _endpoints(app.router.routes):
            if extract_context is not None:
                extract_context(endpoint)
            count += 1
    except Exception as exc:
        logger.warning(f"The routes will be built by their first requests: {exc!r}")
        return 0
    logger.debug(f"{count} routes ready in {time.perf_counter() - started:.2f} s")
    return count
