"""Signing in and out of the web UI: accounts and the sessions behind the cookies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError

from app_logger import ModuleLogger
from config import get_settings
from core.auth import setup_token as token_store
from core.auth.security import (
    hash_password,
    new_token,
    spend_password_check,
    token_hash,
    verify_password,
)
from core.base.database.manager.user import UserManager
from core.base.database.models.base import utc_now
from core.base.database.models.user import (
    UserCreate,
    UserSessionCreate,
    UserSessionRead,
    check_password,
)
from core.exceptions import AppError, ConflictError, InvalidInputError

SESSION_LIFETIME = timedelta(days=30)
# last_seen_at is written at most this often per session, not on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)

WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})

users = UserManager()
logger = ModuleLogger("Auth")


class WrongCredentialsError(AppError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("Wrong username or password")


class SetupTokenError(AppError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "Wrong or missing setup token: the server prints it in its console and log at "
            "start, and keeps it in the file setup_token in its data folder (APP_DATA_DIR)"
        )


class WrongPasswordError(AppError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__("The current password is wrong")


@dataclass(frozen=True)
class SignedIn:
    """A new session: the token for the cookie (never stored) and the session as stored."""

    token: str
    session: UserSessionRead


def setup_required() -> bool:
    """True until the first account has been created."""
    return users.count() == 0


def offer_setup_token() -> str | None:
    """At start: a new setup token, printed in the log, while no account exists; else None.

    Once an account exists, a token left behind is deleted.
    """
    path = get_settings().setup_token_file
    if not setup_required():
        token_store.discard(path)
        return None
    token = token_store.create(path)
    _announce_setup_token(token, path)
    return token


def _announce_setup_token(token: str, path: Path) -> None:
    settings = get_settings()
    host = "localhost" if settings.app_host in WILDCARD_HOSTS else settings.app_host
    if ":" in host:
        host = f"[{host}]"
    logger.warning(
        f"First-run setup: open http://{host}:{settings.app_port}/ and enter the setup token "
        f"{token} (also in {path})"
    )


def setup_token_valid(candidate: str | None) -> bool:
    """Whether `candidate` is the current setup token (one is made on first need)."""
    path = get_settings().setup_token_file
    if token_store.read(path) is None:
        _announce_setup_token(token_store.create(path), path)
        return False
    return token_store.matches(path, candidate)


def create_first_user(
    *, username: str, password: str, setup_token: str | None, by_api_key: bool = False
) -> SignedIn:
    """Create the one account and sign it in.

    The caller proves it owns the server with the setup token or the API key (`by_api_key`):
    SetupTokenError otherwise. ConflictError when an account exists.
    """
    if not setup_required():  # before the slow hash; create_first checks again
        raise ConflictError("An account exists already: sign in instead")
    if not by_api_key and not setup_token_valid(setup_token):
        raise SetupTokenError()
    try:
        user_create = UserCreate(username=username, password=password)
    except ValidationError as exc:
        raise InvalidInputError(_messages(exc)) from exc
    # Hashed before the write transaction, so that its lock is not held meanwhile.
    user = users.create_first(user_create.username, hash_password(user_create.password))
    token_store.discard(get_settings().setup_token_file)
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


def change_password(*, session: UserSessionRead, current_password: str, new_password: str) -> None:
    """Replace the signed-in user's password; the user's other sessions end.

    WrongPasswordError when `current_password` is wrong, InvalidInputError when the new one
    breaks the rules that hold at setup.
    """
    stored = users.read_password_hash(session.user_id)
    if stored is None or not verify_password(current_password, stored):
        raise WrongPasswordError()
    try:
        check_password(new_password)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    users.replace_password_hash(
        session.user_id, hash_password(new_password), keep_session_id=session.id
    )


def sign_out_everywhere(user_id: int) -> int:
    """End every session of the user, the current one included; how many there were."""
    return users.delete_sessions(user_id)


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
