"""Alembic environment: migrations run on an engine of their own, foreign keys off.

Every pending revision runs in one transaction; before it commits, `PRAGMA
foreign_key_check` must find nothing, or the whole upgrade is rolled back.
"""

from __future__ import annotations

import warnings
from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import core.base.database.models  # noqa: F401  (registers every table)
from core.base.database.manager.history_search import is_search_table
from core.base.database.migrate import check_foreign_keys, migration_engine, resolve_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata

# The resolution sort index is an expression index kept in its migration only; SQLAlchemy
# cannot reflect it, which is expected and not a difference between models and schema.
warnings.filterwarnings(
    "ignore", message="Skipped unsupported reflection of expression-based index"
)


# Indexes that live in migrations only, on one engine (PostgreSQL's trigram and expression
# indexes, c4f1a7e3d9b2; SQLite's expression index is not reflected at all).
MIGRATION_ONLY_INDEXES = frozenset(
    {
        "ix_media_title_trgm",
        "ix_download_file_name_trgm",
        "ix_event_video_id_trgm",
        "ix_download_resolution_pixels",
    }
)


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave out of autogenerate the full-text search tables, which live in migrations only
    (virtual tables and their shadow tables, which SQLAlchemy cannot describe), and the
    indexes that do (MIGRATION_ONLY_INDEXES)."""
    if name is None:
        return True
    if type_ == "table":
        return not is_search_table(name)
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


def run_migrations_offline() -> None:
    context.configure(
        url=resolve_url(config),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = migration_engine(resolve_url(config))
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=True,
                compare_type=True,
                include_name=include_name,
                # SQLite DDL is transactional here: the engine emits BEGIN itself.
                transactional_ddl=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                check_foreign_keys(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
