"""Start-up and GET /status benchmark (issue 14): one command, figures in bench/results/.

    .venv/bin/python bench/startup.py                       # 20,000 records, 5 launches
    .venv/bin/python bench/startup.py --records 2000 --launches 3
    .venv/bin/python bench/startup.py --backend /elsewhere/backend   # another checkout

Builds, through the migrations and the models, a database at head with `--records`
download records (and `--records`/10 media), each with a small file on disk so that the
start-up reconciliation finds them present, as on a real library. Then, for each bytecode
condition (below):

- launches `backend/cli.py` (as users do: settings, migrations check, uvicorn) on it
  `--launches` times after one unmeasured first launch, and measures launch -> first 200
  from GET /status (and the server's CPU time until then) and launch -> the console's
  "Trailarr is ready" line; each run is stopped with SIGTERM;
- measures `import main` alone in a fresh interpreter (`--launches` times) and lists the
  heavy packages it loaded.

Then, on one more server, after its start-up reconciliation has finished, it times
`--requests` GET /status over one keep-alive connection (after 200 warm-up requests).

Bytecode conditions: `inherit` runs the children in this environment as it is (where
PYTHONDONTWRITEBYTECODE=1 is set and the .venv holds no .pyc files, every start compiles
every module it imports); `warm` gives them a bytecode cache of their own
(PYTHONPYCACHEPREFIX, filled by the first launch), as a Docker image (compiled at build) or
any install after its first start has. `--pycache` picks one; both by default.

`--backend` measures the same on another checkout's `backend/` (its migrations must
reach the same head): that is how the figures before a change are taken.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from common import REPO, migrated_database, save_result

API_KEY = "bench-api-key"  # the key common.migrated_database sets
READY_PREFIX = "Trailarr is ready: "
HEAVY = ("yt_dlp", "alembic", "httpx", "PIL", "psutil", "mako", "click", "rich")
"""Packages that `import main` should not load (they load on first use)."""
CODECS = [("h264", "aac"), ("vp9", "opus"), ("av1", "opus")]
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_library(records: int) -> Path:
    """A data folder whose database is at head, with `records` downloads of records/10 media,
    every recorded file present (a few bytes each)."""
    db = migrated_database("startup")
    from sqlalchemy import insert

    from core.base.database.engine import reset_engine, write_session
    from core.base.database.manager.trailerprofile import TrailerProfileManager
    from core.base.database.models.download import Download, DownloadCreate
    from core.base.database.models.media import Media, MediaCreate
    from core.base.database.models.trailerprofile import TrailerProfileCreate
    from core.history.fingerprint import file_fingerprint

    data = db.parent
    media_root = data.parent / f"{data.name}-media"
    media_count = max(1, records // 10)
    rng = random.Random(14)
    base_time = datetime(2025, 1, 1, tzinfo=UTC)
    profile_id = TrailerProfileManager().create(TrailerProfileCreate(name="Default")).id
    with write_session() as session:
        rows = [
            Media.model_validate(
                MediaCreate(
                    title=f"Start-up Movie {m:06d}",
                    year=1950 + m % 75,
                    is_movie=m % 4 != 0,
                    folder_path=str(media_root / f"m{m:06d}"),
                )
            ).model_dump()
            | {"status": "downloaded"}
            for m in range(media_count)
        ]
        session.execute(insert(Media), rows)
    with write_session() as session:
        batch: list[dict[str, Any]] = []
        for n in range(records):
            media_id = n % media_count + 1
            folder = media_root / f"m{media_id - 1:06d}" / "Trailers"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"trailer-{n:07d}.mkv"
            path.write_bytes(f"start-up trailer {n}\n".encode() * 4)
            stat = path.stat()
            vcodec, acodec = CODECS[n % len(CODECS)]
            record = DownloadCreate(
                media_id=media_id,
                path=str(path),
                file_name=path.name,
                size=stat.st_size,
                updated_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
                resolution="1920x1080",
                video_format=vcodec,
                audio_format=acodec,
                audio_channels="2",
                file_format="matroska,webm",
                duration=60 + n % 120,
                added_at=base_time + timedelta(seconds=rng.randrange(0, 60 * 86400)),
                profile_id=profile_id,
                youtube_id=f"start{n:06d}",
                fingerprint=file_fingerprint(path),
            )
            batch.append(Download.model_validate(record).model_dump(exclude={"id"}))
            if len(batch) == 5000:
                session.execute(insert(Download), batch)
                batch = []
        if batch:
            session.execute(insert(Download), batch)
    reset_engine()
    return data


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"X-API-KEY": API_KEY})
    answer = conn.getresponse()
    return answer.status, answer.read()


class Launch:
    """One `cli.py` process on the data folder; its console is timestamped line by line."""

    def __init__(
        self, backend: Path, data: Path, log: IO[str], pycache: Path | None = None
    ) -> None:
        self.port = free_port()
        self.log = log
        self.ready_at: float | None = None
        self.ready_line: str | None = None
        self.cpu_s: float | None = None
        env = child_env(pycache)
        env |= {
            "APP_DATA_DIR": str(data),
            "APP_API_KEY": API_KEY,
            "APP_HOST": "127.0.0.1",
            "APP_PORT": str(self.port),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, str(backend / "cli.py")],
            env=env,
            cwd=backend.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if self.ready_at is None and line.startswith(READY_PREFIX):
                self.ready_at = time.perf_counter()
                self.ready_line = line.strip()
            self.log.write(line)

    def first_200(self, timeout: float = 300) -> float:
        """Seconds from launch to the first 200 of GET /status (polled every 5 ms)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cli.py exited with {self.proc.returncode}; see the log")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                status, _ = get(conn, "/status")
                if status == 200:
                    took = time.perf_counter() - self.started
                    self.cpu_s = cpu_seconds(self.proc.pid)
                    return took
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.005)
        raise RuntimeError("no 200 from /status in time")

    def ready_seconds(self, timeout: float = 30) -> float | None:
        """Seconds from launch to the ready line on the console (None: never printed)."""
        deadline = time.monotonic() + timeout
        while self.ready_at is None and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.01)
        return None if self.ready_at is None else self.ready_at - self.started

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=STOP_SECONDS)
        self.reader.join(timeout=STOP_SECONDS)
        return code


def child_env(pycache: Path | None) -> dict[str, str]:
    """This environment without the app's variables; with a bytecode cache of its own when
    `pycache` is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "TRAILARR_"))}
    env.pop("DATABASE_URL", None)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (Linux), None when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_main(backend: Path, runs: int, pycache: Path | None) -> dict[str, Any]:
    """`import main` in a fresh interpreter: seconds (median, max) and the heavy packages
    it loaded."""
    script = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "import main\n"
        "took = time.perf_counter() - t\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(took, ','.join(heavy))\n"
    )
    scratch = tempfile.mkdtemp(prefix="trailarr-import-")
    env = child_env(pycache) | {"APP_DATA_DIR": scratch, "APP_API_KEY": API_KEY}
    seconds: list[float] = []
    heavy = ""
    for _ in range(runs + (pycache is not None)):  # a first run fills a new cache
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=backend,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=300,
            check=True,
        )
        took, _, heavy = done.stdout.strip().partition(" ")
        seconds.append(float(took))
    shutil.rmtree(scratch, ignore_errors=True)
    seconds = seconds[-runs:]
    return {
        "median_s": statistics.median(seconds),
        "max_s": max(seconds),
        "runs_s": seconds,
        "heavy_loaded": [name for name in heavy.split(",") if name],
    }


def wait_reconciled(port: int, timeout: float = 300) -> None:
    """Until the start-up reconciliation has finished (it competes for the CPU)."""
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            status, body = get(conn, "/api/v1/tasks/reconcile")
            state = json.loads(body) if status == 200 else {}
            if not state.get("running") and state.get("last_finished_at"):
                return
            time.sleep(0.1)
    finally:
        conn.close()
    raise RuntimeError("the start-up reconciliation did not finish")


def status_latency(port: int, requests: int) -> dict[str, Any]:
    """Milliseconds per GET /status over one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(200):
            get(conn, "/status")
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            status, _ = get(conn, "/status")
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"GET /status answered {status}")
    finally:
        conn.close()
    times.sort()
    return {
        "requests": requests,
        "median_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95)],
        "mean_ms": statistics.fmean(times),
    }


def launches(
    backend: Path, data: Path, runs: int, log: IO[str], pycache: Path | None
) -> dict[str, Any]:
    """One unmeasured launch (first start; with `pycache`, it fills the cache), then `runs`
    measured ones."""
    first = Launch(backend, data, log, pycache)
    first_s = first.first_200()
    first.ready_seconds()
    first.stop()
    to_200: list[float] = []
    cpu: list[float] = []
    to_ready: list[float] = []
    ready_lines: set[str] = set()
    for n in range(runs):
        launch = Launch(backend, data, log, pycache)
        to_200.append(launch.first_200())
        if launch.cpu_s is not None:
            cpu.append(launch.cpu_s)
        ready = launch.ready_seconds()
        if ready is not None:
            to_ready.append(ready)
        if launch.ready_line:
            ready_lines.add(launch.ready_line.replace(str(launch.port), "PORT"))
        code = launch.stop()
        print(
            f"[{'warm' if pycache else 'inherit'}] launch {n + 1}: first 200 after "
            f"{to_200[-1]:.3f} s, {launch.cpu_s or 0:.2f} s CPU (exit {code})",
            flush=True,
        )
    return {
        "first_launch_to_200_s": first_s,
        "launch_to_200_s": summary(to_200),
        "server_cpu_to_200_s": summary(cpu) if cpu else None,
        "launch_to_ready_line_s": summary(to_ready) if to_ready else None,
        "ready_lines": sorted(ready_lines),
        "import_main": import_main(backend, runs, pycache),
    }


def summary(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "max": max(values), "runs": values}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=20_000, help="download records")
    parser.add_argument("--launches", type=int, default=5, help="measured launches")
    parser.add_argument("--requests", type=int, default=2_000, help="timed GET /status")
    parser.add_argument(
        "--pycache", choices=["inherit", "warm", "both"], default="both", help="see above"
    )
    parser.add_argument(
        "--backend", type=Path, default=REPO / "backend", help="the backend/ folder to start"
    )
    args = parser.parse_args()
    backend = args.backend.resolve()

    started = time.perf_counter()
    data = build_library(args.records)
    print(f"built {args.records} records in {time.perf_counter() - started:.1f} s: {data}")
    pycache = Path(tempfile.mkdtemp(prefix="trailarr-pycache-"))
    conditions = ["inherit", "warm"] if args.pycache == "both" else [args.pycache]
    log_path = data / "launches.log"
    load_before = os.getloadavg()[0]
    result: dict[str, Any] = {
        "backend": str(backend),
        "records": args.records,
        "media": max(1, args.records // 10),
        "python": sys.version.split()[0],
        "environment_writes_bytecode": not os.environ.get("PYTHONDONTWRITEBYTECODE"),
    }
    try:
        with log_path.open("w", encoding="utf-8") as log:
            for condition in conditions:
                cache = pycache if condition == "warm" else None
                result[f"launches_{condition}"] = launches(backend, data, args.launches, log, cache)
            served = Launch(backend, data, log, pycache if "warm" in conditions else None)
            served.first_200()
            wait_reconciled(served.port)
            result["status"] = status_latency(served.port, args.requests)
            served.stop()
        log_text = log_path.read_text(encoding="utf-8", errors="replace")
        result["alembic_plugin_lines"] = log_text.count("alembic.runtime.plugins")
        result["access_lines_at_info"] = log_text.count("[INFO] uvicorn.access")
        result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    finally:
        shutil.rmtree(pycache, ignore_errors=True)
        shutil.rmtree(data.parent / f"{data.name}-media", ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
    out = save_result("startup", result)
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
