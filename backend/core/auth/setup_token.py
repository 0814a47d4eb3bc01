"""The one-time token that proves the first account is created by the server's owner.

While no account exists, the token is kept in `APP_DATA_DIR/setup_token` (mode 0600) and
printed in the log at start; creating the account deletes it. The file is the only copy.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from core.auth.security import tokens_match

TOKEN_BYTES = 24


def _write(path: Path, token: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    tmp.chmod(0o600)  # an older file of that name may have had other bits
    tmp.replace(path)


def read(path: Path) -> str | None:
    """The stored token, or None when there is none."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return token or None


def create(path: Path) -> str:
    """Write a new random token to `path` (replacing any earlier one) and return it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    _write(path, token)
    return token


def ensure(path: Path) -> str:
    """The stored token, created first when there is none."""
    return read(path) or create(path)


def matches(path: Path, candidate: str | None) -> bool:
    """Whether `candidate` is the stored token (compared in constant time)."""
    stored = read(path)
    return stored is not None and tokens_match(candidate, stored)


def discard(path: Path) -> None:
    """Delete the token: it opens nothing any more."""
    path.unlink(missing_ok=True)
