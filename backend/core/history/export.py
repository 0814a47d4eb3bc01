"""The download history as a CSV or a JSON array, written straight from the database's rows.

No model is built per record (that cost 6 s of 14 at 200,000 records). The JSON's records
come ready from `DownloadManager.iter_export_json` (on SQLite the database writes each one,
on PostgreSQL msgspec encodes its rows). The CSV's lines come from
`DownloadManager.iter_export_csv`: rows with every value in its JSON form already
(datetimes as ISO 8601 UTC text, written by the database), written by `csv.writer` with
CSV_RULES a batch at a time (core/base/utils/csv_rows.py: every cell quoted). A large
unfiltered export on SQLite is read on two cores, by the server and a worker process
(core/base/database/manager/history_ranges.py), and SQLite writes its CSV lines too, by
the same rules. The output is byte for byte what serialising `DownloadHistoryRead` gives
(tests/core/history/test_export.py checks it on both engines, and through the worker).

Each chunk is one batch of the history, read in a short read of its own when the consumer
asks for it: the first chunk (the CSV header, the JSON array's "[") is ready before any
read, and a consumer that stops asking (a client gone) stops the reading.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any, get_args

from core.base.database.manager.download import DownloadManager
from core.base.database.models.history import DownloadHistoryRead, HistoryQuery
from core.base.utils.csv_rows import CsvRules, csv_text

_LEADING_FIELDS = ("id", "media_id", "media_title", "media_year", "media_is_movie")
CSV_FIELDS: tuple[str, ...] = _LEADING_FIELDS + tuple(
    name for name in DownloadHistoryRead.model_fields if name not in _LEADING_FIELDS
)
"""The CSV columns: every field of DownloadHistoryRead, the record and its media first."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def _kinds(annotation: Any) -> set[Any]:
    return {annotation, *get_args(annotation)}


def _columns_holding(kind: type) -> tuple[int, ...]:
    return tuple(
        n
        for n, name in enumerate(CSV_FIELDS)
        if kind in _kinds(DownloadHistoryRead.model_fields[name].annotation)
    )


_BOOLEAN_COLUMNS = _columns_holding(bool)
_NUMBER_COLUMNS = frozenset(_columns_holding(int))
_TEXT_COLUMNS = tuple(
    n for n in range(len(CSV_FIELDS)) if n not in _BOOLEAN_COLUMNS and n not in _NUMBER_COLUMNS
)
"""Every column whose JSON value is a string (text, enums, datetimes) or null."""
CSV_RULES = CsvRules(booleans=_BOOLEAN_COLUMNS, texts=_TEXT_COLUMNS, formula_starts=FORMULA_STARTS)
"""Booleans as `true`/`false`, NULL as an empty cell, numbers as they are, and text that a
spreadsheet would run as a formula with a leading `'`. File names and titles come from the
internet. Only text is neutralised, so a negative size is still a number. Every cell is
quoted (csv_rows.csv_text)."""


def csv_export(query: HistoryQuery, *, batch_size: int | None = None) -> Iterator[bytes]:
    """The records `query` selects as a UTF-8 CSV (header row first, CRLF line ends)."""
    yield csv_text([CSV_FIELDS]).encode()
    # Closed at once when the consumer stops (a client gone): its read worker with it.
    manager = DownloadManager()
    lines = manager.iter_export_csv(query, CSV_FIELDS, CSV_RULES, batch_size=batch_size)
    with closing(lines):
        yield from lines


def json_export(query: HistoryQuery, *, batch_size: int | None = None) -> Iterator[bytes]:
    """The records `query` selects as one JSON array, written a batch at a time."""
    yield b"["
    separator = b""
    # Closed at once when the consumer stops (a client gone): its read workers with it.
    with closing(DownloadManager().iter_export_json(query, batch_size=batch_size)) as batches:
        for records in batches:
            yield separator + records
            separator = b","
    yield b"]"
