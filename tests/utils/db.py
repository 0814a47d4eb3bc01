"""Direct SQL on the test's database, beside the app, to set up or check what it holds.

On SQLite the statements go to the file through `sqlite3`. When the suite runs on
PostgreSQL (TRAILARR_TEST_ENGINE=postgresql) and `db` is the test's own database file, they
go to the test's PostgreSQL database instead (DATABASE_URL), so that one test checks both
engines. Write portable SQL: `?` placeholders (turned into psycopg's `%s`), TRUE and FALSE
for booleans. Other files (an older revision's copy, a backup) are always SQLite.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool


def connect(db: Path) -> closing[sqlite3.Connection]:
    """A `sqlite3` connection to the file `db` (SQLite only)."""
    return closing(sqlite3.connect(db))


def postgresql_url(db: Path) -> str | None:
    """The test's PostgreSQL URL, when `db` stands for the test's own database there."""
    url = os.environ.get("DATABASE_URL", "")
    data = os.environ.get("APP_DATA_DIR")
    if url.startswith("postgresql") and data and Path(db) == Path(data) / "trailarr.db":
        return url
    return None


def _postgresql(
    url: str, sql: str, params: tuple[Any, ...] | list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Run `sql` once with `params` (a tuple), or once per tuple of a list."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            # psycopg's placeholders are %s, and a literal % is written %%.
            statement = sql.replace("%", "%%").replace("?", "%s")
            result = conn.exec_driver_sql(statement, params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """The rows `sql` selects."""
    if (url := postgresql_url(db)) is not None:
        return _postgresql(url, sql, params)
    with connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def execute(db: Path, sql: str, *params: Any, foreign_keys: bool = False) -> None:
    """Run one statement and commit it.

    `foreign_keys=True` enforces the foreign keys on SQLite too, as the app does (its
    ON DELETE actions run); PostgreSQL always enforces them.
    """
    if (url := postgresql_url(db)) is not None:
        _postgresql(url, sql, params)
        return
    with connect(db) as conn:
        if foreign_keys:
            conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(sql, params)
        conn.commit()


def execute_many(db: Path, sql: str, params: list[tuple[Any, ...]]) -> None:
    """Run one statement once per tuple of `params`, and commit them together."""
    if (url := postgresql_url(db)) is not None:
        _postgresql(url, sql, params)
        return
    with connect(db) as conn:
        conn.executemany(sql, params)
        conn.commit()


def as_datetime(value: str | datetime) -> datetime:
    """A stored datetime as read back by `rows`: SQLite gives its text, PostgreSQL a
    `datetime` already."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def insert_media(db: Path, title: str) -> None:
    """A media row written with SQL only, so that it fits any schema revision."""
    execute(
        db,
        "INSERT INTO media (title, year, is_movie, folder_path, monitor, status, added_at,"
        " updated_at) VALUES (?, 2020, TRUE, '/m', FALSE, 'missing', '2026-01-01 00:00:00',"
        " '2026-01-01 00:00:00')",
        title,
    )


def contents(db: Path) -> bytes | dict[str, list[tuple[Any, ...]]]:
    """What the database holds, to check that something left it as it was: on SQLite the
    file's bytes, on PostgreSQL every table's rows."""
    if postgresql_url(db) is None:
        return Path(db).read_bytes()
    tables = rows(
        db,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        " ORDER BY table_name",
    )
    return {name: rows(db, f'SELECT * FROM "{name}" ORDER BY 1') for (name,) in tables}


def set_journal_mode(db: Path, mode: str) -> None:
    with connect(db) as conn:
        assert conn.execute(f"PRAGMA journal_mode={mode}").fetchone()[0] == mode
