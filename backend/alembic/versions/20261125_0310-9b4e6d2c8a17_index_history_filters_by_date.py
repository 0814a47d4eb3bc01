"""Index the history's filter columns together with added_at

Revision ID: 9b4e6d2c8a17
Revises: 3c8d5f1a9e62
Create Date: 2026-11-25 03:10:00.000000

The history's default view is newest first, often with one filter (a codec, a
resolution, a profile, present files only). An index on (filter, added_at) finds the
filter's records already in that order; the single-column index it replaces only found
them, and the page then had to walk the added_at index skipping the others. Its first
column still serves counts and totals by the column. Indexes only: no table is rebuilt
(the search triggers of 3c8d5f1a9e62 stay).
"""

from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "9b4e6d2c8a17"
down_revision: Union[str, None] = "3c8d5f1a9e62"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Kept equal to FILTERED_BY_DATE in core/base/database/models/download.py.
COLUMNS = ("resolution", "video_format", "audio_format", "profile_id", "file_exists")


def upgrade() -> None:
    for name in COLUMNS:
        op.create_index(f"ix_download_{name}_added_at", "download", [name, "added_at"])
        op.drop_index(f"ix_download_{name}", table_name="download")


def downgrade() -> None:
    for name in COLUMNS:
        op.create_index(f"ix_download_{name}", "download", [name])
        op.drop_index(f"ix_download_{name}_added_at", table_name="download")
