"""What a test needs to know about the engine the suite runs on."""

from __future__ import annotations

import pytest

SQLITE_PLANNER = pytest.mark.sqlite_only(
    reason="SQLite's query planner (EXPLAIN QUERY PLAN); the PostgreSQL plans are checked"
    " in tests/core/base/database/test_postgresql.py"
)
"""For a test of the plans SQLite's planner picks."""
