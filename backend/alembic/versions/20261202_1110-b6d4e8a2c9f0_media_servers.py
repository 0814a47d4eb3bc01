"""Media servers: Plex, Jellyfin and Emby servers that rescan a media's folder, with their
path mappings

Revision ID: b6d4e8a2c9f0
Revises: f3a9c2e7b1d5
Create Date: 2026-12-02 11:10:00.000000

New tables only; no existing row is touched. A media server's path mappings go with it
(ON DELETE CASCADE). Downgrade drops both tables.
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b6d4e8a2c9f0"
down_revision: Union[str, None] = "f3a9c2e7b1d5"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "mediaserver",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediaserver")),
    )
    op.create_table(
        "mediaserverpathmapping",
        sa.Column("path_from", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("path_to", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_server_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_server_id"],
            ["mediaserver.id"],
            name=op.f("fk_mediaserverpathmapping_media_server_id_mediaserver"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediaserverpathmapping")),
    )
    with op.batch_alter_table("mediaserverpathmapping", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediaserverpathmapping_media_server_id"),
            ["media_server_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("mediaserverpathmapping", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediaserverpathmapping_media_server_id"))
    op.drop_table("mediaserverpathmapping")
    op.drop_table("mediaserver")
