"""Direct SQLite access to a database file, beside the app, to set up or check what it holds."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any


def connect(db: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(db))


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """The rows `sql` selects."""
    with connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def execute(db: Path, sql: str, *params: Any) -> None:
    """Run one statement and commit it."""
    with connect(db) as conn:
        conn.execute(sql, params)
        conn.commit()


def insert_media(db: Path, title: str) -> None:
    """A media row written with SQL only, so that it fits any schema revision."""
    execute(
        db,
        "INSERT INTO media (title, year, is_movie, folder_path, monitor, status, added_at,"
        " updated_at) VALUES (?, 2020, 1, '/m', 0, 'missing', '2026-01-01 00:00:00',"
        " '2026-01-01 00:00:00')",
        title,
    )


def set_journal_mode(db: Path, mode: str) -> None:
    with connect(db) as conn:
        assert conn.execute(f"PRAGMA journal_mode={mode}").fetchone()[0] == mode
