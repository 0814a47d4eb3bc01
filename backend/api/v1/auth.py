"""Sign-in routes for the web UI (no API key needed).

A signed-in browser holds two cookies: `trailarr_session` (the session token, HttpOnly)
and `trailarr_csrf` (readable by the UI, which echoes it in the X-CSRF-Token header of
every change it asks for).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Header, HTTPException, Request, Response, status
from pydantic import BaseModel

from api.client_address import client_address
from api.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, key_matches
from api.errors import ERROR_RESPONSES
from core.auth import service
from core.auth.security import tokens_match
from core.auth.service import SignedIn, WrongCredentialsError
from core.auth.throttle import login_throttle
from core.base.database.models.base import utc_now
from core.base.database.models.user import UserSessionRead

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=ERROR_RESPONSES)

SessionCookie = Annotated[str | None, Cookie(alias=SESSION_COOKIE)]


class Credentials(BaseModel):
    username: str
    password: str


class SetupCredentials(Credentials):
    # Printed in the server's log at start and kept in APP_DATA_DIR/setup_token; not needed
    # with the API key in the X-API-KEY header.
    setup_token: str | None = None


class PasswordChange(BaseModel):
    current_password: str
    new_password: str


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


def _signed_in_session(request: Request, session_token: SessionCookie = None) -> UserSessionRead:
    """The request's live session, with its CSRF token: 401 or 403 otherwise."""
    session = service.current_session(session_token)
    if session is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED, detail="Sign in first: no live session"
        )
    if not tokens_match(request.headers.get(CSRF_HEADER), session.csrf_token):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="Missing or wrong CSRF token"
        )
    return session


SignedInSession = Annotated[UserSessionRead, Depends(_signed_in_session)]


@contextmanager
def _password_checked(request: Request) -> Iterator[str]:
    """Around a password check: 429 while the client is throttled; a wrong password counts.

    Yields the client's address (see `client_address`), the key of the throttle.
    """
    client = client_address(request)
    _throttled(client)
    try:
        yield client
    except (WrongCredentialsError, service.WrongPasswordError):
        login_throttle.failed(client)
        raise


def _throttled(client: str) -> None:
    retry_after = login_throttle.retry_after(client)
    if retry_after is not None:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many failed sign-ins from this address: try again in {_wait(retry_after)}",
            headers={"Retry-After": str(retry_after)},
        )


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


@router.post(
    "/setup",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "Wrong or missing setup token (and no API key)"},
        409: {"description": "The account exists already"},
    },
)
def setup(
    credentials: SetupCredentials,
    request: Request,
    response: Response,
    api_key: Annotated[str | None, Header(alias="X-API-KEY")] = None,
) -> SignedInUser:
    """Create the account on first use and sign it in; 409 once an account exists.

    Needs the setup token (in the body) or the API key (in the X-API-KEY header).
    """
    signed_in = service.create_first_user(
        username=credentials.username,
        password=credentials.password,
        setup_token=credentials.setup_token,
        by_api_key=key_matches(api_key),
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
    with _password_checked(request) as client:
        signed_in = service.sign_in(username=credentials.username, password=credentials.password)
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


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        401: {"description": "Not signed in"},
        403: {"description": "Wrong current password, or missing CSRF token"},
        429: {"description": "Too many failed password checks from this address"},
    },
)
def change_password(change: PasswordChange, request: Request, session: SignedInSession) -> None:
    """Change the signed-in user's password; the user's other sessions end."""
    with _password_checked(request):
        service.change_password(
            session=session,
            current_password=change.current_password,
            new_password=change.new_password,
        )


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        401: {"description": "Not signed in"},
        403: {"description": "Missing CSRF token"},
    },
)
def logout_all(request: Request, response: Response, session: SignedInSession) -> None:
    """End every session of the signed-in user, this one included, and clear its cookies."""
    service.sign_out_everywhere(session.user_id)
    _clear_cookies(response, request)
