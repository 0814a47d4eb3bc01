"""At most one present download record per path

Revision ID: e5a1c9d3b7f2
Revises: 9b4e6d2c8a17
Create Date: 2026-12-01 05:30:00.000000

A file on disk is one trailer: a partial unique index on `download(path)` where
`file_exists` is true. Databases written before it may hold several present records for
one path (a trailer deleted by the user, downloaded again under the same name, then
"restored" by reconciliation). Those are repaired first: the newest record (by added_at,
then id) keeps the file; the others are marked replaced, each with an event saying so.
Nothing is deleted. Index only: no table is rebuilt (the search triggers of 3c8d5f1a9e62
stay).
"""

from datetime import UTC, datetime
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e5a1c9d3b7f2"
down_revision: Union[str, None] = "9b4e6d2c8a17"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEX = "ux_download_present_path"  # PRESENT_PATH_INDEX in models/download.py
NOW = sa.bindparam("now", type_=sa.DateTime())  # stored as the models store naive UTC


def _repair_duplicates(bind: sa.engine.Connection) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC
    paths = (
        bind.execute(
            sa.text("SELECT path FROM download WHERE file_exists GROUP BY path HAVING count(*) > 1")
        )
        .scalars()
        .all()
    )
    for path in paths:
        rows = bind.execute(
            sa.text(
                "SELECT id, media_id, youtube_id FROM download WHERE path = :path"
                " AND file_exists ORDER BY added_at DESC, id DESC"
            ),
            {"path": path},
        ).all()
        keeper = rows[0].id
        for row in rows[1:]:
            bind.execute(
                sa.text(
                    "UPDATE download SET file_exists = :no, deleted_reason = 'replaced',"
                    " deleted_at = :now WHERE id = :id"
                ).bindparams(NOW),
                {"no": False, "now": now, "id": row.id},
            )
            bind.execute(
                sa.text(
                    "INSERT INTO event (event_type, message, video_id, reason, source_failed,"
                    " created_at, media_id, download_id) VALUES ('deleted', :message,"
                    " :video_id, 'replaced', :no, :now, :media_id, :id)"
                ).bindparams(NOW),
                {
                    "message": f"Record retired by the upgrade: download {keeper} holds the"
                    f" same file {path}",
                    "video_id": row.youtube_id or None,
                    "no": False,
                    "now": now,
                    "media_id": row.media_id,
                    "id": row.id,
                },
            )


def upgrade() -> None:
    bind = op.get_bind()
    _repair_duplicates(bind)
    op.create_index(
        INDEX,
        "download",
        ["path"],
        unique=True,
        sqlite_where=sa.text("file_exists = 1"),
        postgresql_where=sa.text("file_exists"),
    )


def downgrade() -> None:
    # The repaired records stay as they are: they were duplicates of a present record.
    op.drop_index(INDEX, table_name="download")
