"""Rows of plain values as CSV text, by rules given as data: the standard library only.

The history's CSV export writes its rows with these rules when Python writes them; on
SQLite a large export's lines are written by the database itself, by the same rules
(`history_export.csv_line`), and tests/core/history/test_export.py holds the two to the
same bytes.

The format: every cell in double quotes (a quote inside doubled), CRLF line ends. Quoting
every cell costs SQLite nothing, where quoting only the cells that need it costs it a
check per cell (docs/benchmarks.md); a spreadsheet or a CSV reader reads both the same.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

NUL = "\x00"


@dataclass(frozen=True)
class CsvRules:
    """How the cells of a row are written.

    `booleans`: the columns written `true`/`false` (NULL as false). `texts`: the columns
    whose values are text (or NULL). A text that starts with one of `formula_starts` gets
    a leading `'` (a spreadsheet would run it as a formula), and a text ends at its first
    NUL character, if it holds one (no path or name can; the JSON export keeps it whole).
    NULL is an empty cell; numbers as they are.
    """

    booleans: tuple[int, ...]
    texts: tuple[int, ...]
    formula_starts: tuple[str, ...]


def csv_cells(rows: Iterable[Sequence[Any]], rules: CsvRules) -> Iterator[list[Any]]:
    """Each row as the cells `rules` say."""
    starts = rules.formula_starts
    for row in rows:
        cells = list(row)
        for n in rules.booleans:
            cells[n] = "true" if cells[n] else "false"
        for n in rules.texts:
            value = cells[n]
            if not value:
                continue
            if NUL in value:
                value = value.partition(NUL)[0]
            cells[n] = f"'{value}" if cells[n].startswith(starts) else value
        yield cells


def csv_text(rows: Iterable[Sequence[Any]], rules: CsvRules | None = None) -> str:
    """The rows as CSV lines (every cell quoted, CRLF line ends), their cells written by
    `rules` (none: as they are)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerows(rows if rules is None else csv_cells(rows, rules))
    return buffer.getvalue()
