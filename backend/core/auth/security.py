"""Password hashes (scrypt, from the standard library) and random tokens.

A password hash is stored as `scrypt$<n>$<r>$<p>$<salt>$<key>` (salt and key in base64), so
that the cost parameters can be raised later without breaking the hashes already stored.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import cache

SCHEME = "scrypt"
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MAX_SCRYPT_MEMORY = 64 * 1024 * 1024


def _scrypt(password: str, salt: bytes, *, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=MAX_SCRYPT_MEMORY
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A new salted scrypt hash of `password`, with its parameters."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, length=KEY_BYTES)
    return f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches the stored hash; False for a malformed hash."""
    try:
        scheme, n, r, p, salt_b64, key_b64 = encoded.split("$")
        if scheme != SCHEME:
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(key_b64, validate=True)
        actual = _scrypt(password, salt, n=int(n), r=int(r), p=int(p), length=len(expected))
    except (ValueError, OverflowError):
        return False
    return secrets.compare_digest(actual, expected)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def spend_password_check(password: str) -> None:
    """Do the work of one password check for nothing: an unknown user costs a known one's time."""
    verify_password(password, _dummy_hash())


def new_token() -> str:
    """A random URL-safe token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest under which a session token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(candidate: str | None, expected: str) -> bool:
    """Constant-time comparison of a token from a request with the expected one."""
    if not candidate:
        return False
    return secrets.compare_digest(candidate.encode(), expected.encode())
