"""A pytest plugin (see `pytest_plugins` in tests/conftest.py): backups to restore.

`backup_file` is a Trailarr database at head holding one media ("From The Backup"), as a
backup of it would; `listed` puts a copy of it in the backups folder as BACKUP_NAME.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config import get_settings
from tests.utils.db import insert_media

BACKUP_NAME = "trailarr-20261201T000100000000Z-manual.db"


@pytest.fixture
def backup_file(tmp_path: Path, migrated_db_template: Path) -> Path:
    """A Trailarr database at head holding one media, as a backup of it would."""
    path = tmp_path / "backup.db"
    shutil.copyfile(migrated_db_template, path)
    insert_media(path, "From The Backup")
    return path


@pytest.fixture
def listed(backup_file: Path) -> str:
    """The name of `backup_file`'s copy in the backups folder."""
    folder = get_settings().backups_dir
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(backup_file, folder / BACKUP_NAME)
    return BACKUP_NAME
