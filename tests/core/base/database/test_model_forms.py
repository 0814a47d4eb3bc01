"""The present-path index in each engine's form: its PostgreSQL WHERE comes with the
PostgreSQL engines (declare_postgresql_forms), so that SQLite never loads that dialect."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex

from core.base.database.engine import create_db_engine
from core.base.database.models.download import PRESENT_PATH_INDEX, present_path_index

pytestmark = pytest.mark.no_database


def test_each_engine_gets_its_partial_index() -> None:
    on_sqlite = str(CreateIndex(present_path_index()).compile(dialect=sqlite.dialect()))
    assert on_sqlite.strip() == (
        f"CREATE UNIQUE INDEX {PRESENT_PATH_INDEX} ON download (path) WHERE file_exists = 1"
    )
    # An engine connects on first use only: no server is needed to compile for it.
    engine = create_db_engine("postgresql+psycopg://u:p@127.0.0.1:9/none", pooled=False)
    on_postgresql = str(CreateIndex(present_path_index()).compile(dialect=engine.dialect))
    assert on_postgresql.strip() == (
        f"CREATE UNIQUE INDEX {PRESENT_PATH_INDEX} ON download (path) WHERE file_exists"
    )
    # Declared twice (a second engine): the same form.
    create_db_engine("postgresql+psycopg://u:p@127.0.0.1:9/other", pooled=False)
    again = CreateIndex(present_path_index()).compile(dialect=engine.dialect)
    assert str(again) == on_postgresql
