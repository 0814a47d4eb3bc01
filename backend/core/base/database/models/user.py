"""The web UI's user account and its signed-in sessions."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlmodel import AutoString, Field

from core.base.database.models.base import AppSQLModel, UTCDateTime, utc_now

USERNAME_MAX_LENGTH = 64
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024


def check_password(value: str) -> str:
    """`value` when it is fit to be a password; ValueError with a message fit to show if not."""
    if len(value) < PASSWORD_MIN_LENGTH:
        raise ValueError(f"The password must be at least {PASSWORD_MIN_LENGTH} characters long")
    if len(value) > PASSWORD_MAX_LENGTH:
        raise ValueError(f"The password must be at most {PASSWORD_MAX_LENGTH} characters long")
    return value


class UserBase(AppSQLModel):
    """Fields shared by every User model."""

    # The length is checked below, with a message fit to show; the column holds it too.
    username: str = Field(sa_type=AutoString(length=USERNAME_MAX_LENGTH), unique=True)

    @field_validator("username", mode="before")
    @classmethod
    def _strip_username(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("username")
    @classmethod
    def _check_username(cls, value: str) -> str:
        if not 1 <= len(value) <= USERNAME_MAX_LENGTH:
            raise ValueError(f"The username must be 1 to {USERNAME_MAX_LENGTH} characters long")
        if not value.isprintable():
            raise ValueError("The username must not contain control characters")
        return value


class User(UserBase, table=True):
    """Database model for User: the password is kept only as a salted scrypt hash."""

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class UserCreate(UserBase):
    """A new account: the username and the plain password (hashed before it is stored)."""

    password: str

    @field_validator("password")
    @classmethod
    def _check_password(cls, value: str) -> str:
        return check_password(value)


class UserRead(UserBase):
    id: int
    created_at: datetime


class UserSessionBase(AppSQLModel):
    """Fields shared by every UserSession model."""

    user_id: int
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_seen_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class UserSession(UserSessionBase, table=True):
    """A signed-in browser; the cookie's token is stored only as its SHA-256 hash."""

    __tablename__ = "session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)


class UserSessionCreate(UserSessionBase):
    token_hash: str


class UserSessionRead(UserSessionBase):
    id: int
    username: str
