"""What the single-purpose benchmarks (sync.py, wanted.py) share: a fresh database built by
the migrations, and the results file. Import it first: it puts the backend on sys.path."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "backend"), str(REPO)]


def migrated_database(name: str) -> Path:
    """A new APP_DATA_DIR for this process with its database at the migrations' head; the
    database file."""
    workdir = Path(tempfile.mkdtemp(prefix=f"trailarr-{name}-bench-"))
    os.environ["APP_DATA_DIR"] = str(workdir)
    os.environ["APP_API_KEY"] = "bench-api-key"
    from alembic import command

    from core.base.database.migrate import alembic_config

    db = workdir / "trailarr.db"
    command.upgrade(alembic_config(f"sqlite:///{db}"), "head")
    return db


def save_result(name: str, result: dict[str, Any]) -> Path:
    """Stamp `result` (time, CPUs), write bench/results/<name>-<time>.json and print it."""
    now = datetime.now(UTC)
    result["at"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    result["cpus"] = os.cpu_count()
    out = REPO / "bench" / "results" / f"{name}-{now:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return out
