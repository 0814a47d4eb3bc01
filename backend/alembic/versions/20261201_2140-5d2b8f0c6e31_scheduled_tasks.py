"""Scheduled tasks: each task's schedule and last run

Revision ID: 5d2b8f0c6e31
Revises: a7c3e1f9d2b4
Create Date: 2026-12-01 21:40:00.000000

A new table only; no existing row is touched. The app makes each task's row at start-up
with its default schedule, so the table starts empty.
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5d2b8f0c6e31"
down_revision: Union[str, None] = "a7c3e1f9d2b4"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "scheduledtask",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("last_started_at", sa.DateTime(), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_duration_s", sa.Float(), nullable=True),
        sa.Column("last_summary", sa.JSON(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduledtask")),
        sa.UniqueConstraint("name", name=op.f("uq_scheduledtask_name")),
    )


def downgrade() -> None:
    op.drop_table("scheduledtask")
