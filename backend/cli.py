"""The `trailarr` command: check settings, migrate the database, serve the app.

`trailarr migrate-db --to postgresql+psycopg://...` moves the SQLite library to PostgreSQL
instead (core/base/database/transfer.py).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic import ValidationError


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

    from app_logger import ModuleLogger, configure_logging

    # The API key is hidden wherever a log line shows it (a request's ?api_key=..., say).
    configure_logging(settings.log_level, settings.logs_dir, secrets=_api_keys)
    _api_keys()  # read or made once here, before any thread could race to make it
    logger = ModuleLogger("Startup")

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

    import uvicorn

    from main import app

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    logger.info(f"Trailarr {settings.version} listening on {settings.app_host}:{settings.app_port}")
    # proxy_headers=False: X-Forwarded-For is read by the app alone, behind TRUSTED_PROXIES.
    uvicorn.run(
        app,
        host=settings.app_host,
        port=settings.app_port,
        log_config=None,
        proxy_headers=False,
    )
    logger.info("Trailarr stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
