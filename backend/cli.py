"""The `trailarr` command: check settings, migrate the database, serve the app."""

from __future__ import annotations

import signal
import sys
from types import FrameType

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


def main() -> int:
    """Entry point of the `trailarr` console script."""
    from config import get_settings

    try:
        settings = get_settings()
    except ValidationError as exc:
        print(_settings_error(exc), file=sys.stderr)
        return 2

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
