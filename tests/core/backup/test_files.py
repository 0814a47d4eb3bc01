"""The backups folder: which files are backups and of which kind, what is kept, the count."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config import get_settings
from core.backup import files
from core.backup.files import (
    BackupKind,
    BackupSettingsUpdate,
    backup_path,
    beyond_kept,
    list_backups,
    prune,
    read_settings,
    update_settings,
)
from core.base.database.migrate import BACKUPS_KEPT
from core.exceptions import NotFoundError
from core.tasks.cleanup import cleanup


def backups_dir() -> Path:
    folder = get_settings().backups_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def make(n: int, label: str, ext: str = "db", size: int = 3) -> str:
    """A backup file `n` minutes into 2026-12-01 (the name's stamp gives its time)."""
    name = f"trailarr-20261201T{n // 60:02d}{n % 60:02d}00000000Z-{label}.{ext}"
    (backups_dir() / name).write_bytes(b"x" * size)
    return name


def names() -> list[str]:
    return sorted(p.name for p in backups_dir().iterdir() if p.is_file())


def test_backups_are_listed_newest_first_with_their_kind_size_and_time() -> None:
    scheduled = make(1, "scheduled", size=10)
    manual = make(2, "manual")
    migration = make(3, "b213e0443c1b")
    restore = make(4, "before-restore")
    dump = make(5, "manual", ext="pgdump", size=7)
    folder = backups_dir()
    # Not backups: another file, a name without a stamp, a folder, a link to the database.
    (folder / "notes.txt").write_text("mine")
    (folder / "trailarr-latest.db").write_bytes(b"x")
    (folder / "trailarr-20261201T000600000000Z-manual.db.part").write_bytes(b"x")
    (folder / "trailarr-20261201T000700000000Z-scheduled.db").mkdir()
    (folder / "trailarr-20261301T000000000000Z-scheduled.db").write_bytes(b"month 13")
    (folder / "trailarr-20261201T000800000000Z-manual.db").symlink_to(
        get_settings().app_data_dir / "trailarr.db"
    )

    listed = list_backups()

    assert [b.name for b in listed] == [dump, restore, migration, manual, scheduled]
    assert [b.type for b in listed] == [
        BackupKind.MANUAL,
        BackupKind.BEFORE_RESTORE,
        BackupKind.BEFORE_MIGRATION,
        BackupKind.MANUAL,
        BackupKind.SCHEDULED,
    ]
    assert [b.format for b in listed] == ["pgdump", "sqlite", "sqlite", "sqlite", "sqlite"]
    assert listed[0].size == 7 and listed[-1].size == 10
    assert listed[-1].created == datetime(2026, 12, 1, 0, 1, tzinfo=UTC)


def test_no_folder_lists_nothing() -> None:
    assert list_backups() == []


@pytest.mark.parametrize(
    "name",
    [
        "../trailarr.db",
        "..%2Ftrailarr.db",
        "/etc/passwd",
        "trailarr-20261201T000100000000Z-manual.db/../../trailarr.db",
        "trailarr-20261201T000900000000Z-manual.db",  # a backup's name, but no such file
        "trailarr-20261201T000800000000Z-manual.db",  # a link
        "notes.txt",
    ],
)
def test_only_a_listed_backup_is_found(name: str) -> None:
    make(1, "manual")
    (backups_dir() / "notes.txt").write_text("mine")
    (backups_dir() / "trailarr-20261201T000800000000Z-manual.db").symlink_to(
        get_settings().app_data_dir / "trailarr.db"
    )

    with pytest.raises(NotFoundError):
        backup_path(name)


def test_pruning_keeps_the_newest_of_each_group() -> None:
    update_settings(BackupSettingsUpdate(keep=3))
    ours = [make(n, "scheduled" if n % 2 else "manual") for n in range(1, 8)]
    migrations = [make(100 + n, "b213e0443c1b") for n in range(BACKUPS_KEPT + 2)]
    restores = [make(200 + n, "before-restore") for n in range(BACKUPS_KEPT + 1)]
    dumps = [make(300 + n, "scheduled", ext="pgdump") for n in range(4)]

    assert [p.name for p in beyond_kept()] == sorted(
        ours[:-3] + migrations[:2] + restores[:1] + dumps[:1]
    )
    removed = prune()

    assert len(removed) == 4 + 2 + 1 + 1
    assert names() == sorted(
        ours[-3:] + migrations[-BACKUPS_KEPT:] + restores[-BACKUPS_KEPT:] + dumps[-3:]
    )


def test_pruning_removes_leftovers_of_interrupted_backups_only_when_old() -> None:
    old = backups_dir() / f"{files.INCOMING_PREFIX}old"
    old.mkdir()
    (old / "trailarr-20261201T000100000000Z-manual.db").write_bytes(b"half")
    long_ago = time.time() - files.INCOMING_MAX_AGE - 60
    os.utime(old, (long_ago, long_ago))
    running = backups_dir() / f"{files.INCOMING_PREFIX}running"
    running.mkdir()

    prune()

    assert not old.exists() and running.exists()


def test_the_kept_count_is_kept_in_the_data_folder() -> None:
    assert read_settings().keep == BACKUPS_KEPT

    changed = update_settings(BackupSettingsUpdate(keep=4))

    assert changed.keep == 4
    stored = json.loads((get_settings().app_data_dir / files.SETTINGS_FILE).read_text())
    assert stored == {"keep": 4}
    assert read_settings().keep == 4
    assert update_settings(BackupSettingsUpdate()).keep == 4  # nothing asked, nothing changed


def test_an_unreadable_settings_file_gives_the_defaults(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    (get_settings().app_data_dir / files.SETTINGS_FILE).write_text('{"keep": 0}')

    assert read_settings().keep == BACKUPS_KEPT
    assert "the defaults apply" in caplog.text


def test_the_daily_cleanup_prunes_by_the_same_rule() -> None:
    update_settings(BackupSettingsUpdate(keep=2))
    ours = [make(n, "manual", size=100) for n in range(1, 6)]
    migration = make(50, "b213e0443c1b")

    summary = cleanup(threading.Event())

    assert summary.backups_removed == 3
    assert summary.bytes_freed >= 300
    assert names() == sorted([*ours[-2:], migration])
