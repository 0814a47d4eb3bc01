"""The log files read for System > Logs: listing, opening only listed files, the recent
records read from the end, and the log level kept across restarts."""

from __future__ import annotations

import logging
import logging.handlers
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from app_logger import ModuleLogger, configure_logging, current_level
from core.exceptions import NotFoundError
from core.system import logs
from core.system.logs import (
    BLOCK_BYTES,
    LEVEL_FILE,
    MAX_LINE_BYTES,
    LogLinesQuery,
    change_level,
    list_files,
    open_file,
    read_lines,
    start_level,
    stored_level,
)


def line(n: int, level: str = "INFO", logger: str = "trailarr.Test", message: str = "") -> str:
    """A line as app_logger writes it, its time n seconds after noon."""
    return f"2026-12-01 12:{n // 60:02d}:{n % 60:02d},000 [{level}] {logger}: {message or n}\n"


def write(path: Path, *lines: str, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def query(**fields: Any) -> LogLinesQuery:
    return LogLinesQuery(**fields)


def flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


# ---- files ------------------------------------------------------------------------------


def test_files_are_listed_newest_first_without_links_or_folders(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    now = time.time()
    write(logs_dir / "trailarr.log.2", line(1), mtime=now - 7200)
    write(logs_dir / "trailarr.log", line(3), line(4), mtime=now)
    write(logs_dir / "trailarr.log.1", line(2), mtime=now - 3600)
    (logs_dir / "old").mkdir()
    outside = write(tmp_path / "secret.txt", "not a log\n")
    (logs_dir / "link.log").symlink_to(outside)

    files = list_files(logs_dir)

    assert [f.name for f in files] == ["trailarr.log", "trailarr.log.1", "trailarr.log.2"]
    assert files[0].size == len(line(3) + line(4))
    assert files[0].modified.tzinfo is not None
    assert abs(files[0].modified.timestamp() - now) < 1


def test_a_missing_logs_folder_lists_nothing(tmp_path: Path) -> None:
    assert list_files(tmp_path / "logs") == []


@pytest.mark.parametrize(
    "name",
    ["..", "../secret.txt", "/etc/passwd", "logs/../secret.txt", "link.log", "old", "", "nope"],
)
def test_only_listed_files_open(tmp_path: Path, name: str) -> None:
    logs_dir = tmp_path / "logs"
    write(logs_dir / "trailarr.log", line(1))
    (logs_dir / "old").mkdir()
    outside = write(tmp_path / "secret.txt", "not a log\n")
    (logs_dir / "link.log").symlink_to(outside)
    with pytest.raises(NotFoundError, match="No log file named"):
        open_file(logs_dir, name)
    with open_file(logs_dir, "trailarr.log") as handle:
        assert handle.read() == line(1).encode()


def test_a_file_swapped_for_a_symlink_after_the_listing_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs_dir = tmp_path / "logs"
    write(logs_dir / "trailarr.log.1", line(1))
    outside = write(tmp_path / "secret.txt", "not a log\n")
    listed = list_files(logs_dir)

    def listing_then_swap(folder: Path) -> list[logs.LogFileRead]:
        # The name was listed as a file; by the time it is opened it is a symlink.
        (folder / "trailarr.log.1").unlink()
        (folder / "trailarr.log.1").symlink_to(outside)
        return listed

    monkeypatch.setattr(logs, "list_files", listing_then_swap)
    with pytest.raises(NotFoundError, match="gone or cannot be read"):
        open_file(logs_dir, "trailarr.log.1")


# ---- lines ------------------------------------------------------------------------------


def test_records_come_newest_first_across_the_rotated_files(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    write(logs_dir / "trailarr.log", line(5), line(6))
    write(logs_dir / "trailarr.log.1", line(3), line(4))
    write(logs_dir / "trailarr.log.2", line(1), line(2))
    write(logs_dir / "other.txt", line(99))

    records = read_lines(logs_dir, query(limit=5))

    assert [r.message for r in records] == ["6", "5", "4", "3", "2"]
    # Written in the server's local time: given with its offset.
    assert records[0].time == datetime(2026, 12, 1, 12, 0, 6).astimezone()
    assert records[0].time.utcoffset() is not None
    assert records[0].level == "INFO"
    assert records[0].logger == "trailarr.Test"
    assert [r.message for r in read_lines(logs_dir, query(file="trailarr.log.1"))] == ["4", "3"]
    assert [r.message for r in read_lines(logs_dir, query(file="other.txt"))] == ["99"]
    with pytest.raises(NotFoundError):
        read_lines(logs_dir, query(file="../trailarr.db"))


def test_level_is_a_minimum_and_search_matches_logger_or_message(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    write(
        logs_dir / "trailarr.log",
        line(1, "DEBUG", message="polling"),
        line(2, "INFO", "trailarr.Downloads", "Downloaded Arrival"),
        line(3, "WARNING", message="disk almost FULL"),
        line(4, "ERROR", "trailarr.Arr", "Radarr refused"),
        line(5, "CRITICAL", message="cannot start"),
    )

    def messages(**fields: Any) -> list[str]:
        return [r.message for r in read_lines(logs_dir, query(**fields))]

    assert messages(level="WARNING") == ["cannot start", "Radarr refused", "disk almost FULL"]
    assert messages(level="DEBUG") == messages()
    assert len(messages()) == 5
    assert messages(search="full") == ["disk almost FULL"]
    assert messages(search="DOWNLOADS") == ["Downloaded Arrival"]  # the logger's name
    assert messages(search="radarr", level="ERROR") == ["Radarr refused"]
    assert messages(search="trailarr.arr") == ["Radarr refused"]


def test_a_traceback_belongs_to_the_record_above_it(tmp_path: Path, restore_logging: None) -> None:
    logs_dir = tmp_path / "logs"
    configure_logging("INFO", logs_dir)
    logger = ModuleLogger("Crash")
    started = datetime.now(UTC) - timedelta(seconds=1)  # asctime drops what is below 1 ms
    logger.info("before")
    try:
        _ = 1 / 0
    except ZeroDivisionError:
        logger.exception("It broke")
    logger.info("after")
    flush()

    after, broke, before = read_lines(logs_dir, query(limit=3))

    assert (after.message, before.message) == ("after", "before")
    assert broke.level == "ERROR"
    assert broke.logger == "trailarr.Crash"
    assert broke.time is not None
    assert started <= broke.time <= datetime.now(UTC)
    first, *rest = broke.message.split("\n")
    assert first == "It broke"
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "ZeroDivisionError: division by zero"
    assert [r.message for r in read_lines(logs_dir, query(search="zerodivision"))] == [
        broke.message
    ]


def test_text_above_the_first_record_has_no_level(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    write(logs_dir / "trailarr.log", "a stray line\n", line(1))
    records = read_lines(logs_dir, query())
    assert [(r.level, r.time, r.message) for r in records] == [
        ("INFO", datetime(2026, 12, 1, 12, 0, 1).astimezone(), "1"),
        (None, None, "a stray line"),
    ]
    assert [r.message for r in read_lines(logs_dir, query(level="DEBUG"))] == ["1"]


def test_records_across_a_real_rotation(tmp_path: Path, restore_logging: None) -> None:
    logs_dir = tmp_path / "logs"
    configure_logging("INFO", logs_dir)
    logger = ModuleLogger("Rotation")
    for n in range(3):
        logger.info(f"old {n}")
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    )
    handler.doRollover()
    for n in range(2):
        logger.info(f"new {n}")
    flush()

    assert {f.name for f in list_files(logs_dir)} == {"trailarr.log", "trailarr.log.1"}
    records = read_lines(logs_dir, query(limit=4, search="trailarr.rotation"))
    assert [r.message for r in records] == ["new 1", "new 0", "old 2", "old 1"]


class CountingReader:
    """A file handle that counts the bytes read through it."""

    def __init__(self, handle: BinaryIO, counter: list[int]) -> None:
        self._handle = handle
        self._counter = counter

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._counter[0] += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def close(self) -> None:
        self._handle.close()


def test_a_large_log_is_read_from_its_end_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    filler = line(1, message="x" * 100).encode()
    size = 50 * 1024 * 1024
    with (logs_dir / "trailarr.log").open("wb") as out:
        out.write(filler * (size // len(filler)))
        for n in range(300):
            out.write(line(n, "WARNING", message=f"recent {n}").encode())
    write(logs_dir / "trailarr.log.1", line(1))
    counter = [0]
    real_open = logs.open_file
    monkeypatch.setattr(
        logs, "open_file", lambda folder, name: CountingReader(real_open(folder, name), counter)
    )

    records = read_lines(logs_dir, query())

    assert len(records) == 200
    assert records[0].message == "recent 299"
    assert records[-1].message == "recent 100"
    assert counter[0] <= 2 * BLOCK_BYTES, f"read {counter[0]} bytes of a 50 MB file"
    assert (logs_dir / "trailarr.log").stat().st_size > size - len(filler)


def test_a_line_without_an_end_keeps_its_start_and_is_cut(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    head = line(7, "ERROR", message="start of a huge message ").rstrip("\n")
    write(logs_dir / "trailarr.log", line(6), head + "y" * (4 * 1024 * 1024) + "\n")

    huge, before = read_lines(logs_dir, query())

    assert before.message == "6"
    assert huge.level == "ERROR"
    assert huge.message.startswith("start of a huge message yyy")
    assert huge.message.endswith(" […]")
    assert len(huge.message) <= MAX_LINE_BYTES + BLOCK_BYTES


# ---- level ------------------------------------------------------------------------------


def test_the_chosen_level_is_stored_and_wins_at_start(
    tmp_path: Path, restore_logging: None
) -> None:
    configure_logging("INFO", tmp_path / "logs")
    assert stored_level(tmp_path) is None
    assert start_level(tmp_path, "WARNING") == "WARNING"

    assert change_level(tmp_path, "DEBUG").level == "DEBUG"

    assert (tmp_path / LEVEL_FILE).read_text() == "DEBUG\n"
    assert current_level() == logging.DEBUG
    assert start_level(tmp_path, "WARNING") == "DEBUG"
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("content", ["LOUD\n", "", "\x00\xff"])
def test_an_unreadable_stored_level_falls_back_to_log_level(tmp_path: Path, content: str) -> None:
    (tmp_path / LEVEL_FILE).write_text(content, encoding="latin-1")
    assert start_level(tmp_path, "ERROR") == "ERROR"


def test_a_lowercase_stored_level_is_read(tmp_path: Path) -> None:
    (tmp_path / LEVEL_FILE).write_text("warning\n")
    assert stored_level(tmp_path) == "WARNING"


def test_a_level_that_cannot_be_saved_is_not_applied(tmp_path: Path, restore_logging: None) -> None:
    configure_logging("INFO", tmp_path / "logs")
    missing = tmp_path / "gone"
    with pytest.raises(logs.LogLevelNotSavedError, match="could not be saved"):
        change_level(missing, "DEBUG")
    assert current_level() == logging.INFO
