"""The `trailarr` command refuses to start on a database it cannot write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.utils.server import cli_env, run_cli


@pytest.mark.slow
def test_a_database_that_cannot_be_written_stops_start_up_with_one_line(
    tmp_path: Path, migrated_db_template: Path
) -> None:
    data = tmp_path / "app-data"
    data.mkdir()
    db = data / "trailarr.db"
    shutil.copyfile(migrated_db_template, db)
    original = db.read_bytes()
    # SQLite's read-only mode refuses writes as a read-only mount does, even to root (whom
    # file permissions do not stop): it exercises the probe write of the start-up check.
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"

    result = run_cli(cli_env(data, DATABASE_URL=read_only))

    assert result.returncode == 1, result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"trailarr: the database {db} is not writable"), result.stderr
    assert "attempt to write a readonly database" in message
    assert "owner/permissions" in message
    assert db.read_bytes() == original
