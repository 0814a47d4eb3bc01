"""The app's log files, for System > Logs: the files, their recent lines, the log level.

The logs folder (`APP_DATA_DIR/logs`) holds `trailarr.log` and its rotated siblings
`trailarr.log.1` (the newest) to `.5` (app_logger). Only the regular files listed there are
ever opened: a name is looked up among them, never joined to a path, and opened without
following a symlink, so no request reads outside the folder.

Recent lines are read from the end of a file a block at a time, so the last 200 lines of a
large log cost a few blocks, not the file. The reader is written here rather than taken from
a package (file-read-backwards): it works on the handle opened without following symlinks,
bounds the memory a line without newlines can take, and is some thirty lines.

The files hold lines already redacted (`RedactSecrets`); what is read is redacted again on
the way out, so a line written before a secret was known, or by another hand, leaks nothing.

The log level chosen here applies at once (`app_logger.set_level`) and is kept in
`APP_DATA_DIR/log_level`; at start it wins over LOG_LEVEL (`start_level`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal, cast

from pydantic import BaseModel, Field

from app_logger import ModuleLogger, RedactSecrets, current_level, set_level
from config import get_settings
from core.exceptions import AppError, NotFoundError

logger = ModuleLogger("Logs")

LOG_FILE = "trailarr.log"
LEVEL_FILE = "log_level"
"""The level chosen on the Logs page, in APP_DATA_DIR (as the generated API key is)."""

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LEVELS: tuple[LogLevel, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
"""The levels, lowest first."""
SettableLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
"""The levels the Logs page sets (CRITICAL alone would hide every error)."""

DEFAULT_LINES = 200
MAX_LINES = 1000
"""The most lines one request returns."""
BLOCK_BYTES = 64 * 1024
"""How much of a file is read at a time, from its end."""
MAX_LINE_BYTES = 64 * 1024
"""A longer line keeps its start (its time, level and logger) and loses the rest."""
MAX_FOLLOWING_LINES = 500
"""The most lines kept after a line (a traceback); the ones nearest the end are kept."""

_ROTATED = re.compile(rf"{re.escape(LOG_FILE)}\.(\d+)")
_LINE = re.compile(
    r"(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) "
    r"\[(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL)\] "
    r"(?P<logger>\S+?):(?: (?P<message>.*))?"
)
"""A line as app_logger's format writes it: `time [LEVEL] logger: message`."""


class LogFileRead(BaseModel):
    name: str
    size: int = Field(description="Bytes")
    modified: datetime


class LogLineRead(BaseModel):
    """One log record: its first line parsed, the lines that follow it (a traceback) in
    `message` after a newline. A text with no record line above it has no time, level or
    logger."""

    time: datetime | None = Field(description="When it was written, with the server's offset")
    level: LogLevel | None
    logger: str | None
    message: str


class LogLinesQuery(BaseModel):
    """The query of GET /logs/lines."""

    level: LogLevel | None = Field(default=None, description="The lowest level shown")
    search: str | None = Field(
        default=None, max_length=200, description="Part of the logger or message, any case"
    )
    limit: int = Field(default=DEFAULT_LINES, ge=1, le=MAX_LINES)
    file: str | None = Field(
        default=None,
        max_length=255,
        description="One file of GET /logs/files; default: trailarr.log, then the rotated "
        "ones as far as needed",
    )


class LogLevelRead(BaseModel):
    level: LogLevel


class LogLevelUpdate(BaseModel):
    level: SettableLevel


class LogLevelNotSavedError(AppError):
    """The chosen level could not be kept for the next start; nothing was changed."""

    status_code = 500


# ---- the files --------------------------------------------------------------------------


def list_files(logs_dir: Path) -> list[LogFileRead]:
    """The regular files in the logs folder (no symlinks, no folders), newest first."""
    files = []
    try:
        entries = list(os.scandir(logs_dir))
    except FileNotFoundError:
        return []
    for entry in entries:
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
        except OSError:  # removed meanwhile (cleanup, rotation)
            continue
        modified = datetime.fromtimestamp(info.st_mtime, UTC)
        files.append(LogFileRead(name=entry.name, size=info.st_size, modified=modified))
    files.sort(key=lambda f: (-f.modified.timestamp(), _rotation_order(f.name)))
    return files


def _rotation_order(name: str) -> tuple[int, str]:
    """trailarr.log, then trailarr.log.1, .2, ... (newest to oldest), then other files."""
    if name == LOG_FILE:
        return (0, "")
    if match := _ROTATED.fullmatch(name):
        return (int(match[1]), "")
    return (1 << 30, name)


def open_file(logs_dir: Path, name: str) -> BinaryIO:
    """The listed file `name`, opened for reading; NotFoundError for any other name.

    Opened without following a symlink, so a file swapped for one after the listing is
    refused too.
    """
    if name not in {f.name for f in list_files(logs_dir)}:
        raise NotFoundError(f"No log file named {name!r}: GET /api/v1/logs/files lists them")
    try:
        fd = os.open(logs_dir / name, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise NotFoundError(f"The log file {name!r} is gone or cannot be read") from None
    return os.fdopen(fd, "rb")


def _redactor() -> RedactSecrets:
    return RedactSecrets(lambda: (get_settings().api_key(),))


def download_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """The file's content, redacted line by line, in chunks of about `BLOCK_BYTES`; closes
    the file at the end. (A line longer than MAX_LINE_BYTES is redacted in pieces.)"""
    redact = _redactor().redact
    with handle:
        chunk: list[str] = []
        size = 0
        while raw := handle.readline(MAX_LINE_BYTES):
            chunk.append(redact(raw.decode("utf-8", errors="replace")))
            size += len(raw)
            if size >= BLOCK_BYTES:
                yield "".join(chunk).encode("utf-8")
                chunk, size = [], 0
        if chunk:
            yield "".join(chunk).encode("utf-8")


# ---- the lines --------------------------------------------------------------------------


def _lines_backwards(handle: BinaryIO) -> Iterator[str]:
    """The file's lines, last first, reading `BLOCK_BYTES` at a time from the end."""
    handle.seek(0, os.SEEK_END)
    position = handle.tell()
    start = b""  # the part of a line whose beginning is not read yet
    cut = False
    while position > 0:
        size = min(BLOCK_BYTES, position)
        position -= size
        handle.seek(position)
        lines = (handle.read(size) + start).split(b"\n")
        start = lines[0]
        for line in reversed(lines[1:]):
            yield _text(line, cut)
            cut = False
        if len(start) > MAX_LINE_BYTES:
            start, cut = start[:MAX_LINE_BYTES], True
    yield _text(start, cut)


def _text(line: bytes, cut: bool) -> str:
    text = line.decode("utf-8", errors="replace").rstrip("\r")
    return f"{text} […]" if cut else text


@dataclass
class _Record:
    """A record being assembled from the end: the lines seen after its first line."""

    following: list[str] = field(default_factory=list)  # last first
    left_out: int = 0

    def add(self, line: str) -> None:
        if not self.following and not line.strip():
            return  # blank lines at the end
        if len(self.following) < MAX_FOLLOWING_LINES:
            self.following.append(line)
        else:
            self.left_out += 1

    def text(self, first: str | None) -> str:
        lines = [] if first is None else [first]
        if self.left_out:
            lines.append(f"[… {self.left_out} more lines]")
        lines.extend(reversed(self.following))
        return "\n".join(lines)


@dataclass(slots=True)
class _Parsed:
    time: str | None
    level: LogLevel | None
    logger: str | None
    message: str

    def contains(self, needle: str) -> bool:
        return needle in self.message.casefold() or needle in (self.logger or "").casefold()


def _records(lines: Iterator[str]) -> Iterator[_Parsed]:
    """The records of one file, newest first, from its lines, last first."""
    record = _Record()
    for line in lines:
        match = _LINE.fullmatch(line)
        if match is None:
            record.add(line)
            continue
        level = cast(LogLevel, match["level"])  # one of LEVELS, by the pattern
        yield _Parsed(match["time"], level, match["logger"], record.text(match["message"] or ""))
        record = _Record()
    if record.following:  # text above the file's first record
        yield _Parsed(None, None, None, record.text(None))


def _written_at(text: str | None) -> datetime | None:
    """The time of a record, written in the server's local time, with its UTC offset."""
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f").astimezone()
    except ValueError:  # matched the pattern, but no such day (2026-02-30)
        return None


def _reading_order(logs_dir: Path) -> list[str]:
    """trailarr.log and its rotated files, newest first."""
    names = [f.name for f in list_files(logs_dir)]
    ours = [n for n in names if n == LOG_FILE or _ROTATED.fullmatch(n)]
    return sorted(ours, key=_rotation_order)


def read_lines(logs_dir: Path, query: LogLinesQuery) -> list[LogLineRead]:
    """The most recent records that pass the query's level and search, newest first.

    Every file is opened first, so a rotation while reading neither repeats nor skips a
    record. Reading stops as soon as `limit` records are found.
    """
    names = [query.file] if query.file is not None else _reading_order(logs_dir)
    handles = []
    try:
        for name in names:
            try:
                handles.append(open_file(logs_dir, name))
            except NotFoundError:
                if query.file is not None:
                    raise
                # rotated away between the listing and now: its records are in the next name
        lowest = LEVELS.index(query.level) if query.level else 0
        needle = (query.search or "").casefold()
        redact = _redactor().redact
        found: list[LogLineRead] = []
        for handle in handles:
            for record in _records(_lines_backwards(handle)):
                if query.level and (record.level is None or LEVELS.index(record.level) < lowest):
                    continue
                if needle and not record.contains(needle):
                    continue
                record.message = redact(record.message)
                if needle and not record.contains(needle):  # it matched what is hidden
                    continue
                found.append(
                    LogLineRead(
                        time=_written_at(record.time),
                        level=record.level,
                        logger=record.logger,
                        message=record.message,
                    )
                )
                if len(found) >= query.limit:
                    return found
        return found
    finally:
        for handle in handles:
            handle.close()


# ---- the level --------------------------------------------------------------------------

_level_lock = threading.Lock()


def stored_level(data_dir: Path) -> LogLevel | None:
    """The level chosen on the Logs page, or None (none chosen, or the file is unreadable)."""
    try:
        text = (data_dir / LEVEL_FILE).read_text(encoding="utf-8").strip().upper()
    except (OSError, ValueError):  # ValueError: not UTF-8
        return None
    return next((level for level in LEVELS if level == text), None)


def start_level(data_dir: Path, configured: str) -> str:
    """The level to start with: the one chosen on the Logs page, else LOG_LEVEL."""
    return stored_level(data_dir) or configured


def read_level() -> LogLevelRead:
    """The level the app writes from now (a level between two named ones: the lower)."""
    number = current_level()
    numbers = logging.getLevelNamesMapping()
    named = [level for level in LEVELS if numbers[level] <= number]
    return LogLevelRead(level=named[-1] if named else "DEBUG")


def change_level(data_dir: Path, level: SettableLevel) -> LogLevelRead:
    """Write from `level` on, at once and after a restart; both or neither."""
    path = data_dir / LEVEL_FILE
    tmp = path.with_name(f"{LEVEL_FILE}.tmp")
    with _level_lock:
        try:
            tmp.write_text(f"{level}\n", encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            raise LogLevelNotSavedError(
                f"The log level could not be saved in {path}: {exc.strerror}; it is unchanged"
            ) from exc
        before = read_level().level
        note = f"Log level {before} -> {level}, kept for the next start (System > Logs)"
        if LEVELS.index(level) >= LEVELS.index(before):
            logger.info(note)  # written while the lower of the two levels applies
        set_level(level)
        if LEVELS.index(level) < LEVELS.index(before):
            logger.info(note)
    return read_level()
