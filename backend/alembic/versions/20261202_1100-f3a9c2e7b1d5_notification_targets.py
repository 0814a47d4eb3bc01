"""Notification targets: Apprise URLs that hear about downloads, failures and health

Revision ID: f3a9c2e7b1d5
Revises: d8b3e5f1a7c4
Create Date: 2026-12-02 11:00:00.000000

A new table only; no existing row is touched. Each target is one Apprise URL with a flag per
event it wants (a column per event keeps the filter a plain WHERE and needs no JSON support).
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f3a9c2e7b1d5"
down_revision: Union[str, None] = "d8b3e5f1a7c4"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "notificationtarget",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("on_downloaded", sa.Boolean(), nullable=False),
        sa.Column("on_download_failed", sa.Boolean(), nullable=False),
        sa.Column("on_trailer_missing", sa.Boolean(), nullable=False),
        sa.Column("on_task_failed", sa.Boolean(), nullable=False),
        sa.Column("on_health", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notificationtarget")),
    )


def downgrade() -> None:
    op.drop_table("notificationtarget")
