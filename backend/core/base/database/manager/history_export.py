"""The history as the export writes it: plain rows whose values are already JSON's.

Exporting built and validated a `DownloadHistoryRead` per record, 6 s of the 14 s an export
of 200,000 records took. The export reads the history's SELECT (`history_select`: its
joins, filters and order) with other columns instead: the fields of DownloadHistoryRead,
in the order asked, each as the API writes it in JSON mode. Numbers, booleans, text and
NULL come as they are; datetimes are written as text by the database itself (`iso_utc`),
so that no value needs converting in Python on its way from the cursor to JSON (the CSV's
own rules, for booleans and formulas, are its writer's: core/history/export.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import ColumnElement, Select, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from core.base.database.manager.history_query import history_select
from core.base.database.models.history import DownloadHistoryRead, HistoryQuery, HistorySort

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
    (arg,) = list(element.clauses)
    value = compiler.process(arg, **kw)
    return (
        f"(substr({value}, 1, 10) || 'T' || substr({value}, 12, 8)"
        f" || CASE substr({value}, 20) WHEN '.000000' THEN '' ELSE substr({value}, 20) END"
        " || 'Z')"
    )


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


def export_select(
    query: HistoryQuery, fields: Sequence[str], *, scan_sort_index: bool = False
) -> Select[Any]:
    """The SELECT of `history_select(query)` with the columns `fields`, in that order.

    Each value is the field's JSON value: datetimes as `iso_utc` text, the rest as stored.
    """
    stmt = history_select(query, scan_sort_index=scan_sort_index)
    selected = stmt.selected_columns
    columns: list[ColumnElement[Any]] = [
        iso_utc(selected[name]).label(name) if name in DATETIME_FIELDS else selected[name]
        for name in fields
    ]
    return stmt.with_only_columns(*columns)


def export_row_key(
    query: HistoryQuery, fields: Sequence[str]
) -> Callable[[Any], tuple[Any, int]] | None:
    """The keyset position (sort key, id) of an export row of `fields`; None for the
    resolution order, which is read by ids.

    The sort key is one of the fields: a datetime comes back from its text exactly (the
    text keeps every microsecond).
    """
    if query.sort == HistorySort.RESOLUTION:
        return None
    at, id_at = fields.index(query.sort.value), fields.index("id")
    if query.sort.value in DATETIME_FIELDS:
        return lambda row: (datetime.fromisoformat(row[at]), row[id_at])
    return lambda row: (row[at], row[id_at])
