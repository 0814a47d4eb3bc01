"""The session rule, written once.

A unit of work (a route, through its dependency, or a task, through its own context
manager) opens one session, passes it down, and commits once at its end. Helpers and
manager methods never commit a session they were given.

Every manager method takes the spec's keyword `_session: Session | None = None` and opens
its statements with::

    with manage_session(_session, write=True) as session:
        ...

`manage_session` yields the caller's session untouched (the caller commits), or opens a
new one, commits it when the block ends and rolls it back when the block raises. Writers
pass `write=True`: writers then run one at a time (BEGIN IMMEDIATE on SQLite, an advisory
lock on PostgreSQL; see `core.base.database.engine`), so that a writer that reads first
sees the last committed state, never loses an update to another writer, and never fails
with "database is locked".

The one fast path that skips the session (a lone SELECT on a Core connection, outside a
transaction) is `core.base.database.engine.single_read`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from core.base.database.engine import read_session, write_session


@contextmanager
def manage_session(session: Session | None = None, *, write: bool = False) -> Iterator[Session]:
    """The session to use: `session` as given (not committed here), else a new one.

    A new session is committed when the block ends and rolled back when it raises;
    `write=True` makes it a writer (one at a time, on either engine).
    """
    if session is not None:
        yield session
        return
    opener = write_session if write else read_session
    with opener() as own:
        yield own
