"""Rows of plain values as CSV text, by rules given as data: the standard library only.

The history's CSV export writes its rows with these rules in the server and in the read
worker process (core/base/database/read_worker.py), which imports this module and nothing
else of the app's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CsvRules:
    """How the cells of a row are written.

    `booleans`: the columns written `true`/`false`. `texts`: the columns whose values are
    text (or NULL), of which one that starts with one of `formula_starts` gets a leading
    `'` (a spreadsheet would run it as a formula). NULL is an empty cell; the rest as it is.
    """

    booleans: tuple[int, ...]
    texts: tuple[int, ...]
    formula_starts: tuple[str, ...]

    def as_dict(self) -> dict[str, list[Any]]:
        return {
            "booleans": list(self.booleans),
            "texts": list(self.texts),
            "formula_starts": list(self.formula_starts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, list[Any]]) -> CsvRules:
        return cls(
            booleans=tuple(data["booleans"]),
            texts=tuple(data["texts"]),
            formula_starts=tuple(data["formula_starts"]),
        )


def csv_cells(rows: Iterable[Sequence[Any]], rules: CsvRules) -> Iterator[list[Any]]:
    """Each row as the cells `rules` say."""
    starts = rules.formula_starts
    for row in rows:
        cells = list(row)
        for n in rules.booleans:
            cells[n] = "true" if cells[n] else "false"
        for n in rules.texts:
            value = cells[n]
            if value and value.startswith(starts):
                cells[n] = f"'{value}"
        yield cells


def csv_text(rows: Iterable[Sequence[Any]], rules: CsvRules) -> str:
    """The rows as CSV lines (minimal quoting, CRLF line ends)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_cells(rows, rules))
    return buffer.getvalue()
