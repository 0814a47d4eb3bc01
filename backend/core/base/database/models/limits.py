"""Limits of what the database stores, shared by the models and the routes that check input."""

from __future__ import annotations

DB_INT_MAX = 2**63 - 1
"""The largest integer the database stores; a larger id cannot exist."""
