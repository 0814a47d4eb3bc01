"""Migration b6d4e8a2c9f0: the media server tables arrive beside a database in use (media,
downloads, connections with their path mappings) and every row stays; downgrade takes them
away again. On SQLite, and on PostgreSQL when TEST_POSTGRES_URL names a server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.pool import NullPool

from core.base.database.engine import create_db_engine
from core.base.database.manager.history_search import is_search_table
from core.base.database.migrate import alembic_config
from tests.utils.migrations import fill_empty_tables, script

BEFORE = "f3a9c2e7b1d5"
REVISION = "b6d4e8a2c9f0"
NEW_TABLES = {"mediaserver", "mediaserverpathmapping"}
IN_USE = {"media", "download", "connection", "pathmapping", "trailerprofile"}


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    return {n for n in names if not is_search_table(n)} - {"alembic_version"}


def _snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                table: [
                    dict(row)
                    for row in conn.execute(sa.text(f'SELECT * FROM "{table}" ORDER BY id'))
                    .mappings()
                    .all()
                ]
                for table in _tables(url)
            }
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def url_in_use(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the revision before, with rows in every table."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'in-use.db'}"
    else:
        url = request.getfixturevalue("empty_postgres_url")
    command.upgrade(alembic_config(url), BEFORE)
    fill_empty_tables(url)
    yield url


def test_one_head_and_the_media_server_revision_follows_the_notification_targets() -> None:
    revision = script().get_revision(REVISION)
    assert revision.down_revision == BEFORE
    assert Path(revision.path).name == f"20261202_1110-{REVISION}_media_servers.py"
    assert len(script().get_heads()) == 1


def test_upgrade_adds_the_tables_and_loses_no_row(url_in_use: str) -> None:
    url = url_in_use
    before = _snapshot(url)
    assert all(len(before[table]) == 2 for table in IN_USE), {t: len(before[t]) for t in IN_USE}

    command.upgrade(alembic_config(url), REVISION)

    after = _snapshot(url)
    assert set(after) == set(before) | NEW_TABLES
    for table, rows in before.items():
        assert after[table] == rows, table
    assert after["mediaserver"] == [] and after["mediaserverpathmapping"] == []

    # The new tables take a server and its mappings; the mappings go with the server.
    engine = create_db_engine(url, pooled=False)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO mediaserver (id, name, kind, url, token, enabled, added_at,"
                    " updated_at) VALUES (1, 'Plex', 'plex', 'http://plex:32400', 'tok-123456',"
                    " TRUE, :at, :at)"
                ).bindparams(sa.bindparam("at", type_=sa.DateTime())),
                {"at": datetime(2026, 12, 2, 11, 10)},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO mediaserverpathmapping (id, media_server_id, path_from, path_to)"
                    " VALUES (1, 1, '/data', '/mnt'), (2, 1, '/tv', '/mnt/tv')"
                )
            )
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM mediaserver WHERE id = 1"))
        with engine.connect() as conn:
            left = conn.execute(sa.text("SELECT count(*) FROM mediaserverpathmapping")).scalar()
        assert left == 0
    finally:
        engine.dispose()
    final = _snapshot(url)
    for table, rows in before.items():
        assert final[table] == rows, table


def test_downgrade_drops_the_tables_and_keeps_every_other_row(url_in_use: str) -> None:
    url = url_in_use
    config = alembic_config(url)
    before = _snapshot(url)
    command.upgrade(config, REVISION)
    fill_empty_tables(url)  # a media server and its mappings
    assert len(_snapshot(url)["mediaserverpathmapping"]) == 2

    command.downgrade(config, BEFORE)

    assert _snapshot(url) == before
    assert not NEW_TABLES & _tables(url)
    command.upgrade(config, "head")
    assert _tables(url) >= NEW_TABLES
