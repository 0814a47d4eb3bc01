"""The real `trailarr` command as a child process: its environment, one run, a live server.

A pytest plugin (see `pytest_plugins` in tests/conftest.py): `server_factory` starts servers
that are killed when the test ends. Tests that use it are marked slow. In the suite's
PostgreSQL pass (TRAILARR_TEST_ENGINE=postgresql), a server started without a DATABASE_URL
gets an empty PostgreSQL database of its own, one per data folder (a server started again
on the same folder finds its library), dropped when the test ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url as sa_url

from tests.utils.net import free_port
from tests.utils.wait import WAIT_SECONDS, wait_until

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "backend" / "cli.py"
HTTP_TIMEOUT = 60


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `trailarr` child: ours without the app's variables, plus these."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("APP_", "TRAILARR_")) and key not in {"DATABASE_URL", "LOG_LEVEL"}
    }
    env["APP_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run_cli(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CLI)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=WAIT_SECONDS,
        check=False,
    )


class Server:
    """A `trailarr` child process serving on a free port (`env`: more of its environment,
    such as a DATABASE_URL)."""

    def __init__(self, data_dir: Path, log: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(CLI)],
                env=cli_env(data_dir, APP_HOST="127.0.0.1", APP_PORT=str(self.port), **env),
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> None:
        def answers() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"trailarr exited early:\n{self.log.read_text(errors='replace')}")
            try:
                return httpx.get(f"{self.base}/status", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answers, f"an answer from trailarr (log: {self.log})", interval=0.1)

    def terminate(self) -> tuple[int, float]:
        """SIGTERM, then the exit code and how long the process took to stop."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=WAIT_SECONDS)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT_SECONDS)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[type[Server]]:
    from tests.conftest import on_postgresql
    from tests.utils import postgres

    started: list[Server] = []
    databases: dict[Path, str] = {}

    def database_of(data_dir: Path) -> str:
        if data_dir not in databases:
            url = postgres.create_database(postgres.require_server())
            databases[data_dir] = postgres.as_text(url)
        return databases[data_dir]

    class _Server(Server):
        def __init__(self, data_dir: Path, log: Path, **env: str) -> None:
            if on_postgresql() and "DATABASE_URL" not in env:
                env["DATABASE_URL"] = database_of(data_dir)
            super().__init__(data_dir, log, **env)
            started.append(self)

    yield _Server
    for server in started:
        server.kill()
    for url in databases.values():
        postgres.drop_database(postgres.require_server(), str(sa_url(url).database))
