"""`trailarr migrate-db`: a SQLite library moved into an empty PostgreSQL database, row for
row, on a real server (TEST_POSTGRES_URL); the SQLite file is never written."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

import cli
from core.base.database.manager.history_search import is_search_table
from tests.utils.db import execute
from tests.utils.migrations import fill_empty_tables

pytestmark = pytest.mark.slow  # a database server


def typed_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every app table's rows, read through SQLAlchemy's reflection (typed), by id."""
    db = sa.create_engine(url, poolclass=NullPool)
    try:
        names = [
            n
            for n in sa.inspect(db).get_table_names()
            if n != "alembic_version" and not is_search_table(n)
        ]
        metadata = sa.MetaData()
        metadata.reflect(db, only=names)
        with db.connect() as conn:
            return {
                name: [dict(r) for r in conn.execute(sa.select(t).order_by(t.c.id)).mappings()]
                for name, t in metadata.tables.items()
            }
    finally:
        db.dispose()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def library(tmp_path: Path, migrated_db_template: Path) -> Path:
    """A SQLite library at head with rows in every table."""
    path = tmp_path / "library.db"
    shutil.copyfile(migrated_db_template, path)
    fill_empty_tables(f"sqlite:///{path}")
    return path


def test_a_library_moves_with_identical_rows_and_the_source_untouched(
    library: Path, empty_postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(library)
    expected = typed_rows(f"sqlite:///{library}")
    assert all(expected.values()), "every table has rows to move"

    code = cli.main(["migrate-db", "--from", str(library), "--to", empty_postgres_url])

    out = capsys.readouterr()
    assert code == 0, out.err
    assert digest(library) == before
    moved = typed_rows(empty_postgres_url)
    assert moved.keys() == expected.keys()
    for table, rows in expected.items():
        assert moved[table] == rows, table
    assert "counts and ids match" in out.out
    assert empty_postgres_url.split("@")[0].split(":")[-1] not in out.out + out.err  # no password
    assert "media" in out.err  # a progress bar per table
    # New rows get ids past the copied ones.
    db = sa.create_engine(empty_postgres_url, poolclass=NullPool)
    with db.begin() as conn:
        top = conn.execute(sa.text("SELECT max(id) FROM libraryroot")).scalar_one()
        new = conn.execute(
            sa.text(
                "INSERT INTO libraryroot (path, is_movie, scan, added_at)"
                " VALUES ('/new', true, false, now())"
                " RETURNING id"
            )
        ).scalar_one()
    db.dispose()
    assert new == top + 1


def test_a_database_that_is_not_empty_is_refused(
    library: Path, empty_postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["migrate-db", "--from", str(library), "--to", empty_postgres_url]) == 0
    capsys.readouterr()

    code = cli.main(["migrate-db", "--from", str(library), "--to", empty_postgres_url])

    assert code == 1
    assert "is not empty" in capsys.readouterr().err


def test_a_copy_that_fails_leaves_the_target_empty(
    library: Path, empty_postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite does not hold a VARCHAR to its length; PostgreSQL refuses the row."""
    execute(library, "UPDATE media SET youtube_trailer_id = ? WHERE id = 1", "x" * 40)

    code = cli.main(["migrate-db", "--from", str(library), "--to", empty_postgres_url])

    assert code == 1
    err = capsys.readouterr().err
    assert "media" in err and "nothing was kept" in err
    db = sa.create_engine(empty_postgres_url, poolclass=NullPool)
    assert set(sa.inspect(db).get_table_names()) <= {"alembic_version"}
    db.dispose()


def test_the_target_must_be_postgresql(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["migrate-db", "--from", str(library), "--to", "sqlite:///elsewhere.db"])
    assert code == 1
    assert "must be a PostgreSQL URL" in capsys.readouterr().err
