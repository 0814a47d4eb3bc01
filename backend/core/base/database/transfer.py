"""Moving an existing SQLite library to PostgreSQL (`trailarr migrate-db --to URL`).

The target must be an empty database. It is migrated to the source's revision, then every
table is copied in foreign-key order, in batches of `BATCH_ROWS`, inside one transaction:
a copy that fails leaves the target empty again (its schema is dropped). Afterwards each
table's row count and highest id are compared, and PostgreSQL's id sequences are moved past
the copied ids. The source is opened read-only and never written. Foreign keys are checked
by PostgreSQL at every insert (parents are copied before their children).

Rows are read through SQLAlchemy's reflection of the source, so that SQLite's integers,
text dates and JSON text arrive as booleans, datetimes and objects of the target's types.
The full-text search tables of SQLite are not copied: PostgreSQL's trigram indexes are
built by its own migration.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.pool import NullPool

from config.settings import url_without_password
from core.base.database.manager.history_search import is_search_table
from core.base.database.migrate import alembic_config, revision_state

BATCH_ROWS = 5000

Progress = Callable[[str, int, int], None]
"""Called with (table, rows copied so far, rows in all) after each batch."""


class TransferError(RuntimeError):
    """The library cannot be moved; the message says why and what to do."""


@dataclass
class TransferSummary:
    revision: str
    tables: dict[str, int] = field(default_factory=dict)
    """Rows copied, per table."""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def read_only_sqlite(path: Path) -> sa.Engine:
    """An engine that cannot write to the SQLite file at `path`."""
    if not path.is_file():
        raise TransferError(f"{path} does not exist: nothing to move")
    return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=NullPool)


def _app_tables(engine: sa.Engine) -> list[str]:
    names = sa.inspect(engine).get_table_names()
    return [
        n
        for n in names
        if n != "alembic_version" and not n.startswith("sqlite_") and not is_search_table(n)
    ]


def transfer(source: Path, target_url: str, *, progress: Progress | None = None) -> TransferSummary:
    """Copy the SQLite database at `source` into the empty PostgreSQL database at
    `target_url` (see the module docstring). Raises TransferError."""
    if not target_url.startswith("postgresql"):
        raise TransferError("the target must be a PostgreSQL URL (postgresql+psycopg://...)")
    shown = url_without_password(target_url)
    source_engine = read_only_sqlite(source)
    target_engine = sa.create_engine(target_url, poolclass=NullPool)
    try:
        revision = revision_state(f"sqlite:///{source}").current
        if revision is None:
            raise TransferError(f"{source} has no Trailarr schema: nothing to move")
        try:
            taken = _app_tables(target_engine)
        except sa.exc.SQLAlchemyError as exc:
            raise TransferError(f"cannot reach {shown}: {exc}") from exc
        if taken:
            raise TransferError(
                f"{shown} is not empty (it has the tables {', '.join(sorted(taken)[:5])}): "
                "give an empty database, made with CREATE DATABASE"
            )
        command.upgrade(alembic_config(target_url), revision)
        try:
            summary = _copy(source_engine, target_engine, revision, progress)
        except (TransferError, sa.exc.SQLAlchemyError) as exc:
            command.downgrade(alembic_config(target_url), "base")
            reason = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
            raise TransferError(
                f"the copy failed, nothing was kept in {shown}: {_first_line(reason)}"
            ) from exc
        except BaseException:
            command.downgrade(alembic_config(target_url), "base")
            raise
        return summary
    finally:
        source_engine.dispose()
        target_engine.dispose()


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _copy(
    source_engine: sa.Engine,
    target_engine: sa.Engine,
    revision: str,
    progress: Progress | None,
) -> TransferSummary:
    source_meta = sa.MetaData()
    with warnings.catch_warnings():  # SQLite's expression index: not reflected, not needed
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection")
        source_meta.reflect(source_engine, only=_app_tables(source_engine))
    target_meta = sa.MetaData()
    target_meta.reflect(target_engine, only=_app_tables(target_engine))
    missing = set(source_meta.tables) - set(target_meta.tables)
    if missing:
        raise TransferError(f"the target's schema lacks the tables {sorted(missing)}")
    summary = TransferSummary(revision=revision)
    with source_engine.connect() as reader, target_engine.begin() as writer:
        for target_table in target_meta.sorted_tables:
            source_table = source_meta.tables.get(target_table.name)
            if source_table is None:
                continue
            summary.tables[target_table.name] = _copy_table(
                reader, writer, source_table, target_table, progress
            )
        for table in target_meta.sorted_tables:
            _move_sequence(writer, table)
        _verify(reader, writer, source_meta, target_meta, summary)
    return summary


def _copy_table(
    reader: sa.Connection,
    writer: sa.Connection,
    source_table: sa.Table,
    target_table: sa.Table,
    progress: Progress | None,
) -> int:
    columns = [c.name for c in target_table.columns if c.name in source_table.columns]
    total = reader.execute(sa.select(sa.func.count()).select_from(source_table)).scalar_one()
    order: list[sa.ColumnElement[Any]] = [
        source_table.c[k.name] for k in source_table.primary_key
    ] or [sa.literal_column("rowid")]
    result = reader.execution_options(stream_results=True).execute(
        sa.select(*(source_table.c[name] for name in columns)).order_by(*order)
    )
    convert = _converters(target_table, columns)
    copied = 0
    for batch in result.partitions(BATCH_ROWS):
        rows = [_row(dict(zip(columns, row, strict=True)), convert) for row in batch]
        try:
            writer.execute(target_table.insert(), rows)
        except sa.exc.DBAPIError as exc:
            raise TransferError(f"table {target_table.name}: {_first_line(exc.orig)}") from exc
        copied += len(rows)
        if progress is not None:
            progress(target_table.name, copied, total)
    if progress is not None and copied == 0:
        progress(target_table.name, 0, 0)
    return copied


def _converters(table: sa.Table, columns: list[str]) -> dict[str, Callable[[Any], Any]]:
    """Per column, how a value read from SQLite becomes one PostgreSQL takes: SQLite keeps
    booleans as integers where its reflection did not say BOOLEAN."""
    converters: dict[str, Callable[[Any], Any]] = {}
    for name in columns:
        if isinstance(table.c[name].type, sa.Boolean):
            converters[name] = bool
    return converters


def _row(row: dict[str, Any], convert: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    for name, function in convert.items():
        if row[name] is not None:
            row[name] = function(row[name])
    return row


def _move_sequence(writer: sa.Connection, table: sa.Table) -> None:
    """The next id PostgreSQL gives is past the copied ones."""
    if "id" not in table.c or not isinstance(table.c.id.type, sa.Integer):
        return
    sequence = writer.execute(
        sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f'"{table.name}"'}
    ).scalar()
    if sequence is None:
        return
    writer.execute(
        sa.text(
            f'SELECT setval(:sequence, COALESCE((SELECT max(id) FROM "{table.name}"), 1),'
            f' (SELECT max(id) FROM "{table.name}") IS NOT NULL)'
        ),
        {"sequence": sequence},
    )


def _verify(
    reader: sa.Connection,
    writer: sa.Connection,
    source_meta: sa.MetaData,
    target_meta: sa.MetaData,
    summary: TransferSummary,
) -> None:
    """Each table: the same number of rows and the same highest id on both sides."""
    for name, copied in summary.tables.items():
        source_table, target_table = source_meta.tables[name], target_meta.tables[name]
        expected = reader.execute(sa.select(sa.func.count()).select_from(source_table)).scalar()
        found = writer.execute(sa.select(sa.func.count()).select_from(target_table)).scalar()
        if not expected == found == copied:
            raise TransferError(f"{name}: {expected} rows in the source, {found} copied")
        if "id" in source_table.c and "id" in target_table.c:
            top_source = reader.execute(sa.select(sa.func.max(source_table.c.id))).scalar()
            top_target = writer.execute(sa.select(sa.func.max(target_table.c.id))).scalar()
            if top_source != top_target:
                raise TransferError(f"{name}: the highest id differs after the copy")
