"""Sign-in routes for the web UI (no API key needed).

A signed-in browser holds two cookies: `trailarr_session` (the session token, HttpOnly)
and `trailarr_csrf` (readable by the UI, which echoes it in the X-CSRF-Token header of
every change it asks for).
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Cookie, HTTPException, Request, Response, status
from pydantic import BaseModel

from api.deps import CSRF_COOKIE, SESSION_COOKIE
from core.auth import service
from core.auth.service import SignedIn, WrongCredentialsError
from core.auth.throttle import login_throttle
from core.base.database.models.base import utc_now

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

SessionCookie = Annotated[str | None, Cookie(alias=SESSION_COOKIE)]


class Credentials(BaseModel):
    username: str
    password: str


class AuthStatus(BaseModel):
    setup_required: bool
    authenticated: bool
    username: str | None
    csrf_token: str | None


class SignedInUser(BaseModel):
    username: str


def _is_https(request: Request) -> bool:
    # X-Forwarded-Proto is taken at its word: a client that lies about it only gets a
    # Secure cookie its own plain-HTTP requests will not send back.
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _set_cookies(response: Response, request: Request, signed_in: SignedIn) -> None:
    expires_at = signed_in.session.expires_at
    max_age = max(0, round((expires_at - utc_now()).total_seconds()))
    secure = _is_https(request)
    for key, value, httponly in (
        (SESSION_COOKIE, signed_in.token, True),
        (CSRF_COOKIE, signed_in.session.csrf_token, False),
    ):
        response.set_cookie(
            key,
            value,
            max_age=max_age,
            expires=expires_at,
            path="/",
            secure=secure,
            httponly=httponly,
            samesite="strict",
        )


def _clear_cookies(response: Response, request: Request) -> None:
    secure = _is_https(request)
    for key, httponly in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(key, path="/", secure=secure, httponly=httponly, samesite="strict")


def _wait(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/status")
def auth_status(session_token: SessionCookie = None) -> AuthStatus:
    """Whether an account must be created first, and who is signed in (by cookie)."""
    session = service.current_session(session_token)
    return AuthStatus(
        setup_required=service.setup_required(),
        authenticated=session is not None,
        username=session.username if session else None,
        csrf_token=session.csrf_token if session else None,
    )


@router.post("/setup", status_code=status.HTTP_201_CREATED)
def setup(credentials: Credentials, request: Request, response: Response) -> SignedInUser:
    """Create the account on first use and sign it in; 409 once an account exists."""
    signed_in = service.create_first_user(
        username=credentials.username, password=credentials.password
    )
    _set_cookies(response, request, signed_in)
    return SignedInUser(username=signed_in.session.username)


@router.post(
    "/login",
    responses={
        401: {"description": "Wrong username or password"},
        429: {"description": "Too many failed sign-ins from this address"},
    },
)
def login(
    credentials: Credentials,
    request: Request,
    response: Response,
    session_token: SessionCookie = None,
) -> SignedInUser:
    """Sign in: sets the session and CSRF cookies."""
    client = _client(request)
    retry_after = login_throttle.retry_after(client)
    if retry_after is not None:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many failed sign-ins from this address: try again in {_wait(retry_after)}",
            headers={"Retry-After": str(retry_after)},
        )
    try:
        signed_in = service.sign_in(username=credentials.username, password=credentials.password)
    except WrongCredentialsError:
        login_throttle.failed(client)
        raise
    login_throttle.succeeded(client)
    if session_token:
        service.sign_out(session_token)  # the browser's previous session, if any
    _set_cookies(response, request, signed_in)
    return SignedInUser(username=signed_in.session.username)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, session_token: SessionCookie = None) -> None:
    """End the session on the server and clear its cookies."""
    if session_token:
        service.sign_out(session_token)
    _clear_cookies(response, request)
