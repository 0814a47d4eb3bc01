"""Text search of the history: part of a media title or of a file name, ignoring case.

On SQLite, text of 3 characters or more is looked up in two trigram full-text indexes
(migration 3c8d5f1a9e62): `media_title_search` and `download_file_search`, whose rowids
are media and download ids. On PostgreSQL it is ILIKE, which the pg_trgm GIN indexes on
media titles and file names serve (migration c4f1a7e3d9b2). Shorter text cannot be split
into trigrams, so it is matched with LIKE, a scan (as it is on other databases). The event
log's search (`media_title_contains`, `text_contains`) uses the same title index and LIKE.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    column,
    literal,
    or_,
    table,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType
from sqlmodel import col, select

from core.base.database.models.download import Download
from core.base.database.models.media import Media

# The conditions below are typed NullType, not Boolean: SQLAlchemy writes a Boolean
# expression in a WHERE as `(...) = 1` on SQLite, and SQLite then cannot use an index for
# an `id IN (...)` inside it.

MIN_INDEXED_LENGTH = 3
"""The trigram index finds text of at least this many characters."""

MEDIA_TITLE_SEARCH = table("media_title_search", column("rowid", Integer), column("title", String))
DOWNLOAD_FILE_SEARCH = table(
    "download_file_search", column("rowid", Integer), column("file_name", String)
)
SEARCH_TABLES = (MEDIA_TITLE_SEARCH.name, DOWNLOAD_FILE_SEARCH.name)
_TITLED = cast(Table, Download.__table__).alias("titled_download")  # type: ignore[attr-defined]


def is_search_table(name: str) -> bool:
    """Whether `name` is a search index or one of the tables SQLite keeps for it."""
    return any(name == search or name.startswith(f"{search}_") for search in SEARCH_TABLES)


def escape_like(text: str) -> str:
    """`text` with the LIKE wildcards (and the escape character) taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(text: str) -> str:
    """`text` as one FTS5 string: every character literal, so no query syntax applies."""
    return '"' + text.replace('"', '""') + '"'


class like_ci(FunctionElement[Any]):
    """`column` LIKE `pattern` (with `\\` as the escape character), ignoring case.

    SQLite's LIKE already ignores ASCII case, as its lower() does: plain LIKE is the same
    match without a lower() call per row, which costs three times as much.
    """

    type = NullType()
    inherit_cache = True
    name = "like_ci"

    def __init__(self, column: Any, pattern: ColumnElement[str]) -> None:
        super().__init__(column, pattern)


@compiles(like_ci)
def _like_ci_default(element: like_ci, compiler: SQLCompiler, **kw: Any) -> str:
    target, pattern = list(element.clauses)
    return compiler.process(target.ilike(pattern, escape="\\"), **kw)


@compiles(like_ci, "sqlite")
def _like_ci_sqlite(element: like_ci, compiler: SQLCompiler, **kw: Any) -> str:
    target, pattern = list(element.clauses)
    return compiler.process(target.like(pattern, escape="\\"), **kw)


def _contains_pattern(text: str) -> ColumnElement[str]:
    """A LIKE pattern for "contains `text`", its `%`, `_` and `\\` taken literally."""
    return literal(f"%{escape_like(text)}%", String())


def _media_titled(
    media_id: ColumnElement[Any] | Mapped[Any], pattern: ColumnElement[str]
) -> ColumnElement[bool]:
    """`media_id` is that of a media whose title is LIKE `pattern`: a scan of the media."""
    return media_id.in_(select(Media.id).where(like_ci(col(Media.title), pattern)))


def _media_found(phrase: ColumnElement[str]) -> Select[tuple[int]]:
    """The ids of the media whose title holds the FTS5 `phrase`, from the trigram index."""
    return select(MEDIA_TITLE_SEARCH.c.rowid).where(MEDIA_TITLE_SEARCH.c.title.match(phrase))


def _scanned(pattern: ColumnElement[str]) -> ColumnElement[bool]:
    """Title or file name LIKE `pattern`: a scan of both tables."""
    return or_(
        _media_titled(col(Download.media_id), pattern),
        like_ci(col(Download.file_name), pattern),
    )


class _indexed_title_or_file(FunctionElement[Any]):
    """Title or file name contains the text: through the trigram indexes on SQLite.

    Holds the text twice, as bound values: as an FTS5 phrase and as a LIKE pattern (for
    databases without the indexes), so that the compiled SQL is cached like any other.
    """

    type = NullType()
    inherit_cache = True
    name = "indexed_title_or_file"

    def __init__(self, text: str) -> None:
        super().__init__(literal(fts_phrase(text), String()), _contains_pattern(text))


@compiles(_indexed_title_or_file)
def _indexed_default(element: _indexed_title_or_file, compiler: SQLCompiler, **kw: Any) -> str:
    _phrase, pattern = list(element.clauses)
    return compiler.process(_scanned(pattern), **kw)


@compiles(_indexed_title_or_file, "sqlite")
def _indexed_sqlite(element: _indexed_title_or_file, compiler: SQLCompiler, **kw: Any) -> str:
    # One `id IN (ids by file name UNION ALL ids of the media found by title)`: SQLite
    # looks those ids up by primary key. (An OR of two INs makes it walk a whole index.)
    phrase, _pattern = list(element.clauses)
    by_name = select(DOWNLOAD_FILE_SEARCH.c.rowid).where(
        DOWNLOAD_FILE_SEARCH.c.file_name.match(phrase)
    )
    by_title = select(_TITLED.c.id).where(_TITLED.c.media_id.in_(_media_found(phrase)))
    return compiler.process(col(Download.id).in_(union_all(by_name, by_title)), **kw)


@compiles(_indexed_title_or_file, "postgresql")
def _indexed_postgresql(element: _indexed_title_or_file, compiler: SQLCompiler, **kw: Any) -> str:
    # `file_name ILIKE p OR media_id = ANY(ARRAY(ids of the media whose title ILIKE p))`.
    # The array is computed once (an InitPlan, through the title's trigram index), so both
    # sides are index conditions: a BitmapOr of the file-name trigram index and
    # ix_download_media_id. With `media_id IN (SELECT ...)` in the OR (a hashed SubPlan,
    # `_scanned`) PostgreSQL used no index at all: it read every record for the count and
    # walked the whole added_at index for the page (70 ms at 20,000 records).
    _phrase, pattern = list(element.clauses)
    titled = select(col(Media.id)).where(like_ci(col(Media.title), pattern))
    by_name = compiler.process(like_ci(col(Download.file_name), pattern), **kw)
    media_id = compiler.process(cast(ColumnElement[Any], col(Download.media_id)), **kw)
    return f"({by_name} OR {media_id} = ANY(ARRAY({compiler.process(titled, **kw)})))"


def uses_search_index(text: str) -> bool:
    """Whether a search for `text` goes through the trigram indexes (on SQLite)."""
    return len(text) >= MIN_INDEXED_LENGTH


def title_or_file_contains(text: str) -> ColumnElement[bool]:
    """The download's media title or its file name contains `text`, ignoring case."""
    if not uses_search_index(text):
        return _scanned(_contains_pattern(text))
    return _indexed_title_or_file(text)


class _indexed_media_title(FunctionElement[Any]):
    """The media id column is that of a media whose title contains the text.

    Through the trigram index on SQLite; holds the text as an FTS5 phrase and as a LIKE
    pattern, as `_indexed_title_or_file` does.
    """

    type = NullType()
    inherit_cache = True
    name = "indexed_media_title"

    def __init__(self, media_id: ColumnElement[Any] | Mapped[Any], text: str) -> None:
        super().__init__(media_id, literal(fts_phrase(text), String()), _contains_pattern(text))


@compiles(_indexed_media_title)
def _media_title_default(element: _indexed_media_title, compiler: SQLCompiler, **kw: Any) -> str:
    media_id, _phrase, pattern = list(element.clauses)
    return compiler.process(_media_titled(media_id, pattern), **kw)


@compiles(_indexed_media_title, "sqlite")
def _media_title_sqlite(element: _indexed_media_title, compiler: SQLCompiler, **kw: Any) -> str:
    media_id, phrase, _pattern = list(element.clauses)
    return compiler.process(media_id.in_(_media_found(phrase)), **kw)


@compiles(_indexed_media_title, "postgresql")
def _media_title_postgresql(element: _indexed_media_title, compiler: SQLCompiler, **kw: Any) -> str:
    # `media_id = ANY(ARRAY(ids of the media whose title ILIKE p))`, as in
    # `_indexed_postgresql`: OR'ed with another indexed condition (the event log's search), an
    # `IN (SELECT ...)` would be a hashed SubPlan, which keeps PostgreSQL off every index.
    media_id, _phrase, pattern = list(element.clauses)
    titled = select(col(Media.id)).where(like_ci(col(Media.title), pattern))
    column = compiler.process(media_id, **kw)
    return f"{column} = ANY(ARRAY({compiler.process(titled, **kw)}))"


def media_title_contains(
    media_id: ColumnElement[Any] | Mapped[Any], text: str
) -> ColumnElement[bool]:
    """`media_id` is that of a media whose title contains `text`, ignoring case."""
    if not uses_search_index(text):
        return _media_titled(media_id, _contains_pattern(text))
    return _indexed_media_title(media_id, text)


def text_contains(column: ColumnElement[Any] | Mapped[Any], text: str) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case, every character literal: a scan."""
    return like_ci(column, _contains_pattern(text))
