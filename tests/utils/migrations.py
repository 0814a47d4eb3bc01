"""The migration scripts and the databases they build, looked at from outside the app."""

from __future__ import annotations

import shutil
import sqlite3
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from core.base.database.manager.history_search import is_search_table
from core.base.database.migrate import SCRIPT_LOCATION
from tests.utils.db import connect

HOST_REVISION = "b213e0443c1b"
"""The first revision: the schema of the app this one grew from."""
TEST_REVISION = "feedfacecafe"
"""The revision that `script_copy_with_revision` adds on top of head."""

FAILING_BODY = """
op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True))
op.execute("UPDATE media SET title = 'changed'")
raise RuntimeError("boom from the test migration")
"""
"""An upgrade that changes the schema and the rows, then fails."""


def script() -> ScriptDirectory:
    return ScriptDirectory(str(SCRIPT_LOCATION))


def head() -> str:
    current = script().get_current_head()
    assert current is not None
    return current


def script_copy_with_revision(
    tmp_path: Path, upgrade_body: str, *, revision: str = TEST_REVISION
) -> Path:
    """A copy of the app's migrations plus one test-only revision on top of head."""
    dest = tmp_path / "alembic-copy"
    shutil.copytree(SCRIPT_LOCATION, dest, ignore=shutil.ignore_patterns("__pycache__"))
    body = textwrap.indent(textwrap.dedent(upgrade_body).strip(), "    ")
    source = "\n".join(
        [
            '"""Test-only revision."""',
            "import sqlalchemy as sa",
            "from alembic import op",
            f"revision = {revision!r}",
            f"down_revision = {head()!r}",
            "branch_labels = None",
            "depends_on = None",
            "def upgrade() -> None:",
            body,
            "def downgrade() -> None:",
            "    pass",
            "",
        ]
    )
    (dest / "versions" / f"20990101_0000-{revision}_test_only.py").write_text(
        source, encoding="utf-8"
    )
    return dest


def current_revision(path: Path) -> str | None:
    with connect(path) as db:
        try:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


def tables(path: Path) -> set[str]:
    """The app's tables (not the search indexes, checked by their own tests)."""
    with connect(path) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return {name for (name,) in rows if not is_search_table(name)} - {"alembic_version"}


def snapshot(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every app table's rows as dicts, ordered by id."""
    result: dict[str, list[dict[str, Any]]] = {}
    with connect(path) as db:
        db.row_factory = sqlite3.Row
        for table in tables(path):
            rows = db.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
            result[table] = [dict(row) for row in rows]
    return result


def value_for(column: sa.Column[Any], row: int) -> Any:
    if column.foreign_keys or column.primary_key:
        return row
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return row % 2 == 0
    if isinstance(kind, sa.Integer):
        return 100 + row
    if isinstance(kind, sa.Float | sa.Numeric):
        return row + 0.5
    if isinstance(kind, sa.JSON):
        return {"row": row}
    if isinstance(kind, sa.DateTime):
        return datetime(2026, row, 1, 12, 0)
    text = f"{column.name}-{row}"
    length = getattr(kind, "length", None)  # PostgreSQL holds VARCHAR(n) to n characters
    return text[-length:] if length else text


def fill_empty_tables(url: str) -> None:
    """Two rows in every empty app table of the database at `url` (SQLite or PostgreSQL),
    whatever the schema at its revision."""
    db = sa.create_engine(url, poolclass=NullPool)
    names = set(sa.inspect(db).get_table_names()) - {"alembic_version"}
    metadata = sa.MetaData()
    metadata.reflect(db, only=[n for n in names if not is_search_table(n)])
    with db.begin() as conn:
        for table in metadata.sorted_tables:
            if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                continue
            for row in (1, 2):
                conn.execute(table.insert().values({c.name: value_for(c, row) for c in table.c}))
    db.dispose()
