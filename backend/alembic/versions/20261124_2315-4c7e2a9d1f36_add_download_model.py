"""Add download model

Revision ID: 4c7e2a9d1f36
Revises: b213e0443c1b
Create Date: 2026-11-24 23:15:00.000000

"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "4c7e2a9d1f36"
down_revision: Union[str, None] = "b213e0443c1b"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _foreign_keys(on: bool) -> None:
    """SQLite only: PostgreSQL checks foreign keys at each statement, and has no PRAGMA."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade() -> None:
    # Migrations run on a connection with foreign keys already off (see env.py); this
    # statement is kept so that the file also works when run by hand.
    _foreign_keys(False)
    op.create_table(
        "download",
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("video_format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("audio_format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("audio_channels", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("file_format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("subtitles", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("youtube_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("file_exists", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
            name=op.f("fk_download_media_id_media"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_download")),
    )
    with op.batch_alter_table("download", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_download_media_id"), ["media_id"], unique=False)
    _foreign_keys(True)


def downgrade() -> None:
    _foreign_keys(False)
    with op.batch_alter_table("download", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_download_media_id"))
    op.drop_table("download")
    _foreign_keys(True)
