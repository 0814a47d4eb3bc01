"""download.size is a 64-bit integer: a trailer file may pass 2 GiB

Revision ID: d8b3e5f1a7c4
Revises: c4f1a7e3d9b2
Create Date: 2026-12-02 03:00:00.000000

PostgreSQL's INTEGER holds at most 2**31 - 1 bytes (2 GiB); a 4K trailer of a few minutes can
be larger, and its record would then fail to write. The column becomes BIGINT there (an
in-place type change that keeps every row and the index). SQLite's INTEGER is 64-bit
already and has no distinct BIGINT storage, so nothing changes there: rebuilding the table
would cost time on a large history for no difference in what it can hold.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d8b3e5f1a7c4"
down_revision: Union[str, None] = "c4f1a7e3d9b2"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column(
        "download",
        "size",
        existing_type=sa.Integer(),
        type_=sa.BigInteger(),
        existing_nullable=False,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # A size above INTEGER's range would not fit back: the downgrade stops with the database's
    # "integer out of range" error, in its transaction, rather than change a recorded size.
    op.alter_column(
        "download",
        "size",
        existing_type=sa.BigInteger(),
        type_=sa.Integer(),
        existing_nullable=False,
    )
