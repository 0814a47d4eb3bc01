"""The export of a large SQLite history, read on two cores: by the server and a worker.

Reading the records is most of an export's time, and SQLite reads in one thread per
statement: at 200,000 records one process reads them in about 3 s, two processes each
reading every other batch in about half that (docs/benchmarks.md). So an export of the
whole history, on SQLite, with two cores or more and at least PARALLEL_MIN_RECORDS
records, is cut into ranges of the order's positions, and its batches are read in turns
by the server (in the export's thread) and a worker process (`read_processes`). Two
workers and the server only passing their batches on are as fast, but each worker holds
about 14 MB more of memory. The ranges' bounds are the position of every
`batch_size`th record: one short index-only step each (`LIMIT 1 OFFSET n`, about 0.2 ms
at 200,000 records), taken as the batches are handed out.

Each batch is one statement of its own, as in the export read in process: a record
added or removed during the export is in it or not, never twice, never splitting a batch.
Anything else (a filtered export, the resolution order, PostgreSQL, a database in memory,
one core, a worker that cannot start) reads in this process as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import literal, tuple_
from sqlalchemy.types import NullType

from core.base.database.engine import BUSY_TIMEOUT_MS, get_engine, single_read
from core.base.database.manager.history_export import Position, export_ranges
from core.base.database.manager.history_query import (
    history_count,
    history_filters,
    history_keys,
    key_range,
)
from core.base.database.models.history import HistoryQuery, HistorySort
from core.base.database.read_processes import BatchReaders, ReadWorkerError, cores
from core.base.utils.csv_rows import CsvRules

logger = logging.getLogger(__name__)

PARALLEL_MIN_RECORDS = 20_000
"""Below this, starting a worker (tens of milliseconds) is not worth it."""
PARALLEL_WORKERS = 1
"""Worker processes per export beside the server's own reading, one per other core at
most: each holds about 14 MB (its interpreter, SQLite's page cache, a batch), which count
in the server's memory."""
_ONE_AT_A_TIME = threading.BoundedSemaphore(1)
"""One export at a time has workers: the server's memory stays bounded, and exports at
once would share the same cores anyway."""


def record_readers(
    query: HistoryQuery, batch_size: int, *, csv: tuple[Sequence[str], CsvRules] | None = None
) -> tuple[BatchReaders, Iterator[bytes]] | None:
    """Worker processes reading the records of `query` with the server, `batch_size` at a
    time, and the batches they give, in order: the JSON records joined by commas (the
    inside of the array), or with `csv` (the fields and their rules) CSV lines, each
    written by SQLite (`history_export.export_ranges`). None when
    the export is better read in this process alone, or a worker cannot start (logged).

    Close the readers when done: that stops the workers.
    """
    database = _database_file()
    workers = min(PARALLEL_WORKERS, cores() - 1)
    if database is None or workers < 1:
        return None
    if query.sort == HistorySort.RESOLUTION or history_filters(query):
        return None
    with single_read() as connection:
        if connection.execute(history_count(query)).scalar_one() < PARALLEL_MIN_RECORDS:
            return None
    ranges = export_ranges(query, get_engine().dialect, csv)
    separator = "," if csv is None else ""
    if not _ONE_AT_A_TIME.acquire(blocking=False):
        return None  # another export has the worker: this one is read by the server alone
    try:
        readers = BatchReaders(
            database,
            ranges.statements,
            workers=workers,
            busy_timeout_ms=BUSY_TIMEOUT_MS,
            separator=separator,
            on_close=_ONE_AT_A_TIME.release,
        )
    except ReadWorkerError as exc:
        logger.warning("%s; the export is read by the server itself (slower)", exc)
        return None

    def here(index: int, parameters: Sequence[Any]) -> bytes:
        # The statement as the worker runs it, through the DB-API cursor as the worker
        # does: no Row per record on the way.
        with single_read() as connection:
            cursor = connection.connection.cursor()
            try:
                cursor.execute(ranges.statements[index], parameters)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        return separator.join([row[0] for row in rows]).encode()

    batches = (ranges.batch(*pair) for pair in _ranges(query, batch_size))
    return readers, readers.read(batches, here=here)


def _database_file() -> Path | None:
    url = get_engine().url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return None  # a URI (shared memory, options): left to the server's own reads
    return Path(url.database)


def _ranges(
    query: HistoryQuery, batch_size: int
) -> Iterator[tuple[Position | None, Position | None]]:
    """(after, through) for each range of `batch_size` records, in order; the last range
    has no upper bound."""
    step = history_keys(query).offset(batch_size - 1).limit(1)
    after: Position | None = None
    while True:
        stmt = step
        if after is not None:
            bound = tuple_(*(literal(value, NullType()) for value in after))
            stmt = step.where(*key_range(query, after=bound, through=None))
        with single_read() as connection:
            row = connection.execute(stmt).first()
        through = None if row is None else (row[0], row[1])
        yield after, through
        if through is None:
            return
        after = through
