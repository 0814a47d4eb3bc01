"""Dependencies shared by the routes: sessions and API-key authentication."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import APIKeyHeader, APIKeyQuery
from sqlmodel import Session

from config import get_settings
from core.base.database.engine import get_session, get_write_session

DB_INT_MAX = 2**63 - 1
"""The largest integer the database stores; a larger id cannot exist."""

IdPath = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The record's id")]
"""A record id in the path: 422 for a number no record can have, before any query."""

SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]

_header_key = APIKeyHeader(name="X-API-KEY", auto_error=False)
_query_key = APIKeyQuery(name="api_key", auto_error=False)


def key_matches(candidate: str | None) -> bool:
    """Constant-time comparison with the configured API key."""
    if not candidate:
        return False
    return secrets.compare_digest(candidate.encode(), get_settings().api_key().encode())


def require_api_key(
    request: Request,
    header_key: Annotated[str | None, Depends(_header_key)],
    query_key: Annotated[str | None, Depends(_query_key)],
) -> None:
    """Reject the request with 401 unless it carries the API key."""
    if key_matches(header_key) or key_matches(query_key):
        return
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Missing or wrong API key: send it in the X-API-KEY header or the api_key query",
    )
