"""The download history query: the SELECT behind the history's pages, exports and counts.

`history_select` builds one SELECT of download records joined to their media (title,
year, kind) and profile (name). Filters and sort keys map onto the indexed columns of
`download`; the tie-breaker is the id, so that paging and keyset batches are stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from pydantic import TypeAdapter
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Table,
    func,
    literal,
    tuple_,
    type_coerce,
)
from sqlalchemy import select as core_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.base.database.manager.history_search import title_or_file_contains, uses_search_index
from core.base.database.models.download import FILTERED_BY_DATE, Download
from core.base.database.models.history import (
    DownloadHistoryRead,
    HistoryQuery,
    HistorySort,
    SortOrder,
)
from core.base.database.models.media import Media
from core.base.database.models.trailerprofile import TrailerProfile

DOWNLOAD_TABLE = cast(Table, Download.__table__)  # type: ignore[attr-defined]


class resolution_pixels(FunctionElement[int]):
    """Width × height of a "WIDTHxHEIGHT" resolution; 0 for anything else ("N/A")."""

    type = BigInteger()
    inherit_cache = True
    name = "resolution_pixels"


@compiles(resolution_pixels)
def _pixels_default(element: resolution_pixels, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite casts a string without a leading number to 0, so "N/A" sorts first.
    (arg,) = list(element.clauses)
    res = compiler.process(arg, **kw)
    return (
        f"(CAST(substr({res}, 1, instr({res}, 'x') - 1) AS INTEGER)"
        f" * CAST(substr({res}, instr({res}, 'x') + 1) AS INTEGER))"
    )


@compiles(resolution_pixels, "postgresql")
def _pixels_postgresql(element: resolution_pixels, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    res = compiler.process(arg, **kw)
    return (
        f"(CASE WHEN {res} ~ '^[0-9]{{1,9}}x[0-9]{{1,9}}$'"
        f" THEN CAST(split_part({res}, 'x', 1) AS BIGINT)"
        f" * CAST(split_part({res}, 'x', 2) AS BIGINT) ELSE 0 END)"
    )


class skip_index(FunctionElement[Any]):
    """The column as is; on SQLite `+column`, which keeps the planner off its index."""

    inherit_cache = True
    name = "skip_index"

    def __init__(self, column: ColumnElement[Any] | Mapped[Any]) -> None:
        super().__init__(column)
        self.type = cast(ColumnElement[Any], column).type


@compiles(skip_index)
def _skip_index_default(element: skip_index, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return compiler.process(arg, **kw)


@compiles(skip_index, "sqlite")
def _skip_index_sqlite(element: skip_index, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"+{compiler.process(arg, **kw)}"


PRESENT = skip_index(col(Download.file_exists)).is_(True)
"""`file_exists` is true, as a condition that keeps SQLite off the (file_exists, added_at)
index: with it, a lookup by path or media walked every present record (848 ms a recording at
200,000 records); without it, SQLite finds the rows by the path or media index."""


def sort_key(sort: HistorySort) -> ColumnElement[Any]:
    """The SQL expression a sort key orders by; resolution orders by pixel count."""
    if sort == HistorySort.RESOLUTION:
        return resolution_pixels(col(Download.resolution))
    return _column(sort.value)


def _column(name: str) -> ColumnElement[Any]:
    return cast(ColumnElement[Any], DOWNLOAD_TABLE.c[name])


def prefer_sort_index(query: HistoryQuery, *, matching: int, window: int, table_size: int) -> bool:
    """Whether walking the sort key's index beats the filters' indexes for this page.

    Walking the index in order and skipping the rows that fail the filters reads about
    `window * table_size / matching` rows; using a filter's index reads all `matching`
    rows, joins and sorts them. SQLite cannot tell which is cheaper without statistics
    (ANALYZE), and then always picks the filter's index: slow for a filter that most rows
    pass (a common codec, a profile, the present files). Every sort key has an index to
    walk; resolution's is the expression index on its pixel count (a migration of its own).
    Sorted by date, the filters of FILTERED_BY_DATE need no walk: their indexes on
    (filter, added_at) give their records in order.
    """
    if matching == 0:
        return False
    if query.q is not None and uses_search_index(query.q):
        return False  # the search finds its records by id (see `history_filters`)
    if query.sort == HistorySort.ADDED_AT and any(
        getattr(query, name) is not None for name in FILTERED_BY_DATE
    ):
        return False  # an index on (filter, added_at) finds them in order already
    return matching * matching > window * max(table_size, 1)


def history_filters(query: HistoryQuery, *, unindexed: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `query`.

    With `unindexed`, SQLite is told not to use the indexes of the filtered columns, so
    that it walks the sort key's index instead (see `prefer_sort_index`). A text search
    through the trigram indexes does the same: the records it finds are looked up by id
    and the other filters checked on them, rather than walking a filter's index and
    testing the search on each record (35 ms instead of 12 for a title with a codec
    filter at 200,000 records).
    """
    searching = query.q is not None and uses_search_index(query.q)
    skip = unindexed or searching

    def column(name: str) -> ColumnElement[Any]:
        found = _column(name)
        return skip_index(found) if skip else found

    conditions: list[ColumnElement[bool]] = []
    if query.media_id is not None:
        conditions.append(column("media_id") == query.media_id)
    if query.profile_id is not None:
        conditions.append(column("profile_id") == query.profile_id)
    if query.file_exists is not None:
        conditions.append(column("file_exists").is_(query.file_exists))
    if query.video_format is not None:
        conditions.append(column("video_format") == query.video_format)
    if query.audio_format is not None:
        conditions.append(column("audio_format") == query.audio_format)
    if query.resolution is not None:
        conditions.append(column("resolution") == query.resolution)
    if query.since is not None:
        walked = query.sort == HistorySort.ADDED_AT and not searching
        since = _column("added_at") if walked else column("added_at")
        conditions.append(since >= query.since)
    if query.q is not None:
        conditions.append(title_or_file_contains(query.q))
    return conditions


def history_select(
    query: HistoryQuery,
    *,
    with_sort_key: bool = False,
    scan_sort_index: bool = False,
    filtered: bool = True,
) -> Select[Any]:
    """The filtered, ordered SELECT of history rows (no paging).

    Each row has the download's columns plus `media_title`, `media_year`,
    `media_is_movie`, `profile_name` (and `sort_key` when asked, for keyset paging).
    `scan_sort_index`: see `prefer_sort_index`; without `filtered`, every record (the
    caller narrows them).
    """
    key = sort_key(query.sort)
    columns: list[Any] = [
        *DOWNLOAD_TABLE.columns,
        col(Media.title).label("media_title"),
        col(Media.year).label("media_year"),
        col(Media.is_movie).label("media_is_movie"),
        col(TrailerProfile.name).label("profile_name"),
    ]
    if with_sort_key:
        columns.append(key.label("sort_key"))
    stmt = (
        select(*columns)
        .join(Media, col(Media.id) == col(Download.media_id))
        .outerjoin(TrailerProfile, col(TrailerProfile.id) == col(Download.profile_id))
    )
    if filtered:
        stmt = stmt.where(*history_filters(query, unindexed=scan_sort_index))
    return stmt.order_by(*_ordering(query))


def _ordering(query: HistoryQuery) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    key = sort_key(query.sort)
    if query.order == SortOrder.DESC:
        return key.desc(), col(Download.id).desc()
    return key.asc(), col(Download.id).asc()


def history_page_select(
    query: HistoryQuery, *, offset: int, limit: int, scan_sort_index: bool = False
) -> Select[Any]:
    """One page of `history_select(query)`, by a deferred join.

    The filters and the sort key are the record's own columns (a title search included:
    it matches media ids), so the page's ids are found on `download` alone: the offset
    walks an index, and only the `limit` rows of the page are joined to their media and
    profile. Paging the joined rows joined every row the offset skips (1,000 media looked
    up for page 20 of 50).
    """
    ids = (
        select(col(Download.id))
        .where(*history_filters(query, unindexed=scan_sort_index))
        .order_by(*_ordering(query))
        .offset(offset)
        .limit(limit)
    )
    return history_select(query, filtered=False).where(col(Download.id).in_(ids))


def history_keys(query: HistoryQuery) -> Select[Any, int | None]:
    """The (sort key, id) of each record `query` selects, in its order, as stored (no
    type's conversion on the way out: `sort_key` as the database holds it, fit to be bound
    again as it is, `after_key`'s raw counterpart).

    On `download` alone: every record has its media (NOT NULL, ON DELETE CASCADE) and the
    filters are the record's own columns, so an unfiltered query walks the sort key's index
    and nothing else.
    """
    return (
        core_select(type_coerce(sort_key(query.sort), NullType()).label("key"), col(Download.id))
        .select_from(Download)
        .where(*history_filters(query))
        .order_by(*_ordering(query))
    )


def key_range(
    query: HistoryQuery, *, after: ColumnElement[Any] | None, through: ColumnElement[Any] | None
) -> list[ColumnElement[bool]]:
    """The conditions for the records after the position `after` and up to `through`,
    included (each a (sort key, id) pair of values as stored, or None for no bound)."""
    pair = tuple_(sort_key(query.sort), col(Download.id))
    conditions = []
    if query.order == SortOrder.DESC:
        if after is not None:
            conditions.append(pair < after)
        if through is not None:
            conditions.append(pair >= through)
    else:
        if after is not None:
            conditions.append(pair > after)
        if through is not None:
            conditions.append(pair <= through)
    return conditions


def history_count(query: HistoryQuery) -> SelectOfScalar[int]:
    """COUNT(*) of the records `query` selects."""
    return select(func.count()).select_from(Download).where(*history_filters(query))


def after_key(query: HistoryQuery, last_key: Any, last_id: int) -> ColumnElement[bool]:
    """The condition for the rows that come after (`last_key`, `last_id`) in the order."""
    pair = tuple_(sort_key(query.sort), col(Download.id))
    bound = tuple_(
        _typed_literal(query.sort, last_key),
        _typed_literal(None, last_id),
    )
    if query.order == SortOrder.DESC:
        return pair < bound
    return pair > bound


def _typed_literal(sort: HistorySort | None, value: Any) -> ColumnElement[Any]:
    """A bound value with the column's type, so that datetimes are stored-format UTC."""
    if sort is None or sort == HistorySort.RESOLUTION:
        return literal(value, BigInteger())
    return literal(value, _column(sort.value).type)


def row_to_history(row: Any) -> DownloadHistoryRead:
    """A history row (a mapping of the columns of `history_select`) as the Read model."""
    return DownloadHistoryRead.model_validate(dict(row))


_HISTORY_ROWS = TypeAdapter(list[DownloadHistoryRead])


def rows_to_history(rows: Iterable[Any]) -> list[DownloadHistoryRead]:
    """Many history rows as Read models, validated in one call."""
    return _HISTORY_ROWS.validate_python([dict(row) for row in rows])
