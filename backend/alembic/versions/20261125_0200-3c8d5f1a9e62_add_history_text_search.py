"""Add trigram full-text indexes for the history's text search

Revision ID: 3c8d5f1a9e62
Revises: 7f3b9e2c4d18
Create Date: 2026-11-25 02:00:00.000000

The history's `q` matches part of a media title or of a file name. `LIKE '%text%'` cannot
use an index, so two FTS5 tables with the trigram tokenizer (SQLite 3.34 and later) index
every three-character piece of those columns, case folded:

- `media_title_search` (rowid = media.id, title);
- `download_file_search` (rowid = download.id, file_name).

They keep a copy of the text (not `content=`), so that a trigger that deletes by rowid
never needs the old value to be right. Triggers keep them equal to their tables, including
deletes cascaded from media. SQLite only; elsewhere the search stays a LIKE.

A later migration that recreates `media` or `download` (a batch operation) drops their
triggers with the old table: it must create them again (see `create_triggers`).
tests/core/base/database/test_migrations.py checks at head that both indexes follow their tables.
"""

from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "3c8d5f1a9e62"
down_revision: Union[str, None] = "7f3b9e2c4d18"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (search table, source table, indexed column); kept equal to core/base/database/manager/history_search.py.
SEARCHES = (
    ("media_title_search", "media", "title"),
    ("download_file_search", "download", "file_name"),
)


def create_triggers(search: str, source: str, column: str) -> None:
    op.execute(
        f"CREATE TRIGGER {search}_insert AFTER INSERT ON {source} BEGIN"
        f" INSERT INTO {search} (rowid, {column}) VALUES (new.id, new.{column}); END"
    )
    op.execute(
        f"CREATE TRIGGER {search}_delete AFTER DELETE ON {source} BEGIN"
        f" DELETE FROM {search} WHERE rowid = old.id; END"
    )
    op.execute(
        f"CREATE TRIGGER {search}_update AFTER UPDATE OF {column} ON {source} BEGIN"
        f" DELETE FROM {search} WHERE rowid = old.id;"
        f" INSERT INTO {search} (rowid, {column}) VALUES (new.id, new.{column}); END"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for search, source, column in SEARCHES:
        op.execute(f"CREATE VIRTUAL TABLE {search} USING fts5({column}, tokenize = 'trigram')")
        op.execute(f"INSERT INTO {search} (rowid, {column}) SELECT id, {column} FROM {source}")
        create_triggers(search, source, column)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for search, _source, _column in SEARCHES:
        for action in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {search}_{action}")
        op.execute(f"DROP TABLE IF EXISTS {search}")
