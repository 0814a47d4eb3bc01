"""Signing in and out of the web UI: accounts and the sessions behind the cookies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pydantic import ValidationError

from core.auth.security import (
    hash_password,
    new_token,
    spend_password_check,
    token_hash,
    verify_password,
)
from core.base.database.manager.user import UserManager
from core.base.database.models.base import utc_now
from core.base.database.models.user import UserCreate, UserSessionCreate, UserSessionRead
from core.exceptions import AppError, ConflictError, InvalidInputError

SESSION_LIFETIME = timedelta(days=30)
# last_seen_at is written at most this often per session, not on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)

users = UserManager()


class WrongCredentialsError(AppError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("Wrong username or password")


@dataclass(frozen=True)
class SignedIn:
    """A new session: the token for the cookie (never stored) and the session as stored."""

    token: str
    session: UserSessionRead


def setup_required() -> bool:
    """True until the first account has been created."""
    return users.count() == 0


def create_first_user(*, username: str, password: str) -> SignedIn:
    """Create the one account and sign it in; ConflictError when an account exists."""
    try:
        user_create = UserCreate(username=username, password=password)
    except ValidationError as exc:
        raise InvalidInputError(_messages(exc)) from exc
    if not setup_required():  # before the slow hash; create_first checks again
        raise ConflictError("An account exists already: sign in instead")
    # Hashed before the write transaction, so that its lock is not held meanwhile.
    user = users.create_first(user_create.username, hash_password(user_create.password))
    return _start_session(user.id)


def sign_in(*, username: str, password: str) -> SignedIn:
    """A new session for the user; WrongCredentialsError when the pair does not match."""
    found = users.read_credentials(username)
    if found is None:
        spend_password_check(password)  # about the same time as a wrong password
        raise WrongCredentialsError()
    user, password_hash = found
    if not verify_password(password, password_hash):
        raise WrongCredentialsError()
    return _start_session(user.id)


def sign_out(token: str) -> bool:
    """End the session behind `token`; whether there was one."""
    return users.delete_session(token_hash(token))


def current_session(token: str | None) -> UserSessionRead | None:
    """The live session behind a cookie's token, or None (unknown, ended or expired)."""
    if not token:
        return None
    now = utc_now()
    session = users.read_session(token_hash(token), now=now)
    if session is not None and now - session.last_seen_at >= LAST_SEEN_RESOLUTION:
        users.touch_session(session.id, now=now)
    return session


def _start_session(user_id: int) -> SignedIn:
    token = new_token()
    now = utc_now()
    session = users.create_session(
        UserSessionCreate(
            user_id=user_id,
            token_hash=token_hash(token),
            csrf_token=new_token(),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            last_seen_at=now,
        )
    )
    return SignedIn(token=token, session=session)


def _messages(exc: ValidationError) -> str:
    """The validation errors as one sentence per field, without pydantic's prefixes."""
    parts = []
    for error in exc.errors():
        cause = error.get("ctx", {}).get("error")
        if cause is not None:
            parts.append(str(cause))
        else:
            field = ".".join(str(part) for part in error["loc"])
            parts.append(f"{field}: {error['msg']}")
    return "; ".join(parts)
