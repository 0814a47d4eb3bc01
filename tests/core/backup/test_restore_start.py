"""A restore staged through the API of a running Trailarr is applied by its next real start:
the rows of the backup are back (its older schema upgraded by the migrations), and the
database it replaced is kept as a before-restore backup."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from core.base.database.migrate import alembic_config
from tests.utils.api import TEST_API_KEY
from tests.utils.db import connect, insert_media
from tests.utils.migrations import HOST_REVISION, current_revision, head
from tests.utils.server import HTTP_TIMEOUT, Server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.sqlite_only(reason="restores replace the SQLite database file"),
]


def titles(db: Path) -> list[str]:
    with connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT title FROM media ORDER BY title")]


def test_a_staged_restore_is_applied_by_the_next_start(
    data_dir: Path, db_file: Path, tmp_path: Path, server_factory: type[Server]
) -> None:
    from alembic import command

    # The backup: an older Trailarr's database (the first revision) with a media of its own.
    backup = tmp_path / "older-backup.db"
    shutil.copyfile(db_file, backup)
    command.downgrade(alembic_config(f"sqlite:///{backup}"), HOST_REVISION)
    insert_media(backup, "From The Backup")
    insert_media(db_file, "In The Replaced Database")
    headers = {"X-API-KEY": TEST_API_KEY}

    first = server_factory(data_dir, tmp_path / "first.log", APP_API_KEY=TEST_API_KEY)
    first.wait_ready()
    with backup.open("rb") as file:
        staged = httpx.post(
            f"{first.base}/api/v1/backups/restore",
            files={"file": ("older-backup.db", file, "application/octet-stream")},
            headers=headers,
            timeout=HTTP_TIMEOUT,
        )
    assert staged.status_code == 202, staged.text
    assert staged.json()["message"] == "Restart Trailarr to apply the restore"
    assert staged.json()["revision"] == HOST_REVISION
    code, _ = first.terminate()
    assert code == 0

    second = server_factory(data_dir, tmp_path / "second.log", APP_API_KEY=TEST_API_KEY)
    second.wait_ready()
    media = httpx.get(f"{second.base}/api/v1/media", headers=headers, timeout=HTTP_TIMEOUT)
    listed = httpx.get(f"{second.base}/api/v1/backups", headers=headers, timeout=HTTP_TIMEOUT)
    state = httpx.get(
        f"{second.base}/api/v1/backups/restore", headers=headers, timeout=HTTP_TIMEOUT
    )
    code, _ = second.terminate()
    assert code == 0

    assert [m["title"] for m in media.json()["records"]] == ["From The Backup"]
    assert current_revision(db_file) == head()  # the migrations upgraded it
    assert state.json()["staged"] is False
    kinds = {b["type"]: b["name"] for b in listed.json()}
    # The replaced database, and the restored one before the migrations upgraded it.
    assert set(kinds) == {"before_restore", "before_migration"}
    replaced = data_dir / "backups" / kinds["before_restore"]
    assert titles(replaced) == ["In The Replaced Database"]
    assert current_revision(replaced) == head()
    assert current_revision(data_dir / "backups" / kinds["before_migration"]) == HOST_REVISION
    log = second.log.read_text(errors="replace")
    assert "Restored the database from upload: older-backup.db" in log
    assert kinds["before_restore"] in log


def test_a_damaged_staged_file_stops_the_start_and_the_database_stays(
    data_dir: Path, db_file: Path, tmp_path: Path, server_factory: type[Server]
) -> None:
    insert_media(db_file, "Kept")
    folder = data_dir / "restore"
    folder.mkdir()
    (folder / "pending.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    before = db_file.read_bytes()

    server = server_factory(data_dir, tmp_path / "server.log", APP_API_KEY=TEST_API_KEY)
    code = server.process.wait(timeout=HTTP_TIMEOUT)

    assert code == 1
    log = server.log.read_text(errors="replace")
    assert "trailarr: the staged restore of" in log and "cannot be applied" in log
    assert db_file.read_bytes() == before
    assert (folder / "pending.db").exists()
