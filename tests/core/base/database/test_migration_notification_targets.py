"""Migration f3a9c2e7b1d5: the notification targets' table, on a database with data in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.pool import NullPool

from core.base.database.manager.history_search import is_search_table
from core.base.database.migrate import alembic_config
from tests.utils.migrations import fill_empty_tables

BEFORE = "d8b3e5f1a7c4"
REVISION = "f3a9c2e7b1d5"
TABLE = "notificationtarget"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of either engine (PostgreSQL only with TEST_POSTGRES_URL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every app table's rows, in primary-key order."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        names = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        metadata = sa.MetaData()
        metadata.reflect(engine, only=[n for n in names if not is_search_table(n)])
        with engine.connect() as conn:
            return {
                table.name: [
                    tuple(row)
                    for row in conn.execute(
                        sa.select(table).order_by(*table.primary_key.columns)
                    ).all()
                ]
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        inspector = sa.inspect(engine)
        if table not in inspector.get_table_names():
            return set()
        return {column["name"] for column in inspector.get_columns(table)}
    finally:
        engine.dispose()


def test_upgrade_adds_the_table_and_loses_no_row_and_downgrade_removes_it(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, BEFORE)
    fill_empty_tables(database_url)
    before = snapshot(database_url)
    assert len(before["media"]) == 2
    assert len(before["download"]) == 2

    command.upgrade(config, REVISION)
    after = snapshot(database_url)
    assert after.pop(TABLE) == []
    assert after == before
    assert columns(database_url, TABLE) == {
        "id",
        "name",
        "url",
        "enabled",
        "on_downloaded",
        "on_download_failed",
        "on_trailer_missing",
        "on_task_failed",
        "on_health",
        "added_at",
        "updated_at",
    }
    # The table takes a target (a URL of Apprise's longest accepted size included).
    engine = sa.create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO notificationtarget (name, url, enabled, on_downloaded,"
                    " on_download_failed, on_trailer_missing, on_task_failed, on_health,"
                    " added_at, updated_at) VALUES ('Hook', :url, true, true, false, false,"
                    " false, true, '2026-12-02 11:00:00', '2026-12-02 11:00:00')"
                ),
                {"url": "json://127.0.0.1/" + "x" * 4000},
            )
    finally:
        engine.dispose()

    command.downgrade(config, BEFORE)
    assert columns(database_url, TABLE) == set()
    assert snapshot(database_url) == before
    command.upgrade(config, REVISION)  # and up again, empty
    assert snapshot(database_url)[TABLE] == []
