"""The `trailarr` command: check settings, migrate the database, serve the app."""

from __future__ import annotations

import sys

from pydantic import ValidationError


def _settings_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())).upper() or "settings"
    return f"trailarr: invalid setting {field}: {first.get('msg', 'invalid')}"


def main() -> int:
    """Entry point of the `trailarr` console script."""
    from config import get_settings

    try:
        settings = get_settings()
    except ValidationError as exc:
        print(_settings_error(exc), file=sys.stderr)
        return 2

    from app_logger import ModuleLogger, configure_logging

    configure_logging(settings.log_level, settings.logs_dir)
    logger = ModuleLogger("Startup")

    from core.base.database.migrate import MigrationError, upgrade_database

    try:
        upgrade_database()
    except MigrationError as exc:
        logger.error(f"Cannot start: {exc}")
        print(f"trailarr: {exc}", file=sys.stderr)
        return 1

    import uvicorn

    from main import app

    logger.info(f"Trailarr {settings.version} listening on {settings.app_host}:{settings.app_port}")
    uvicorn.run(app, host=settings.app_host, port=settings.app_port, log_config=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
