"""The `trailarr` command: check settings, migrate the database, serve the app.

Once the app serves, the console says where: `Trailarr is ready: http://localhost:7889`.
Heavy libraries (yt-dlp, Alembic, httpx, Pillow) are not imported on the way there: each
loads on first use (bench/startup.py measures the start).

`trailarr migrate-db --to postgresql+psycopg://...` moves the SQLite library to PostgreSQL
instead (core/base/database/transfer.py).
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from config.settings import Settings

READY = "Trailarr is ready: "
LOOPBACK_OR_ANY = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1", "", "localhost"})
"""Hosts that a browser on this machine reaches as `localhost`."""
STARTUP_FAILURE = 3
"""The exit code of a server that never served (uvicorn's)."""


def _settings_error(exc: ValidationError) -> str:
    """One line naming the first bad variable, its value and what is wrong with it."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())).upper() or "settings"
    value = first.get("input")
    shown = f"={value!r}" if isinstance(value, str | int) else ""
    message = " ".join(str(first.get("msg", "invalid")).split())
    return f"trailarr: invalid setting {field}{shown}: {message}"


def _exit_cleanly(signum: int, _frame: FrameType | None) -> None:
    """Stop with status 0 on SIGTERM or SIGINT.

    While it serves, uvicorn handles these signals itself: it shuts down gracefully, puts
    this handler back and raises the signal again, which then ends the process with 0
    instead of being killed by the default action. Before uvicorn starts, it just exits.
    """
    raise SystemExit(0)


def _api_keys() -> tuple[str]:
    """The API key in use, for the log filter (kept in memory after the first call)."""
    from config import get_settings

    return (get_settings().api_key(),)


def browser_url(host: str, port: int) -> str:
    """The address to open in a browser for a server listening on `host`:`port`."""
    shown = "localhost" if host in LOOPBACK_OR_ANY else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def serve(settings: Settings) -> bool:
    """Run uvicorn on the app until it is stopped; print the ready line once it serves.
    False when it never served."""
    import socket

    import uvicorn

    from main import app

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                port = self.servers[0].sockets[0].getsockname()[1] if self.servers else None
                url = browser_url(settings.app_host, port or settings.app_port)
                print(f"{READY}{url}", flush=True)
            serving(app)

    config = uvicorn.Config(
        app,
        host=settings.app_host,
        port=settings.app_port,
        log_config=None,
        # Access lines are DEBUG lines (app_logger), written only while the level is DEBUG;
        # always on here, since System > Logs changes the level while the app runs.
        access_log=True,
        # X-Forwarded-For is read by the app alone, behind TRUSTED_PROXIES.
        proxy_headers=False,
    )
    server = Server(config)
    server.run()
    return server.started


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trailarr", description="Serve Trailarr (with no command), or move its database."
    )
    commands = parser.add_subparsers(dest="command")
    move = commands.add_parser(
        "migrate-db",
        help="copy the SQLite library into an empty PostgreSQL database",
        description="Copy the SQLite database into an empty PostgreSQL database, table by "
        "table, and check the copy; the SQLite file is only read. Then set DATABASE_URL.",
    )
    move.add_argument("--to", required=True, metavar="URL", help="postgresql+psycopg://...")
    move.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="the SQLite file (default: the one in APP_DATA_DIR)",
    )
    return parser


def migrate_db(source: Path | None, target: str) -> int:
    """`trailarr migrate-db`: the transfer with a progress bar per table."""
    from tqdm import tqdm

    from config import get_settings
    from config.settings import url_without_password
    from core.base.database.transfer import TransferError, transfer

    path = source or get_settings().sqlite_path
    if path is None:
        print("trailarr: DATABASE_URL is not SQLite: give the file with --from", file=sys.stderr)
        return 2
    bars: dict[str, tqdm[Any]] = {}

    def progress(table: str, done: int, total: int) -> None:
        if table not in bars:
            bars[table] = tqdm(total=total, desc=table, unit=" rows", file=sys.stderr)
        bar = bars[table]
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    try:
        summary = transfer(path, target, progress=progress)
    except TransferError as exc:
        print(f"trailarr: {exc}", file=sys.stderr)
        return 1
    finally:
        for bar in bars.values():
            bar.close()
    print(
        f"Moved {summary.rows} rows in {len(summary.tables)} tables at revision "
        f"{summary.revision} to {url_without_password(target)}; counts and ids match. "
        f"{path} is unchanged. Set DATABASE_URL to the new database to use it."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `trailarr` console script."""
    args = _parser().parse_args(argv)
    from config import get_settings

    try:
        settings = get_settings()
    except ValidationError as exc:
        print(_settings_error(exc), file=sys.stderr)
        return 2
    if args.command == "migrate-db":
        return migrate_db(args.source, args.to)
    with collector_paused_until_ready():
        return start(settings)


@contextmanager
def collector_paused_until_ready() -> Iterator[None]:
    """No cyclic garbage collection while the app starts (until `serving`, or the end).

    Start-up creates hundreds of thousands of objects (classes, schemas, SQL constructs)
    that live as long as the process; the collector would go through them again and again
    for next to no garbage: pausing it saves about a tenth of the start-up's CPU time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


SWITCH_INTERVAL_SECONDS = 0.001
"""How long a thread may hold the interpreter while another waits for it (Python: 5 ms)."""


def serving(app: FastAPI) -> None:
    """Once the app serves: what start-up made is kept out of later collections
    (`gc.freeze`), and the collector runs again. The routes are made ready in a thread of
    their own (api/warm_up.py), rather than by their first requests on the event loop.

    And threads take turns in the interpreter every millisecond rather than every 5 ms.
    A request reading the history gives the interpreter up at each step of its query and
    each row; while a busy thread (a reconcile's scan, yt-dlp, a sync) runs, each time
    back cost up to the whole interval: hundreds of waits of 5 ms made a 20 ms page take a
    second (bench/load.py).
    """
    gc.freeze()
    gc.enable()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    from api.warm_up import prepare_routes

    threading.Thread(target=prepare_routes, args=(app,), name="routes", daemon=True).start()


def start(settings: Settings) -> int:
    """Migrate, check and serve; the exit code."""
    from app_logger import ModuleLogger, configure_logging

    # The API key is hidden wherever a log line shows it (a request's ?api_key=..., say).
    # The level chosen on System > Logs, kept in APP_DATA_DIR, wins over LOG_LEVEL.
    from core.system.logs import start_level

    level = start_level(settings.app_data_dir, settings.log_level)
    configure_logging(level, settings.logs_dir, secrets=_api_keys)
    _api_keys()  # read or made once here, before any thread could race to make it
    logger = ModuleLogger("Startup")

    from core.backup.restore import RestoreError, apply_staged_restore

    try:
        apply_staged_restore()  # a restore staged on System > Backup, before the migrations
    except RestoreError as exc:
        logger.error(f"Cannot start: {exc}")
        print(f"trailarr: {exc}", file=sys.stderr)
        return 1

    from core.base.database.migrate import MigrationError, upgrade_database

    try:
        upgrade_database()
    except MigrationError as exc:
        logger.error(f"Cannot start: {exc}")
        print(f"trailarr: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        logger.exception(f"Cannot start: the database upgrade failed: {exc}")
        print(f"trailarr: the database upgrade failed: {exc}", file=sys.stderr)
        return 1

    from core.base.health import DatabaseNotWritableError, check_database_writable

    try:
        check_database_writable()  # else every change would fail with a 500 after start-up
    except DatabaseNotWritableError as exc:
        logger.error(f"Cannot start: {exc}")
        print(f"trailarr: {exc}", file=sys.stderr)
        return 1

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    logger.info(f"Trailarr {settings.version} starting on {settings.app_host}:{settings.app_port}")
    if not serve(settings):
        return STARTUP_FAILURE
    logger.info("Trailarr stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
