"""Download-missing engine: profile applicability filters and failed attempts

Revision ID: 8e4a6c2d0b17
Revises: 5d2b8f0c6e31
Create Date: 2026-12-01 21:47:55.000000

Profiles get the filters that say which media the engine uses them for (movies, series, a
connection, a year range, title words) and "stop monitoring after download"; existing
profiles get the values that keep them applying to every media as before (columns added
with defaults: no table is rebuilt on the way up). A new table keeps the engine's failed
attempts per (media, profile) with their backoff; it starts empty.
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "8e4a6c2d0b17"
down_revision: Union[str, None] = "5d2b8f0c6e31"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PROFILE_COLUMNS = (
    "for_movies",
    "for_series",
    "connection_id",
    "min_year",
    "max_year",
    "title_words",
    "stop_monitoring",
)


def upgrade() -> None:
    op.create_table(
        "wantedfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
            name=op.f("fk_wantedfailure_media_id_media"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["trailerprofile.id"],
            name=op.f("fk_wantedfailure_profile_id_trailerprofile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wantedfailure")),
        sa.UniqueConstraint("media_id", "profile_id", name=op.f("uq_wantedfailure_media_id")),
    )
    for column in ("media_id", "next_attempt_at", "profile_id"):
        op.create_index(op.f(f"ix_wantedfailure_{column}"), "wantedfailure", [column])

    true, false = sa.true(), sa.false()
    op.add_column(
        "trailerprofile", sa.Column("for_movies", sa.Boolean(), nullable=False, server_default=true)
    )
    op.add_column(
        "trailerprofile", sa.Column("for_series", sa.Boolean(), nullable=False, server_default=true)
    )
    op.add_column("trailerprofile", sa.Column("connection_id", sa.Integer(), nullable=True))
    op.add_column("trailerprofile", sa.Column("min_year", sa.Integer(), nullable=True))
    op.add_column("trailerprofile", sa.Column("max_year", sa.Integer(), nullable=True))
    op.add_column(
        "trailerprofile",
        sa.Column(
            "title_words",
            sqlmodel.sql.sqltypes.AutoString(length=500),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column(
        "trailerprofile",
        sa.Column("stop_monitoring", sa.Boolean(), nullable=False, server_default=false),
    )


def downgrade() -> None:
    with op.batch_alter_table("trailerprofile", schema=None) as batch_op:
        for column in reversed(PROFILE_COLUMNS):
            batch_op.drop_column(column)
    for column in ("profile_id", "next_attempt_at", "media_id"):
        op.drop_index(op.f(f"ix_wantedfailure_{column}"), table_name="wantedfailure")
    op.drop_table("wantedfailure")
