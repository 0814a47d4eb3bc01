"""The history as the export writes it: plain rows whose values are already JSON's.

Exporting built and validated a `DownloadHistoryRead` per record, 6 s of the 14 s an export
of 200,000 records took. The export reads the history's SELECT (`history_select`: its
joins, filters and order) with other columns instead: the fields of DownloadHistoryRead,
in the order asked, each as the API writes it in JSON mode. Numbers, booleans, text and
NULL come as they are; datetimes are written as text by the database itself (`iso_utc`),
so that no value needs converting in Python on its way from the cursor to JSON (the CSV's
own rules, for booleans and formulas, are its writer's: core/history/export.py). On SQLite
the database can also write each record's JSON object (`json_record`,
`export_record_select`) or CSV line (`csv_line`, `export_line_select`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import Boolean, ColumnElement, Dialect, Select, String, bindparam, literal_column
from sqlalchemy import tuple_ as tuple_of
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType

from core.base.database.manager.history_query import history_select, key_range
from core.base.database.models.history import DownloadHistoryRead, HistoryQuery, HistorySort
from core.base.utils.csv_rows import CsvRules

EXPORT_FIELDS: tuple[str, ...] = tuple(DownloadHistoryRead.model_fields)
"""Every field of a history record, in the order of DownloadHistoryRead (its JSON's)."""


def _holds(annotation: Any, kind: type) -> bool:
    return annotation is kind or kind in get_args(annotation)


DATETIME_FIELDS = frozenset(
    name
    for name, field in DownloadHistoryRead.model_fields.items()
    if _holds(field.annotation, datetime)
)


class iso_utc(FunctionElement[str]):
    """A stored datetime as text, as the API writes it in JSON (pydantic's form).

    ISO 8601 in UTC with a `Z`, the microseconds only when they are not 0:
    "2026-05-01T12:00:00Z", "2026-05-01T12:00:00.250000Z". NULL stays NULL.
    """

    type = String()
    inherit_cache = True
    name = "iso_utc"


@compiles(iso_utc)
def _iso_utc_sqlite(element: iso_utc, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite holds a datetime as the text SQLAlchemy writes: naive UTC (UTCDateTime),
    # "YYYY-MM-DD HH:MM:SS.ffffff". Every write goes through it, the migrations' included.
    # ".000000" can only be the microseconds (nothing before them holds a "."); two
    # replace() cost a third less than cutting the text apart with substr().
    (arg,) = list(element.clauses)
    value = compiler.process(arg, **kw)
    return f"(replace(replace({value}, '.000000', ''), ' ', 'T') || 'Z')"


@compiles(iso_utc, "postgresql")
def _iso_utc_postgresql(element: iso_utc, compiler: SQLCompiler, **kw: Any) -> str:
    # A TIMESTAMP (without time zone) holding UTC: to_char does not depend on the session's
    # time zone.
    (arg,) = list(element.clauses)
    value = compiler.process(arg, **kw)
    return (
        f"CASE WHEN date_trunc('second', {value}) = {value}"
        f""" THEN to_char({value}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
        f""" ELSE to_char({value}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END"""
    )


def _export_column(selected: Any, name: str) -> ColumnElement[Any]:
    """The field `name` of the history's SELECT as its JSON value, labelled `name`."""
    if name in DATETIME_FIELDS:
        return iso_utc(selected[name]).label(name)
    column: ColumnElement[Any] = selected[name]
    return column


def export_select(
    query: HistoryQuery, fields: Sequence[str], *, scan_sort_index: bool = False
) -> Select[Any]:
    """The SELECT of `history_select(query)` with the columns `fields`, in that order.

    Each value is the field's JSON value: datetimes as `iso_utc` text, the rest as stored.
    """
    stmt = history_select(query, scan_sort_index=scan_sort_index)
    selected = stmt.selected_columns
    return stmt.with_only_columns(*(_export_column(selected, name) for name in fields))


class json_record(FunctionElement[str]):
    """A record's text as a compact JSON object: `{"name":value,...}`, in the order given.

    Built from (name, value) pairs, each name a literal, each value a field's JSON value
    (`_export_column`). SQLite's `json_object` writes it as pydantic does: no spaces, text
    escaped as JSON requires (the short escapes, `\\u00XX` for other control characters,
    everything else as it is), NULL as `null`. SQLite's only: PostgreSQL's JSON functions
    cost more than encoding its rows in Python (`DownloadManager.iter_export_json`).
    """

    type = String()
    inherit_cache = True
    name = "json_record"


@compiles(json_record)
def _json_record_elsewhere(element: json_record, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError("json_record is written by SQLite's json_object only")


@compiles(json_record, "sqlite")
def _json_record_sqlite(element: json_record, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite holds a boolean as 0/1: json() marks 'true'/'false' as JSON, not text. Each
    # json() is a constant, worked out once per statement rather than once per row (a
    # sixth of the whole statement's time at 200,000 records).
    clauses = list(element.clauses)
    arguments = []
    for name, value in zip(clauses[::2], clauses[1::2], strict=True):
        written = compiler.process(value, **kw)
        if isinstance(value.type, Boolean):
            written = f"CASE WHEN {written} THEN json('true') ELSE json('false') END"
        arguments += [compiler.process(name, **kw), written]
    return f"json_object({', '.join(arguments)})"


def export_record_select(query: HistoryQuery, *, scan_sort_index: bool = False) -> Select[Any]:
    """The SELECT of `history_select(query)` with one column, `record`: each record as one
    JSON object's text (every field of DownloadHistoryRead, in its order, as the API writes
    it). Its keyset position is read back from that text (`export_record_key`)."""
    stmt = history_select(query, scan_sort_index=scan_sort_index)
    selected = stmt.selected_columns
    pairs: list[ColumnElement[Any]] = []
    for name in EXPORT_FIELDS:
        assert name.isidentifier()  # written into the statement as a literal
        pairs += [literal_column(f"'{name}'"), _export_column(selected, name)]
    return stmt.with_only_columns(json_record(*pairs).label("record"))


class csv_line(FunctionElement[str]):
    """A record's CSV line as `csv_rows.csv_text` writes it, CRLF included, from its
    values (`_export_column`, in the line's order), their fields' names and the rules.

    SQLite's only (`printf`): each cell in double quotes, `%w` doubling the quotes of a
    text. printf writes a text up to a NUL character, as the rules say, so the line is
    the same bytes as Python's. PostgreSQL's rows are written by Python.
    """

    type = String()
    inherit_cache = False  # the rules and names are not part of a cache key
    name = "csv_line"

    def __init__(self, rules: CsvRules, names: Sequence[str], *values: Any) -> None:
        self.rules = rules
        self.names = tuple(names)
        super().__init__(*values)


@compiles(csv_line)
def _csv_line_elsewhere(element: csv_line, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError("csv_line is written by SQLite's printf only")


@compiles(csv_line, "sqlite")
def _csv_line_sqlite(element: csv_line, compiler: SQLCompiler, **kw: Any) -> str:
    rules = element.rules
    if any(len(start) != 1 for start in rules.formula_starts):
        raise CompileError("csv_line checks one character of a text for a formula")
    formula = ", ".join(str(ord(start)) for start in rules.formula_starts)
    values = list(element.clauses)
    cells, arguments = [], []
    for n, (name, value) in enumerate(zip(element.names, values, strict=True)):
        written = compiler.process(value, **kw)
        if n in rules.booleans:
            cells.append("%s")
            arguments.append(f"iif({written}, '\"true\"', '\"false\"')")
        elif n in rules.texts and name not in DATETIME_FIELDS:
            # The `'` of a formula, then the text (printf would write NULL as "(NULL)").
            cells.append('"%s%w"')
            arguments.append(f"iif(unicode({written}) IN ({formula}), '''', '')")
            arguments.append(f"ifnull({written}, '')")
        else:
            # A number, or a datetime's ISO 8601 text (a digit first, no quote in it):
            # printf writes NULL as nothing for %s.
            cells.append('"%s"')
            arguments.append(written)
    line = ",".join(cells) + "\r\n"
    return f"printf('{line}', {', '.join(arguments)})"


def export_line_select(
    query: HistoryQuery,
    fields: Sequence[str],
    rules: CsvRules,
    *,
    scan_sort_index: bool = False,
) -> Select[Any]:
    """The SELECT of `history_select(query)` with one column, `line`: each record's CSV
    line of `fields` written by `rules` (`csv_line`, SQLite's)."""
    stmt = history_select(query, scan_sort_index=scan_sort_index)
    selected = stmt.selected_columns
    values = [_export_column(selected, name) for name in fields]
    return stmt.with_only_columns(csv_line(rules, fields, *values).label("line"))


Position = tuple[Any, int]
"""A record's place in an order: its sort key and id, as the database holds them
(`history_keys`)."""

_AFTER_NAMES = ("after_key", "after_id")
_THROUGH_NAMES = ("through_key", "through_id")


def _position(names: tuple[str, str]) -> ColumnElement[Any]:
    # Bound as they are (no type's conversion): the values come from the database.
    return tuple_of(*(bindparam(name, type_=NullType()) for name in names))


@dataclass(frozen=True)
class RecordRanges:
    """An export's statement for the records between two positions of the order, as
    statements compiled for a DB-API connection (a worker process reads them:
    core/base/database/read_processes.py).

    `statements[i]` has the lower bound when bit 0 of i is set and the upper one when bit 1
    is; `batch` gives the statement and the parameters of one range.
    """

    statements: tuple[str, ...]
    parameter_names: tuple[tuple[str, ...], ...]

    def batch(self, after: Position | None, through: Position | None) -> tuple[int, list[Any]]:
        """The statement (its index) and parameters for the records after `after` and up
        to `through` included; None is no bound on that side."""
        index = (after is not None) + 2 * (through is not None)
        values: dict[str, Any] = {}
        if after is not None:
            values.update(zip(_AFTER_NAMES, after, strict=True))
        if through is not None:
            values.update(zip(_THROUGH_NAMES, through, strict=True))
        return index, [values[name] for name in self.parameter_names[index]]


def export_ranges(
    query: HistoryQuery,
    dialect: Dialect,
    csv: tuple[Sequence[str], CsvRules] | None = None,
) -> RecordRanges:
    """The statements of `RecordRanges` for `query` (unfiltered: the ranges' bounds are
    their only parameters), compiled for `dialect`, SQLite's: each record's JSON text
    (`export_record_select`), or with `csv` (the fields and their rules) its CSV line
    (`export_line_select`)."""
    if csv is None:
        base = export_record_select(query, scan_sort_index=True)
    else:
        fields, rules = csv
        base = export_line_select(query, fields, rules, scan_sort_index=True)
    statements, names = [], []
    for index in range(4):
        stmt = base.where(
            *key_range(
                query,
                after=_position(_AFTER_NAMES) if index & 1 else None,
                through=_position(_THROUGH_NAMES) if index & 2 else None,
            )
        )
        compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        taken = tuple(compiled.positiontup or ())
        others = set(taken) - {*_AFTER_NAMES, *_THROUGH_NAMES}
        if others:
            raise ValueError(f"a range of the export binds its bounds only, not {sorted(others)}")
        statements.append(compiled.string)
        names.append(taken)
    return RecordRanges(tuple(statements), tuple(names))


RowKey = Callable[[Any], tuple[Any, int]]
"""The keyset position (sort key, id) of a row, for the next batch to start after it."""


def export_row_key(query: HistoryQuery, fields: Sequence[str]) -> RowKey | None:
    """The keyset position (sort key, id) of an export row of `fields`; None for the
    resolution order, which is read by ids.

    The sort key is one of the fields: a datetime comes back from its text exactly (the
    text keeps every microsecond).
    """
    if query.sort == HistorySort.RESOLUTION:
        return None
    at, id_at = fields.index(query.sort.value), fields.index("id")
    return _keyed(query, lambda row: (row[at], row[id_at]))


def export_record_key(query: HistoryQuery) -> RowKey | None:
    """The keyset position of a row of `export_record_select`, read from its record's text
    (the last row of each batch only: selecting the key's columns as well would cost a
    third more); None for the resolution order."""
    if query.sort == HistorySort.RESOLUTION:
        return None
    name = query.sort.value

    def values(row: Any) -> tuple[Any, int]:
        record = json.loads(row[0])
        return record[name], record["id"]

    return _keyed(query, values)


def _keyed(query: HistoryQuery, values: RowKey) -> RowKey:
    if query.sort.value not in DATETIME_FIELDS:
        return values

    def key(row: Any) -> tuple[Any, int]:
        at, record_id = values(row)
        return datetime.fromisoformat(at), record_id

    return key
