"""PostgreSQL: trigram indexes for the text searches, and the resolution sort index

Revision ID: c4f1a7e3d9b2
Revises: 8e4a6c2d0b17
Create Date: 2026-12-02 00:30:00.000000

SQLite has had these since earlier revisions (FTS5 trigram tables, 3c8d5f1a9e62; the
resolution expression index, 7f3b9e2c4d18). On PostgreSQL the same searches are ILIKE
'%text%', which a GIN index with pg_trgm's `gin_trgm_ops` serves for text of three
characters or more; the resolution sort uses `resolution_pixels`'s PostgreSQL expression,
which must stay identical to PIXELS here or the planner will not use the index. Nothing
happens on SQLite. pg_trgm is a trusted extension: the database's owner may create it.
"""

from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c4f1a7e3d9b2"
down_revision: Union[str, None] = "8e4a6c2d0b17"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (index, table, column); alembic/env.py leaves them out of autogenerate's comparison.
TRIGRAM_INDEXES = (
    ("ix_media_title_trgm", "media", "title"),
    ("ix_download_file_name_trgm", "download", "file_name"),
    ("ix_event_video_id_trgm", "event", "video_id"),
)
PIXELS_INDEX = "ix_download_resolution_pixels"
PIXELS = (
    "(CASE WHEN resolution ~ '^[0-9]{1,9}x[0-9]{1,9}$'"
    " THEN CAST(split_part(resolution, 'x', 1) AS BIGINT)"
    " * CAST(split_part(resolution, 'x', 2) AS BIGINT) ELSE 0 END)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, table, column in TRIGRAM_INDEXES:
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({column} gin_trgm_ops)")
    op.execute(f"CREATE INDEX {PIXELS_INDEX} ON download (({PIXELS}))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {PIXELS_INDEX}")
    for index, _table, _column in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")
