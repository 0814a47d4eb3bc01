"""Add an index for sorting the download history by resolution (pixel count)

Revision ID: 7f3b9e2c4d18
Revises: ccee36abbd81
Create Date: 2026-11-25 00:40:00.000000

The history sorts resolution by width x height, an expression that the column's own index
cannot serve. This expression index is written by hand (autogenerate does not reflect
expression indexes) and must stay identical to `resolution_pixels` in
core/base/database/manager/history_query.py, or SQLite will not use it.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "7f3b9e2c4d18"
down_revision: Union[str, None] = "ccee36abbd81"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEX = "ix_download_resolution_pixels"
PIXELS = (
    "(CAST(substr(resolution, 1, instr(resolution, 'x') - 1) AS INTEGER)"
    " * CAST(substr(resolution, instr(resolution, 'x') + 1) AS INTEGER))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(INDEX, "download", [sa.text(PIXELS)])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, table_name="download")
