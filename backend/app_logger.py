"""Logging: `ModuleLogger` on the standard logging module, configured once at start.

Every line goes through `RedactSecrets` on the way out, whichever logger wrote it (uvicorn's
access log included): API keys, tokens and passwords never reach the console or the files.

Access lines (uvicorn's line per HTTP request and per websocket handshake) are DEBUG lines
(`AccessLinesAtDebug`): at the default INFO level the log holds what happened, not every poll
of the web UI. Alembic's "setup plugin" lines, written whenever Alembic is imported, are
left out below WARNING.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

ROOT_LOGGER = "trailarr"
_FORMAT = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"
REDACTED = "***"

_SECRET_NAME = r"(?<![\w-])[\w-]*?(?:api[_-]?key|token|passw(?:or)?d|secret)[\w-]*"
_NAMED_SECRET = re.compile(
    rf"""(?P<name>(?P<open>["']?){_SECRET_NAME}(?P=open))(?P<sep>\s*[:=]\s*)"""
    r"""(?:(?P<quote>["'])(?:\\.|(?!(?P=quote)).)*(?P=quote)|[^\s&"',;<>)}\]]+)""",
    re.IGNORECASE,
)
"""A value named like a secret: `api_key=...` in a query, `X-Api-Key: ...` in a header,
`"password": "..."` in JSON or a repr. The name stays, the value goes."""


def _hide_named(match: re.Match[str]) -> str:
    quote_mark = match["quote"] or ""
    return f"{match['name']}{match['sep']}{quote_mark}{REDACTED}{quote_mark}"


def no_secrets() -> Iterable[str]:
    return ()


MIN_SECRET_LENGTH = 6
"""Shorter values are not hidden by value (they would hide ordinary words); their named
forms (`X-Api-Key: ...`) still are."""
_remembered: frozenset[str] = frozenset()
_remembered_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """Hide `value` wherever it appears in a log line from now on (a connection's API key:
    called whenever one is read or used). Cheap when the value is already known."""
    global _remembered
    if not value or len(value) < MIN_SECRET_LENGTH or value in _remembered:
        return
    with _remembered_lock:
        _remembered = _remembered | {value}


class RedactSecrets(logging.Filter):
    """Hides secrets in a record's message (its arguments filled in), exception and stack.

    Redacts the values of fields and query parameters named like api_key, apikey, token,
    password or secret (any case), and wherever they appear, the values `secrets()` returns
    (the app's API key) and those given to `remember_secret` (connections' API keys), also
    URL-encoded.
    """

    def __init__(self, secrets: Callable[[], Iterable[str]] = no_secrets) -> None:
        super().__init__()
        self._secrets = secrets

    def redact(self, text: str) -> str:
        try:
            known = [value for value in self._secrets() if value]
        except Exception:  # a log line is still written when the settings cannot be read
            known = []
        known.extend(_remembered)
        for value in known:
            for form in {value, quote(value, safe=""), quote_plus(value)}:
                text = text.replace(form, REDACTED)
        return _NAMED_SECRET.sub(_hide_named, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format: the handler reports it as usual
            return True
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


ACCESS_LOGGER = "uvicorn.access"
_WEBSOCKET_ACCESS = '%s - "WebSocket '
"""The start of uvicorn's websocket handshake lines, which it writes to `uvicorn.error`."""
QUIET_LOGGERS = ("alembic.runtime.plugins",)
"""Loggers kept at WARNING whatever the level: their INFO lines say nothing to a user."""


class AccessLinesAtDebug(logging.Filter):
    """Makes uvicorn's access lines DEBUG lines: written only when `uvicorn.access` is
    enabled for DEBUG (LOG_LEVEL=DEBUG), and then shown as DEBUG.

    uvicorn writes them at INFO: each HTTP request on `uvicorn.access`, each websocket
    handshake on `uvicorn.error` (whose other lines keep their level). Put on both loggers;
    it runs before the handlers, so a line it drops costs no formatting or redaction.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != ACCESS_LOGGER and not (
            isinstance(record.msg, str) and record.msg.startswith(_WEBSOCKET_ACCESS)
        ):
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger(ACCESS_LOGGER).isEnabledFor(logging.DEBUG)


def configure_logging(
    level: str = "INFO",
    logs_dir: Path | None = None,
    secrets: Callable[[], Iterable[str]] = no_secrets,
) -> None:
    """Send the app's logs to the console and, when given a folder, a rotating file.

    Args:
        level: the level of the app's, uvicorn's and alembic's loggers.
        logs_dir: the folder of `trailarr.log`; None logs to the console only.
        secrets: returns the values to hide wherever they appear (the API key); it is
            called for every line, so it must be cheap and must not log.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter(_FORMAT)
    redact = RedactSecrets(secrets)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(formatter)
    console.addFilter(redact)
    root.addHandler(console)
    if logs_dir is not None:
        logs_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            logs_dir / "trailarr.log", maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8"
        )
        file_handler.setFormatter(formatter)
        file_handler.addFilter(redact)
        root.addHandler(file_handler)
    root.setLevel(logging.WARNING)
    for name in (ROOT_LOGGER, "uvicorn", "alembic"):
        logging.getLogger(name).setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(ROOT_LOGGER).level))
    for name in (ACCESS_LOGGER, "uvicorn.error"):
        access = logging.getLogger(name)
        for old in [f for f in access.filters if isinstance(f, AccessLinesAtDebug)]:
            access.removeFilter(old)
        access.addFilter(AccessLinesAtDebug())


class ModuleLogger:
    """A named logger under the app's root logger: `ModuleLogger("Downloads").info(...)`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger = logging.getLogger(f"{ROOT_LOGGER}.{name}")

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.debug(msg, *args, stacklevel=2, **kwargs)

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.info(msg, *args, stacklevel=2, **kwargs)

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.warning(msg, *args, stacklevel=2, **kwargs)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.error(msg, *args, stacklevel=2, **kwargs)

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.exception(msg, *args, stacklevel=2, **kwargs)


def set_level(level: str) -> None:
    """Change the level of the app's logging at once, while it runs (System > Logs).

    Sets the loggers as `configure_logging` does. The handlers have no level of their own:
    the loggers decide. uvicorn's access and error loggers follow `uvicorn` (any level of
    their own is dropped), so access lines, which are DEBUG lines, are written from the
    moment the level is DEBUG and stop when it is raised again.
    """
    for name in (ROOT_LOGGER, "uvicorn", "alembic"):
        logging.getLogger(name).setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(ROOT_LOGGER).level))
    for name in (ACCESS_LOGGER, "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def current_level() -> int:
    """The level the app's loggers write from (`logging.INFO`)."""
    return logging.getLogger(ROOT_LOGGER).getEffectiveLevel()
