"""Library roots; media trailer_url, poster_url, media_exists; events that outlive media

Revision ID: a7c3e1f9d2b4
Revises: e5a1c9d3b7f2
Create Date: 2026-12-01 11:40:00.000000

- New table `libraryroot`: every media folder lies inside one (core/library/folders.py).
- `media` gains `trailer_url`, `poster_url` and `media_exists` (columns added in place: the
  table is not rebuilt, so the search triggers of 3c8d5f1a9e62 stay).
- `event.media_id` becomes nullable and `event.media_title` is added: the event saying that
  a media was removed (`media_removed`) outlives the media. On SQLite the `event` table is
  rebuilt (it cannot change a column's nullability; the table has no triggers); elsewhere
  it is an ALTER.

Data: before this revision there are no roots, so every media lies outside them. Each media
folder is normalised (`os.path.normpath`: no trailing slash, no "." or ".."), and each
distinct parent folder of a media folder becomes a local root (`scan` off: an upgrade never
scans the disk by surprise; `is_movie` from its media), unless a shorter root made here
holds it already. Each root made is logged. A relative folder (which no root can hold) is
left as it is, with a warning: editing it through the API asks for an absolute folder.
Nothing is deleted.

Downgrade: the columns and the table go; events without a media (`media_removed`) cannot
exist in the older schema and are deleted; the folders stay normalised.
"""

import os
from collections import defaultdict
from datetime import UTC, datetime
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from app_logger import ModuleLogger

# revision identifiers, used by Alembic.
revision: str = "a7c3e1f9d2b4"
down_revision: Union[str, None] = "e5a1c9d3b7f2"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

logger = ModuleLogger("Migrations")

# The media title search of 3c8d5f1a9e62, made again after `media` is rebuilt (downgrade).
MEDIA_SEARCH = ("media_title_search", "media", "title")


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _roots_for_media(bind: sa.engine.Connection) -> None:
    rows = bind.execute(sa.text("SELECT id, folder_path, is_movie FROM media ORDER BY id")).all()
    kinds: dict[str, set[bool]] = defaultdict(set)
    for media_id, folder, is_movie in rows:
        if not folder or not os.path.isabs(folder):
            logger.warning(
                f"Media {media_id} has the relative folder {folder!r}: no library root can"
                " hold it; edit the media to give it an absolute folder"
            )
            continue
        normal = os.path.normpath(folder)
        if normal.startswith("//"):  # normpath keeps a leading "//"
            normal = "/" + normal.lstrip("/")
        if normal != folder:
            bind.execute(
                sa.text("UPDATE media SET folder_path = :folder WHERE id = :id"),
                {"folder": normal, "id": media_id},
            )
        kinds[os.path.dirname(normal)].add(bool(is_movie))
    now = datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC
    made: list[str] = []
    for parent in sorted(kinds, key=lambda p: (len(p), p)):
        if any(_within(parent, root) for root in made):
            continue
        is_movie = True in kinds[parent]
        bind.execute(
            sa.text(
                "INSERT INTO libraryroot (path, is_movie, scan, connection_id, added_at)"
                " VALUES (:path, :is_movie, :scan, NULL, :now)"
            ).bindparams(sa.bindparam("now", type_=sa.DateTime())),
            {"path": parent, "is_movie": is_movie, "scan": False, "now": now},
        )
        made.append(parent)
        logger.info(
            f"Made the library root {parent} ({'movies' if is_movie else 'series'}, not"
            " scanned) for the media folders inside it"
        )


def upgrade() -> None:
    op.create_table(
        "libraryroot",
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("is_movie", sa.Boolean(), nullable=True),
        sa.Column("scan", sa.Boolean(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_libraryroot_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_libraryroot")),
        sa.UniqueConstraint("path", name=op.f("uq_libraryroot_path")),
    )
    with op.batch_alter_table("libraryroot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_libraryroot_connection_id"), ["connection_id"], unique=False
        )

    # Added in place (ALTER TABLE ADD COLUMN): `media` keeps its search triggers. The server
    # default stays, so that a row written without the column (older tools) is valid; it is
    # the literal "0" (true for SQLite and PostgreSQL): an expression would make Alembic
    # rebuild the table.
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trailer_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True)
        )
        batch_op.add_column(
            sa.Column("poster_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True)
        )
        batch_op.add_column(
            sa.Column("media_exists", sa.Boolean(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("media_title", sqlmodel.sql.sqltypes.AutoString(length=600), nullable=True)
        )
        batch_op.alter_column("media_id", existing_type=sa.Integer(), nullable=True)

    _roots_for_media(op.get_bind())


def _create_media_search_triggers() -> None:
    search, source, column = MEDIA_SEARCH
    for action in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {search}_{action}")
    op.execute(
        f"CREATE TRIGGER {search}_insert AFTER INSERT ON {source} BEGIN"
        f" INSERT INTO {search} (rowid, {column}) VALUES (new.id, new.{column}); END"
    )
    op.execute(
        f"CREATE TRIGGER {search}_delete AFTER DELETE ON {source} BEGIN"
        f" DELETE FROM {search} WHERE rowid = old.id; END"
    )
    op.execute(
        f"CREATE TRIGGER {search}_update AFTER UPDATE OF {column} ON {source} BEGIN"
        f" DELETE FROM {search} WHERE rowid = old.id;"
        f" INSERT INTO {search} (rowid, {column}) VALUES (new.id, new.{column}); END"
    )


def downgrade() -> None:
    op.execute("DELETE FROM event WHERE media_id IS NULL")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.alter_column("media_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("media_title")

    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("media_exists")
        batch_op.drop_column("poster_url")
        batch_op.drop_column("trailer_url")
    if op.get_bind().dialect.name == "sqlite":
        _create_media_search_triggers()

    with op.batch_alter_table("libraryroot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_libraryroot_connection_id"))
    op.drop_table("libraryroot")
