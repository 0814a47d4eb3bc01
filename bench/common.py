"""What the benchmarks share: a fresh database built by the migrations, a PostgreSQL server
to make databases on, and the results file. Import it first: it puts the backend on
sys.path."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import uuid
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


class PostgresServer:
    """A PostgreSQL server to make benchmark databases on: the one TEST_POSTGRES_URL names
    (a role that may create databases), or else a throwaway one started with
    `scripts/postgres.sh start` and stopped by `close`."""

    def __init__(self, url: str | None = None) -> None:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        self.started_dir: str | None = None
        url = url or os.environ.get("TEST_POSTGRES_URL")
        if not url:
            started = subprocess.run(
                ["bash", str(REPO / "scripts" / "postgres.sh"), "start"],
                capture_output=True,
                text=True,
                timeout=900,
                check=True,
            )
            exported = {}
            for line in started.stdout.splitlines():
                words = shlex.split(line)
                if len(words) == 2 and words[0] == "export":
                    key, _, value = words[1].partition("=")
                    exported[key] = value
            url = exported["TEST_POSTGRES_URL"]
            self.started_dir = exported["TRAILARR_PG_DIR"]
        self.url = sa.make_url(url)
        self.admin = sa.create_engine(self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            self.version = str(conn.exec_driver_sql("SHOW server_version").scalar())

    def create_database(self, prefix: str = "bench") -> tuple[str, str]:
        """A new empty database: its name and its URL (password included)."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        return name, self.url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        self.admin.dispose()
        if self.started_dir is not None:
            subprocess.run(
                ["bash", str(REPO / "scripts" / "postgres.sh"), "stop", self.started_dir],
                timeout=120,
                check=False,
            )
            self.started_dir = None
