"""The cleanup task: leftovers go, what is in use or recent stays, one failure skips one entry."""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config import get_settings
from core.base.database.migrate import BACKUPS_KEPT
from core.download.recovery import INTENT_FILE
from core.tasks import cleanup as cleanup_module
from core.tasks.cleanup import cleanup
from tests.utils.db import execute, execute_many, rows
from tests.utils.factories import make_media

DAY = 24 * 3600


def age(path: Path, seconds: float) -> Path:
    """Make `path` and everything in it look `seconds` old."""
    when = time.time() - seconds
    for inner in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(inner, (when, when), follow_symlinks=False)
    return path


def work_dir(name: str, *, seconds_old: float, intent: bool = False) -> Path:
    folder = get_settings().temp_dir / name
    folder.mkdir(parents=True)
    (folder / "video.part").write_bytes(b"x" * 1000)
    if intent:
        (folder / INTENT_FILE).write_text("{}")
    return age(folder, seconds_old)


def test_leftovers_of_the_work_folder_go_and_what_may_be_in_use_stays(db_file: Path) -> None:
    busy = make_media()
    execute(db_file, "UPDATE media SET status = 'downloading' WHERE id = ?", busy.id)
    old = work_dir("media-9001-aaaaaaaaaaaa", seconds_old=DAY)
    recent = work_dir("media-9002-bbbbbbbbbbbb", seconds_old=600)
    running = work_dir(f"media-{busy.id}-cccccccccccc", seconds_old=DAY)
    placing = work_dir("media-9003-dddddddddddd", seconds_old=DAY, intent=True)
    stray = get_settings().temp_dir / "stray.tmp"
    stray.write_bytes(b"y" * 10)
    age(stray, DAY)
    # A folder that is old but has one recent file is still in use.
    touched = work_dir("media-9004-eeeeeeeeeeee", seconds_old=DAY)
    (touched / "new.part").write_bytes(b"z")

    summary = cleanup(threading.Event())

    assert not old.exists() and not stray.exists()
    assert recent.exists() and running.exists() and placing.exists() and touched.exists()
    assert summary.work_removed == 2
    assert summary.bytes_freed == 1010
    assert summary.errors == 0


def test_old_rotated_logs_go_and_the_live_log_stays() -> None:
    logs = get_settings().logs_dir
    logs.mkdir(parents=True, exist_ok=True)
    live = logs / "trailarr.log"
    live.write_text("live")
    old = logs / "trailarr.log.3"
    old.write_text("old")
    recent = logs / "trailarr.log.1"
    recent.write_text("recent")
    other = logs / "notes.txt"
    other.write_text("not ours")
    for path in (live, old, other):
        age(path, 40 * DAY)

    summary = cleanup(threading.Event())

    assert summary.logs_removed == 1
    assert not old.exists()
    assert live.exists() and recent.exists() and other.exists()


def test_backups_beyond_the_kept_count_go_oldest_first() -> None:
    backups = get_settings().backups_dir
    backups.mkdir(parents=True)
    names = [f"trailarr-202612{day:02d}T000000000000Z-abc.db" for day in range(1, 14)]
    for name in names:
        (backups / name).write_bytes(b"db")

    summary = cleanup(threading.Event())

    assert summary.backups_removed == 13 - BACKUPS_KEPT
    assert sorted(p.name for p in backups.iterdir()) == names[-BACKUPS_KEPT:]


def insert_events(db_file: Path, media_id: int, days_old: list[int]) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC
    execute_many(
        db_file,
        "INSERT INTO event (event_type, message, source_failed, created_at, media_id)"
        " VALUES ('downloaded', ?, FALSE, ?, ?)",
        [
            (f"{days} days old", f"{now - timedelta(days=days):%Y-%m-%d %H:%M:%S}", media_id)
            for days in days_old
        ],
    )


def test_events_past_the_retention_go(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    media = make_media()
    insert_events(db_file, media.id, [1, 30, 89, 91, 400])

    assert cleanup(threading.Event()).events_removed == 2
    assert rows(db_file, "SELECT message FROM event ORDER BY id") == [
        ("1 days old",),
        ("30 days old",),
        ("89 days old",),
    ]

    monkeypatch.setenv("EVENT_RETENTION_DAYS", "0")  # keep them forever
    get_settings.cache_clear()
    insert_events(db_file, media.id, [5000])
    assert cleanup(threading.Event()).events_removed == 0
    assert len(rows(db_file, "SELECT id FROM event")) == 4


def test_an_entry_that_cannot_be_removed_is_counted_and_the_rest_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stuck = work_dir("media-9101-aaaaaaaaaaaa", seconds_old=DAY)
    gone = work_dir("media-9102-bbbbbbbbbbbb", seconds_old=DAY)
    real_rmtree = shutil.rmtree

    def rmtree(path: Path, *args: object, **kwargs: object) -> None:
        if Path(path) == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        real_rmtree(path)

    monkeypatch.setattr(cleanup_module.shutil, "rmtree", rmtree)
    summary = cleanup(threading.Event())

    assert stuck.exists() and not gone.exists()
    assert summary.work_removed == 1 and summary.errors == 1


def test_the_task_is_registered_daily() -> None:
    from core.tasks.registry import CLEANUP, TASKS

    assert TASKS[CLEANUP].interval_minutes == 24 * 60
