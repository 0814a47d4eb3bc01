"""UserManager: the web UI's user account and its sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select, update

from core.base.database.manager.session import manage_session
from core.base.database.models.base import utc_now
from core.base.database.models.user import (
    User,
    UserRead,
    UserSession,
    UserSessionCreate,
    UserSessionRead,
)
from core.exceptions import ConflictError


class UserManager:
    """Reads and writes User and UserSession rows; returns Read models only."""

    def count(self, *, _session: Session | None = None) -> int:
        with manage_session(_session) as session:
            return session.exec(select(func.count()).select_from(User)).one()

    def create_first(
        self, username: str, password_hash: str, *, _session: Session | None = None
    ) -> UserRead:
        """Create the first account; ConflictError when one exists already."""
        with manage_session(_session, write=True) as session:
            if session.exec(select(func.count()).select_from(User)).one():
                raise ConflictError("An account exists already: sign in instead")
            user = User(username=username, password_hash=password_hash)
            session.add(user)
            try:
                session.flush()
            except IntegrityError as exc:
                raise ConflictError("An account exists already: sign in instead") from exc
            return UserRead.model_validate(user)

    def read_credentials(
        self, username: str, *, _session: Session | None = None
    ) -> tuple[UserRead, str] | None:
        """The user named `username` (surrounding spaces ignored) and their password hash."""
        with manage_session(_session) as session:
            user = session.exec(select(User).where(User.username == username.strip())).first()
            if user is None:
                return None
            return UserRead.model_validate(user), user.password_hash

    def create_session(
        self,
        session_create: UserSessionCreate,
        *,
        _session: Session | None = None,
    ) -> UserSessionRead:
        """Store a new session; the expired ones go at the same time."""
        with manage_session(_session, write=True) as session:
            session.exec(delete(UserSession).where(col(UserSession.expires_at) <= utc_now()))
            row = UserSession.model_validate(session_create)
            session.add(row)
            session.flush()
            user = session.get(User, row.user_id)
            assert user is not None
            return UserSessionRead.model_validate(row, update={"username": user.username})

    def read_session(
        self,
        token_hash: str,
        *,
        now: datetime,
        _session: Session | None = None,
    ) -> UserSessionRead | None:
        """The unexpired session stored under `token_hash`, or None."""
        with manage_session(_session) as session:
            found = session.exec(
                select(UserSession, User.username)
                .join(User, col(User.id) == col(UserSession.user_id))
                .where(UserSession.token_hash == token_hash, col(UserSession.expires_at) > now)
            ).first()
            if found is None:
                return None
            row, username = found
            return UserSessionRead.model_validate(row, update={"username": username})

    def touch_session(
        self,
        session_id: int,
        *,
        now: datetime,
        _session: Session | None = None,
    ) -> None:
        """Record that the session was just used."""
        with manage_session(_session, write=True) as session:
            session.exec(
                update(UserSession)
                .where(col(UserSession.id) == session_id)
                .values(last_seen_at=now)
            )

    def delete_session(self, token_hash: str, *, _session: Session | None = None) -> bool:
        """Delete the session stored under `token_hash`; whether there was one."""
        with manage_session(_session, write=True) as session:
            result = session.exec(
                delete(UserSession).where(col(UserSession.token_hash) == token_hash)
            )
            return bool(result.rowcount)

    def read_password_hash(self, user_id: int, *, _session: Session | None = None) -> str | None:
        """The stored password hash of the user, or None when there is no such user."""
        with manage_session(_session) as session:
            user = session.get(User, user_id)
            return user.password_hash if user is not None else None

    def replace_password_hash(
        self,
        user_id: int,
        password_hash: str,
        *,
        keep_session_id: int,
        _session: Session | None = None,
    ) -> None:
        """Store a new password hash and end the user's sessions but `keep_session_id`."""
        with manage_session(_session, write=True) as session:
            session.exec(
                update(User).where(col(User.id) == user_id).values(password_hash=password_hash)
            )
            session.exec(
                delete(UserSession).where(
                    col(UserSession.user_id) == user_id, col(UserSession.id) != keep_session_id
                )
            )

    def delete_sessions(self, user_id: int, *, _session: Session | None = None) -> int:
        """Delete every session of the user; how many there were."""
        with manage_session(_session, write=True) as session:
            result = session.exec(delete(UserSession).where(col(UserSession.user_id) == user_id))
            return int(result.rowcount)
