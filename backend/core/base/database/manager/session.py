"""`manage_session`: use the session passed as `_session`, or open and close one."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, overload

from core.base.database.engine import read_session, write_session


@overload
def manage_session[F: Callable[..., Any]](func: F, /) -> F: ...
@overload
def manage_session[F: Callable[..., Any]](*, write: bool = False) -> Callable[[F], F]: ...


def manage_session(func: Any = None, /, *, write: bool = False) -> Any:
    """Give the decorated method a session in `_session`.

    A session passed by the caller is used as is; the caller commits it. Otherwise a new
    session is opened (BEGIN IMMEDIATE when `write=True`), committed when the method returns
    and rolled back when it raises.
    """

    def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def wrapper(*args: Any, _session: Any = None, **kwargs: Any) -> Any:
            if _session is not None:
                return f(*args, _session=_session, **kwargs)
            opener = write_session if write else read_session
            with opener() as session:
                return f(*args, _session=session, **kwargs)

        return wrapper

    if func is not None:
        return decorator(func)
    return decorator
