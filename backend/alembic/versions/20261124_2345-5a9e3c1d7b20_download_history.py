"""download history

Revision ID: 5a9e3c1d7b20
Revises: 8d2f0b6e5a41
Create Date: 2026-11-24 23:45:55.385010+00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5a9e3c1d7b20"
down_revision: Union[str, None] = "8d2f0b6e5a41"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("download", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("deleted_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_download_added_at"), ["added_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_download_audio_format"), ["audio_format"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_download_duration"), ["duration"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_file_exists"), ["file_exists"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_file_name"), ["file_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_path"), ["path"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_profile_id"), ["profile_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_resolution"), ["resolution"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_size"), ["size"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_download_video_format"), ["video_format"], unique=False
        )

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("reason")

    with op.batch_alter_table("download", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_download_video_format"))
        batch_op.drop_index(batch_op.f("ix_download_size"))
        batch_op.drop_index(batch_op.f("ix_download_resolution"))
        batch_op.drop_index(batch_op.f("ix_download_profile_id"))
        batch_op.drop_index(batch_op.f("ix_download_path"))
        batch_op.drop_index(batch_op.f("ix_download_fingerprint"))
        batch_op.drop_index(batch_op.f("ix_download_file_name"))
        batch_op.drop_index(batch_op.f("ix_download_file_exists"))
        batch_op.drop_index(batch_op.f("ix_download_duration"))
        batch_op.drop_index(batch_op.f("ix_download_audio_format"))
        batch_op.drop_index(batch_op.f("ix_download_added_at"))
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("deleted_reason")
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("source_url")
