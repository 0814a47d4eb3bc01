"""Dependencies shared by the routes: path ids and authentication."""

from __future__ import annotations

import secrets
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import APIKeyCookie, APIKeyHeader, APIKeyQuery

from config import get_settings
from core.auth.security import tokens_match
from core.auth.service import current_session
from core.base.database.models.limits import DB_INT_MAX

IdPath = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The record's id")]
"""A record id in the path: 422 for a number no record can have, before any query."""

SESSION_COOKIE = "trailarr_session"
CSRF_COOKIE = "trailarr_csrf"
CSRF_HEADER = "X-CSRF-Token"
MISSING_CREDENTIALS = (
    "Missing or wrong API key: send it in the X-API-KEY header or the api_key query"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing: a session cookie needs no CSRF token for them."""

_header_key = APIKeyHeader(name="X-API-KEY", auto_error=False)
_query_key = APIKeyQuery(name="api_key", auto_error=False)
_session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="Set by POST /api/v1/auth/login; changes also need the X-CSRF-Token header",
)


def key_matches(candidate: str | None) -> bool:
    """Constant-time comparison with the configured API key."""
    if not candidate:
        return False
    return secrets.compare_digest(candidate.encode(), get_settings().api_key().encode())


async def require_auth(
    request: Request,
    header_key: Annotated[str | None, Depends(_header_key)],
    query_key: Annotated[str | None, Depends(_query_key)],
    session_token: Annotated[str | None, Depends(_session_cookie)],
) -> None:
    """Let in the API key, or a signed-in session (with its CSRF token for changes).

    401 without either; 403 for a session request that changes something without the
    session's token in the X-CSRF-Token header.
    """
    if key_matches(header_key) or key_matches(query_key):
        return
    session = (
        await anyio.to_thread.run_sync(current_session, session_token) if session_token else None
    )
    if session is None:
        detail = (
            MISSING_CREDENTIALS
            if not session_token
            else "The session has ended or expired: sign in again (or send the API key)"
        )
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail=detail)
    if request.method not in SAFE_METHODS and not tokens_match(
        request.headers.get(CSRF_HEADER), session.csrf_token
    ):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="Missing or wrong CSRF token"
        )
