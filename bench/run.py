"""Download-history benchmarks: one command, figures written to bench/results/.

    .venv/bin/python bench/run.py                  # 20,000 and 200,000 records
    .venv/bin/python bench/run.py --sizes 20000    # one size
    .venv/bin/python bench/run.py --engine both    # SQLite and PostgreSQL side by side

`--engine postgresql` builds the library in a new database on the server that
TEST_POSTGRES_URL names (a role that may create databases), or on a throwaway server
started with scripts/postgres.sh when it is not set; the database is dropped after the run.

For each size it builds, through the project's own migrations and models, a database of
size/10 media and `size` download records plus a folder tree holding every recorded file,
starts the real server (`backend/cli.py`) on it, and measures medians over repeated runs:

- per-media history through the API (GET /api/v1/media/{id}/downloads);
- a global history page (50 rows, one filter, sorted by date) through the API;
- a text search of the history (a media title or a file name) through the API;
- reconciliation of every record (all files present), run by the server's task runner;
- recording one download (probe included) against one bare ffprobe run on the same file;
- the server's resident memory (peak, VmHWM) across all of the above.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import PostgresServer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "backend"))

API_KEY = "bench-api-key"
CODECS = [("h264", "aac"), ("h264", "opus"), ("vp9", "opus"), ("hevc", "aac"), ("av1", "opus")]
RESOLUTIONS = ["1920x1080", "1280x720", "3840x2160", "854x480"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_library(root: Path, downloads: int) -> dict[str, Any]:
    """The database (migrated, filled through the models) and the files it records.

    The database is DATABASE_URL's when it is set (PostgreSQL), else the data folder's
    SQLite file.
    """
    os.environ["APP_DATA_DIR"] = str(root / "data")
    os.environ["APP_API_KEY"] = API_KEY
    from alembic import command
    from sqlalchemy import insert

    from config import get_settings
    from core.base.database.engine import reset_engine, write_session
    from core.base.database.manager.trailerprofile import TrailerProfileManager
    from core.base.database.migrate import alembic_config
    from core.base.database.models.download import Download, DownloadCreate
    from core.base.database.models.media import Media, MediaCreate
    from core.base.database.models.trailerprofile import TrailerProfileCreate
    from core.history.fingerprint import file_fingerprint

    get_settings.cache_clear()
    reset_engine()
    settings = get_settings()
    started = time.perf_counter()
    command.upgrade(alembic_config(settings.db_url), "head")
    profiles = [
        TrailerProfileManager().create(TrailerProfileCreate(name=f"Bench {n}")).id for n in range(3)
    ]
    media_count = downloads // 10
    rng = random.Random(42)
    base_time = datetime(2025, 1, 1, tzinfo=UTC)
    media_root = root / "media"
    with write_session() as session:
        rows = []
        for m in range(media_count):
            media = MediaCreate(
                title=f"Bench Movie {m:06d}",
                year=1950 + m % 75,
                is_movie=m % 4 != 0,
                folder_path=str(media_root / f"m{m:06d}"),
            )
            rows.append(Media.model_validate(media).model_dump() | {"status": "downloaded"})
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(Media), rows[chunk : chunk + 5000])
    with write_session() as session:
        batch: list[dict[str, Any]] = []
        for n in range(downloads):
            media_id = n % media_count + 1
            folder = media_root / f"m{media_id - 1:06d}" / "Trailers"
            if n < media_count:
                folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"trailer-{n:07d}.mkv"
            path.write_bytes(f"bench trailer {n}\n".encode() * 4)
            stat = path.stat()
            vcodec, acodec = CODECS[n % len(CODECS)]
            record = DownloadCreate(
                media_id=media_id,
                path=str(path),
                file_name=path.name,
                size=stat.st_size,
                updated_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
                resolution=RESOLUTIONS[n % len(RESOLUTIONS)],
                video_format=vcodec,
                audio_format=acodec,
                audio_channels="2",
                file_format="matroska,webm",
                duration=60 + n % 120,
                added_at=base_time + timedelta(seconds=rng.randrange(0, 60 * 86400)),
                profile_id=profiles[n % len(profiles)],
                youtube_id=f"bench{n:06d}",
                fingerprint=file_fingerprint(path),
            )
            batch.append(Download.model_validate(record).model_dump(exclude={"id"}))
            if len(batch) == 5000:
                session.execute(insert(Download), batch)
                batch = []
        if batch:
            session.execute(insert(Download), batch)
    reset_engine()
    if settings.db_url.startswith("postgresql"):
        settle_postgresql(settings.db_url)
    return {
        "media": media_count,
        "downloads": downloads,
        "build_seconds": time.perf_counter() - started,
    }


def settle_postgresql(url: str) -> None:
    """VACUUM (ANALYZE) the freshly loaded PostgreSQL database.

    On a real library autovacuum has long done both: since PostgreSQL 13 it vacuums and
    analyzes a table after enough inserts, so the planner has statistics and the visibility
    map allows index-only scans. Left to itself here it would start a minute into the
    run, in the middle of the measurements; without statistics the planner guesses.
    """
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    engine = sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    finally:
        engine.dispose()


class Response:
    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}: {self.body[:200]!r}")


class Client:
    """A lean keep-alive HTTP/1.1 client (http.client), so that the figures are the
    server's: httpx adds 1.5 to 2.5 ms of its own to every request on this machine."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def _request(self, method: str, path: str) -> Response:
        reused = self.conn is not None
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            self.conn.request(method, path, headers={"X-API-KEY": API_KEY})
            answer = self.conn.getresponse()
            return Response(answer.status, answer.read())
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.close()
            if not reused:
                raise
            # The server closed the idle keep-alive connection (uvicorn does after 5 s, as
            # while another engine's server is measured): once more on a new one.
            return self._request(method, path)
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def get(self, path: str) -> Response:
        return self._request("GET", path)

    def post(self, path: str) -> Response:
        return self._request("POST", path)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Server:
    """The real app, started as users start it, on the benchmark's data folder."""

    def __init__(self, root: Path, database_url: str | None = None) -> None:
        self.port = _free_port()
        env = os.environ | {
            "APP_DATA_DIR": str(root / "data"),
            "APP_API_KEY": API_KEY,
            "APP_PORT": str(self.port),
            "APP_HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_URL", None)
        if database_url is not None:
            env["DATABASE_URL"] = database_url
        self.log = open(root / "server.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "backend" / "cli.py")],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.client = Client(self.port)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if self.client.get("/status").status_code == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start; see server.log")

    def memory_kb(self) -> dict[str, int]:
        values = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
        return values

    def stop(self) -> None:
        self.client.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def timed_requests(server: Server, paths: list[str]) -> list[float]:
    """Milliseconds per request (each must succeed)."""
    times = []
    for path in paths:
        started = time.perf_counter()
        response = server.client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return times


def wait_task(server: Server, name: str) -> dict[str, Any]:
    while True:
        state = server.client.get(f"/api/v1/tasks/{name}").json()
        if not state["running"] and state.get("last_finished_at"):
            return state
        time.sleep(0.05)


def reconcile_runs(server: Server, repeat: int, expected: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        response = server.client.post("/api/v1/tasks/reconcile")
        response.raise_for_status()
        state = wait_task(server, "reconcile")
        summary = state["last_summary"]
        if state.get("last_error") or summary["present"] != expected:
            raise RuntimeError(f"reconciliation went wrong: {state}")
        seconds.append(float(summary["duration_seconds"]))
    return seconds


def recording_vs_ffprobe(root: Path, repeat: int) -> dict[str, Any]:
    """Recording one download (its own probe included) against one bare ffprobe run."""
    from core.base.database.manager.base import MediaDatabaseManager
    from core.base.database.models.media import MediaCreate
    from core.download.service import record_trailer_sync
    from core.download.video_analysis import VideoInfo, get_media_info

    clip = root / "media" / "recording" / "clip.mkv"
    clip.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=24:duration=60",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=60",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "2",
            str(clip),
        ],
        check=True,
        timeout=600,
    )
    media = MediaDatabaseManager().create(
        MediaCreate(title="Recording bench", year=2024, folder_path=str(clip.parent))
    )
    bare_args = [
        "ffprobe",
        "-v",
        "error",
        "-show_format",
        "-show_streams",
        "-of",
        "json",
        str(clip),
    ]

    def bare_run() -> float:
        started = time.perf_counter()
        subprocess.run(bare_args, check=True, capture_output=True, timeout=60)
        return (time.perf_counter() - started) * 1000

    def record_run(n: int, media_info: VideoInfo | None = None) -> float:
        # Each run records a new trailer file (a hard link to the clip: the same bytes and
        # inode) as the pipeline does: one path holds one present record.
        trailer = clip.with_name(f"clip-{n}.mkv")
        os.link(clip, trailer)
        started = time.perf_counter()
        made = record_trailer_sync(media.id, 1, str(trailer), f"rec{n}", media_info=media_info)
        elapsed = (time.perf_counter() - started) * 1000
        if made is None:
            raise RuntimeError("recording failed")
        return elapsed

    bare, record = [], []
    for n in range(repeat + 2):  # the first two runs warm caches and are dropped
        # Alternate which goes first, so that neither always follows the other.
        if n % 2:
            record_ms = record_run(n)
            bare_ms = bare_run()
        else:
            bare_ms = bare_run()
            record_ms = record_run(n)
        if n >= 2:
            bare.append(bare_ms)
            record.append(record_ms)
    # In the pipeline the verification probe of the same file is reused (size and mtime
    # unchanged), so recording there is the stat, the fingerprint and the transaction.
    probed = get_media_info(str(clip))
    reused = [record_run(repeat + 2 + n, probed) for n in range(repeat)]
    return {
        "file_mb": round(clip.stat().st_size / 1e6, 1),
        "runs": len(bare),
        "bare_ffprobe_ms": statistics.median(bare),
        "bare_ffprobe_stdev_ms": statistics.stdev(bare),
        "record_ms": statistics.median(record),
        "ratio": statistics.median(record) / statistics.median(bare),
        "record_probe_reused_ms": statistics.median(reused),
    }


class Library:
    """One engine's library at one size: its folder (data folder and recorded files) and,
    on PostgreSQL, a database of its own on `pg`."""

    def __init__(self, engine: str, size: int, workdir: Path | None, pg: PostgresServer | None):
        self.engine = engine
        self.size = size
        self.pg = pg
        self.root = Path(tempfile.mkdtemp(prefix=f"trailarr-bench-{engine}-{size}-", dir=workdir))
        self.database: str | None = None
        self.url: str | None = None
        self.info: dict[str, Any] = {}

    def build(self) -> None:
        if self.pg is not None:
            self.database, self.url = self.pg.create_database("bench_trailarr")
        self.use()
        self.info = build_library(self.root, self.size)
        print(f"[{self.engine} {self.size}] built {self.info}", flush=True)

    def use(self) -> None:
        """Point this process's settings and engine at this library (for the recording)."""
        from config import get_settings
        from core.base.database.engine import reset_engine

        os.environ["APP_DATA_DIR"] = str(self.root / "data")
        if self.url is not None:
            os.environ["DATABASE_URL"] = self.url
        else:
            os.environ.pop("DATABASE_URL", None)
        get_settings.cache_clear()
        reset_engine()

    def remove(self) -> None:
        from core.base.database.engine import reset_engine

        reset_engine()  # the recording's connections, before the database goes
        os.environ.pop("DATABASE_URL", None)
        if self.pg is not None and self.database is not None:
            self.pg.drop_database(self.database)
        shutil.rmtree(self.root, ignore_errors=True)


def run_size(
    size: int, repeat: int, workdir: Path | None, engines: list[str], pg: PostgresServer | None
) -> list[dict[str, Any]]:
    """One size on each of `engines` (PostgreSQL on `pg`, a database per library).

    With several engines, every library is built and served at once and the requests go to
    each server in turn, 20 at a time (the order swapped every round), so that whatever
    else the machine does weighs on every engine alike. Reconciliation and recording then
    run on one engine after the other.
    """
    libraries: list[Library] = []
    servers: dict[str, Server] = {}
    try:
        for engine in engines:
            library = Library(engine, size, workdir, pg if engine == "postgresql" else None)
            libraries.append(library)
            library.build()
        for library in libraries:
            servers[library.engine] = Server(library.root, library.url)
        media = libraries[0].info["media"]
        rng = random.Random(7)
        media_paths = [
            f"/api/v1/media/{rng.randrange(1, media + 1)}/downloads" for _ in range(repeat * 20)
        ]
        pages = max(1, size // 5 // 50)
        page_paths = [
            "/api/v1/downloads?page_size=50&sort=added_at&order=desc&video_format=vp9"
            f"&page={rng.randrange(1, min(pages, 20) + 1)}"
            for _ in range(repeat * 20)
        ]
        search_paths = [
            (
                f"/api/v1/downloads?page_size=50&q=Movie%20{rng.randrange(media):06d}"
                if n % 2
                else f"/api/v1/downloads?page_size=50&q=trailer-{rng.randrange(size):07d}"
            )
            for n in range(repeat * 20)
        ]
        # Measure the requests alone: after the start-up reconciliation (1.5 s of CPU at
        # 200,000 records) has finished.
        for server in servers.values():
            wait_task(server, "reconcile")
        load_before = os.getloadavg()[0]
        for server in servers.values():
            timed_requests(server, media_paths[:20] + page_paths[:20] + search_paths[:20])
        kinds = {"per_media": media_paths, "page": page_paths, "search": search_paths}
        times: dict[str, dict[str, list[float]]] = {e: {k: [] for k in kinds} for e in servers}
        for kind, paths in kinds.items():
            for turn, first in enumerate(range(0, len(paths), 20)):
                order = libraries if turn % 2 == 0 else libraries[::-1]
                for library in order:
                    server = servers[library.engine]
                    times[library.engine][kind] += timed_requests(server, paths[first : first + 20])
        load_after = os.getloadavg()[0]
        results = []
        for library in libraries:
            server = servers[library.engine]
            reconcile = reconcile_runs(server, repeat, size)
            library.use()
            recording = recording_vs_ffprobe(library.root, repeat * 6)
            memory = server.memory_kb()
            per_media, page, search = (times[library.engine][k] for k in kinds)
            results.append(
                {
                    "engine": library.engine,
                    "engine_version": library.pg.version if library.pg else sqlite_version(),
                    "requests_interleaved_with": [e for e in engines if e != library.engine],
                    "size": size,
                    "library": library.info,
                    "per_media_history_ms": statistics.median(per_media),
                    "per_media_history_p95_ms": sorted(per_media)[int(len(per_media) * 0.95)],
                    "history_page_ms": statistics.median(page),
                    "history_page_p95_ms": sorted(page)[int(len(page) * 0.95)],
                    "text_search_ms": statistics.median(search),
                    "text_search_p95_ms": sorted(search)[int(len(search) * 0.95)],
                    # The machine's 1-minute load average before and after the requests:
                    # another job beside the benchmark shows here.
                    "load_average": [round(load_before, 2), round(load_after, 2)],
                    "reconcile_s": statistics.median(reconcile),
                    "reconcile_runs_s": reconcile,
                    "recording": recording,
                    "server_peak_rss_mb": memory["VmHWM"] / 1024,
                    "server_rss_mb": memory["VmRSS"] / 1024,
                }
            )
        return results
    finally:
        for server in servers.values():
            server.stop()
        for library in libraries:
            library.remove()


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def markdown_table(results: dict[str, Any]) -> str:
    """The figures as a Markdown table, one column per size, with the targets."""
    runs = results["runs"]
    rows = [
        (
            "per-media history, median (p95)",
            "≤ 5 ms",
            lambda r: f"{r['per_media_history_ms']:.2f} ms ({r['per_media_history_p95_ms']:.2f})",
        ),
        (
            "history page, 50 rows, 1 filter, by date, median (p95)",
            "≤ 25 ms",
            lambda r: f"{r['history_page_ms']:.2f} ms ({r['history_page_p95_ms']:.2f})",
        ),
        (
            "text search (a title or a file name), 50 rows, median (p95)",
            "≤ 30 ms (PostgreSQL)",
            lambda r: f"{r['text_search_ms']:.2f} ms ({r['text_search_p95_ms']:.2f})",
        ),
        (
            "reconciliation, all files present, median",
            "≤ 2 s",
            lambda r: f"{r['reconcile_s']:.3f} s",
        ),
        (
            "recording one download / bare ffprobe, median",
            "≤ 1.05",
            lambda r: (
                f"{r['recording']['ratio']:.3f} ({r['recording']['record_ms']:.1f} / "
                f"{r['recording']['bare_ffprobe_ms']:.1f} ms)"
            ),
        ),
        (
            "recording with the verification probe reused (the pipeline), median",
            "(none)",
            lambda r: f"{r['recording']['record_probe_reused_ms']:.2f} ms",
        ),
        ("server peak resident memory", "≤ 300 MB", lambda r: f"{r['server_peak_rss_mb']:.0f} MB"),
    ]
    head = (
        "| figure | target | "
        + " | ".join(f"{_ENGINE_NAMES[r.get('engine', 'sqlite')]}, {r['size']:,}" for r in runs)
        + " |"
    )
    lines = [head, "|" + "---|" * (len(runs) + 2)]
    for name, target, cell in rows:
        lines.append(f"| {name} | {target} | " + " | ".join(cell(r) for r in runs) + " |")
    return "\n".join(lines)


_ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="20000,200000", help="download records per run")
    parser.add_argument("--repeat", type=int, default=7, help="repetitions (x20 for requests)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to build the data")
    parser.add_argument(
        "--engine",
        choices=["sqlite", "postgresql", "both"],
        default="sqlite",
        help="the database engine (both: both at each size, their requests interleaved)",
    )
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    runs: list[dict[str, Any]] = []
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "runs": runs,
    }
    pg = PostgresServer() if "postgresql" in engines else None
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            for run in run_size(size, args.repeat, args.workdir, engines, pg):
                runs.append(run)
                print(json.dumps(run, indent=2), flush=True)
    finally:
        if pg is not None:
            pg.close()
    out = REPO / "bench" / "results" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown_table(results))
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
