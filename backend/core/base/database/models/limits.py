"""Limits of what the database stores, shared by the models and the routes that check input."""

from __future__ import annotations

DB_INT_MAX = 2**31 - 1
"""The largest id every engine stores in an INTEGER column (PostgreSQL's is 32 bits; SQLite's
would take 64): a larger id cannot exist, and is refused (422) before any query."""
