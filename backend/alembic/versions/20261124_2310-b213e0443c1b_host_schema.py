"""Host schema: media, trailer profiles, connections and path mappings

Revision ID: b213e0443c1b
Revises:
Create Date: 2026-11-24 23:10:48.039860+00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b213e0443c1b"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "connection",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("arr_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("api_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("monitor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection")),
    )
    op.create_table(
        "trailerprofile",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("file_format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("folder_enabled", sa.Boolean(), nullable=False),
        sa.Column("folder_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("video_format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("video_resolution", sa.Integer(), nullable=False),
        sa.Column("audio_format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subtitles_enabled", sa.Boolean(), nullable=False),
        sa.Column("subtitles_format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column(
            "subtitles_languages", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False
        ),
        sa.Column("embed_metadata", sa.Boolean(), nullable=False),
        sa.Column("search_query", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("min_duration", sa.Integer(), nullable=False),
        sa.Column("max_duration", sa.Integer(), nullable=False),
        sa.Column("include_words", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("exclude_words", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("always_search", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trailerprofile")),
        sa.UniqueConstraint("name", name=op.f("uq_trailerprofile_name")),
    )
    op.create_table(
        "media",
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("is_movie", sa.Boolean(), nullable=False),
        sa.Column("folder_path", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("imdb_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("tmdb_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("tvdb_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("youtube_trailer_id", sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
        sa.Column("monitor", sa.Boolean(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("arr_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("downloaded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_media_connection_id_connection"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_title"), ["title"], unique=False)

    op.create_table(
        "pathmapping",
        sa.Column("path_from", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("path_to", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_pathmapping_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathmapping")),
    )
    with op.batch_alter_table("pathmapping", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathmapping_connection_id"), ["connection_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pathmapping", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathmapping_connection_id"))

    op.drop_table("pathmapping")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_title"))
        batch_op.drop_index(batch_op.f("ix_media_status"))
        batch_op.drop_index(batch_op.f("ix_media_connection_id"))

    op.drop_table("media")
    op.drop_table("trailerprofile")
    op.drop_table("connection")
