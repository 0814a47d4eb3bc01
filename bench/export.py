"""Export benchmark (issue 14): the whole download history as CSV and as JSON, over HTTP.

    .venv/bin/python bench/export.py                      # 200,000 records, 5 downloads each
    .venv/bin/python bench/export.py --baseline HEAD      # and a git ref's server beside it
    .venv/bin/python bench/export.py --engine postgresql  # on TEST_POSTGRES_URL's server
    .venv/bin/python bench/export.py --library /tmp/lib   # build there once, reuse after

It builds a library as bench/run.py does (through the migrations and the models: size/10
media, `--records` download records, and a folder tree holding every recorded file), starts
the real server on it (`backend/cli.py`), waits for the start-up reconciliation, then
downloads GET /api/v1/downloads/export?format=csv and ?format=json in turn, `--repeat`
times each: streamed and counted, never kept. For each download: the seconds to the first
body byte and to the last, the bytes, and the records (lines of the CSV, objects of the
JSON) checked against the library. Then the server's peak resident memory (VmHWM: over its
whole life, start-up included), and the peak memory of the server with its read workers,
sampled during one more download of each format (untimed: sampling costs CPU). Each turn
also times reading the same rows alone, with a bare cursor and no output (`raw_read`): the
floor of any export on the machine as it is.

`--baseline REF` also serves the backend of a git ref (`git archive`, in a temporary
folder), or a backend folder, on the same library at the same time, and alternates the
downloads between the two servers, so that whatever else the machine does weighs on both
alike.

`--engine postgresql` builds the library in a new database on the server that
TEST_POSTGRES_URL names (a role that may create databases), dropped at the end unless the
library is kept (`--library`). Figures go to bench/results/export-<time>.json.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from common import REPO, save_result
from run import build_library  # the library of bench/run.py, the same figures' base

API_KEY = "bench-api-key"  # the key build_library sets
EXPORT = "/api/v1/downloads/export?format="
TARGET_S = 2.0
TARGET_RSS_MB = 150


class PostgresDatabase:
    """A database of its own on TEST_POSTGRES_URL's server."""

    def __init__(self, name: str | None = None) -> None:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        server = os.environ.get("TEST_POSTGRES_URL")
        if not server:
            raise SystemExit("--engine postgresql needs TEST_POSTGRES_URL (source /tmp/pg.env)")
        self.server = sa.make_url(server)
        self.admin = sa.create_engine(self.server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.name = name or f"bench_export_{uuid.uuid4().hex[:10]}"
        if name is None:
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {self.name}")
        self.url = self.server.set(database=self.name).render_as_string(hide_password=False)
        with self.admin.connect() as conn:
            self.version = str(conn.exec_driver_sql("SHOW server_version").scalar())

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self.admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The app as users start it (`cli.py` of `backend`), on the library's data folder."""

    def __init__(self, label: str, backend: Path, root: Path, database_url: str | None) -> None:
        self.label = label
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
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", label)
        self.log = open(root / f"server-{slug}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, str(backend / "cli.py")],
            cwd=backend.parent,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the {label} server exited; see {self.log.name}")
            try:
                if self.get_json("/status") is not None:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the {label} server did not start; see {self.log.name}")

    def get_json(self, path: str) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", path, headers={"X-API-KEY": API_KEY})
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status} {body[:200]!r}")
            return json.loads(body)
        finally:
            conn.close()

    def wait_reconcile(self) -> None:
        """Until the start-up reconciliation has finished (1-2 s of CPU at 200,000)."""
        while True:
            state = self.get_json("/api/v1/tasks/reconcile")
            if not state["running"] and state.get("last_finished_at"):
                return
            time.sleep(0.2)

    def download(self, export_format: str, *, sample: bool = False) -> dict[str, Any]:
        """One export, streamed and counted: seconds to the first body byte and to the end,
        bytes, records; with `sample`, the peak of the memory of the server's process tree
        meanwhile (`tree_pss_mb`, every 20 ms). Sampling is not free: each sample walks the
        page tables of the server (3-7 ms of the kernel's time), so the timed downloads
        are not sampled, and the memory is taken in downloads of its own."""
        if not sample:
            return self._download(export_format)
        peak = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], self.tree_pss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            result = self._download(export_format)
        finally:
            done.set()
            sampler.join()
        return result | {"tree_peak_pss_mb": round(peak[0], 1)}

    def _download(self, export_format: str) -> dict[str, Any]:
        buffer = bytearray(1 << 20)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            started = time.perf_counter()
            conn.request("GET", EXPORT + export_format, headers={"X-API-KEY": API_KEY})
            response = conn.getresponse()
            if response.status != 200:
                raise RuntimeError(f"export: HTTP {response.status} {response.read()[:200]!r}")
            # The bench's names hold no newline and no brace: a CSV line or a "}" is a record.
            mark = b"\n" if export_format == "csv" else b"}"
            head = response.read1(len(buffer))  # what the first chunk brought, no more
            first = time.perf_counter() - started
            size, records = len(head), head.count(mark)
            while n := response.readinto(buffer):
                size += n
                records += buffer.count(mark, 0, n)
            total = time.perf_counter() - started
        finally:
            conn.close()
        if export_format == "csv":
            records -= 1  # the header
        return {"seconds": total, "first_byte_s": first, "bytes": size, "records": records}

    def tree_pss_mb(self) -> float:
        """The memory of the server and every process under it (its export's read
        workers), each counted proportionally (Pss: a page shared by n processes counts
        1/n in each), so that the sum is what they hold together. A child between its
        (v)fork and its exec still runs the server's program in the server's memory: it
        would count the server twice, and is left out."""
        server = Path(f"/proc/{self.proc.pid}/cmdline").read_bytes()
        total_kb, pids = 0, [self.proc.pid]
        while pids:
            pid = pids.pop()
            try:
                if pid != self.proc.pid and Path(f"/proc/{pid}/cmdline").read_bytes() == server:
                    continue
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                # A child is listed under the thread that started it.
                children = [
                    child
                    for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()
                ]
            except OSError:
                continue  # ended meanwhile
            for line in rollup.splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
            pids += [int(child) for child in children]
        return total_kb / 1024

    def memory_mb(self) -> dict[str, float]:
        values = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        return values

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def raw_read(url: str) -> float:
    """Seconds to read the export's rows alone: its SELECT (every field, the default order)
    in one statement through a bare DB-API cursor, 1,000 rows at a time, nothing written.

    What no export through Python can go under on this machine: the database's work and
    one Python object per value.
    """
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    from core.base.database.manager.history_export import export_select
    from core.base.database.models.history import HistoryQuery
    from core.history.export import CSV_FIELDS

    engine = sa.create_engine(url, poolclass=NullPool)
    select = export_select(HistoryQuery(), CSV_FIELDS)
    sql = str(select.compile(engine, compile_kwargs={"literal_binds": True}))
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        cursor.execute(sql)
        while cursor.fetchmany(1000):
            pass
        return time.perf_counter() - started
    finally:
        connection.close()
        engine.dispose()


def backend_of(ref: str, into: Path) -> Path:
    """The `backend` folder of the git ref `ref`, extracted under `into`; or `ref` itself
    when it is a folder holding a backend (another version to compare with)."""
    if (Path(ref) / "cli.py").is_file():
        return Path(ref).resolve()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "backend"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "backend"


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "median_s": round(statistics.median(r["seconds"] for r in runs), 3),
        "min_s": round(min(r["seconds"] for r in runs), 3),
        "max_s": round(max(r["seconds"] for r in runs), 3),
        "first_byte_median_ms": round(statistics.median(r["first_byte_s"] for r in runs) * 1000, 1),
        "bytes": runs[0]["bytes"],
        "records": runs[0]["records"],
        "runs_s": [round(r["seconds"], 3) for r in runs],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--records", type=int, default=200_000, help="download records")
    parser.add_argument("--repeat", type=int, default=5, help="downloads of each format")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--baseline", metavar="REF", help="also serve this git ref's backend (or this folder's)"
    )
    parser.add_argument(
        "--library", type=Path, help="build the library here and keep it; reuse one built there"
    )
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="trailarr-export-bench-"))
    root = args.library or scratch / "library"
    root.mkdir(parents=True, exist_ok=True)
    marker = root / "library.json"
    built: dict[str, Any] | None = None
    if marker.exists():
        built = json.loads(marker.read_text())
        if built["downloads"] != args.records or built["engine"] != args.engine:
            raise SystemExit(f"{root} holds another library: {built}")
    pg = None
    if args.engine == "postgresql":
        pg = PostgresDatabase(built["database"] if built else None)
        os.environ["DATABASE_URL"] = pg.url
    servers: list[Server] = []
    try:
        if built is None:
            built = build_library(root, args.records) | {"engine": args.engine}
            if pg is not None:
                built["database"] = pg.name
            marker.write_text(json.dumps(built))
            print(f"built {built}", flush=True)
        url = pg.url if pg is not None else None
        servers.append(Server("current", REPO / "backend", root, url))
        if args.baseline:
            backend = backend_of(args.baseline, scratch / "baseline")
            servers.append(Server(f"baseline {args.baseline}", backend, root, url))
        for server in servers:
            server.wait_reconcile()
        before = {s.label: s.memory_mb() for s in servers}
        load_before = os.getloadavg()[0]
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {
            s.label: {"csv": [], "json": []} for s in servers
        }
        database = url or f"sqlite:///{root / 'data' / 'trailarr.db'}"
        reads: list[float] = []
        for turn in range(args.repeat):
            reads.append(raw_read(database))
            print(f"{'raw read':>16}: {reads[-1]:.3f} s", flush=True)
            for export_format in ("csv", "json"):
                # The order of the servers alternates from turn to turn.
                for server in servers if turn % 2 == 0 else servers[::-1]:
                    run = server.download(export_format)
                    if run["records"] != args.records:
                        raise RuntimeError(f"{server.label} {export_format}: {run}")
                    runs[server.label][export_format].append(run)
                    print(
                        f"{server.label:>16} {export_format:>4}: {run['seconds']:.3f} s, "
                        f"first byte {run['first_byte_s'] * 1000:.1f} ms, {run['bytes']:,} B",
                        flush=True,
                    )
        load_after = os.getloadavg()[0]
        # The memory: one download of each format per server, sampled (not timed).
        sampled: dict[str, list[dict[str, Any]]] = {s.label: [] for s in servers}
        for export_format in ("csv", "json"):
            for server in servers:
                run = server.download(export_format, sample=True)
                sampled[server.label].append(run)
                print(
                    f"{server.label:>16} {export_format:>4}: peak Pss of the server's "
                    f"processes {run['tree_peak_pss_mb']:.1f} MB",
                    flush=True,
                )
        result: dict[str, Any] = {
            "engine": args.engine,
            "engine_version": pg.version if pg is not None else _sqlite_version(),
            "library": built,
            # The machine's 1-minute load average before and after the downloads: other
            # work beside the benchmark shows here.
            "load_average": [round(load_before, 2), round(load_after, 2)],
            "raw_read_s": round(statistics.median(reads), 3),
            "raw_read_runs_s": [round(r, 3) for r in reads],
            "servers": {},
        }
        for server in servers:
            memory = server.memory_mb()
            result["servers"][server.label] = {
                "csv": summary(runs[server.label]["csv"]),
                "json": summary(runs[server.label]["json"]),
                "server_rss_before_mb": round(before[server.label]["VmRSS"], 1),
                "server_peak_rss_mb": round(memory["VmHWM"], 1),
                "tree_peak_pss_mb": max(run["tree_peak_pss_mb"] for run in sampled[server.label]),
            }
        save_result("export", result)
        print(markdown(result))
        return 0
    finally:
        for server in servers:
            server.stop()
        os.environ.pop("DATABASE_URL", None)
        if args.library is None and pg is not None:
            pg.drop()
        shutil.rmtree(scratch, ignore_errors=True)


def markdown(result: dict[str, Any]) -> str:
    records = result["library"]["downloads"]
    lines = [
        f"| server ({result['engine']}, {records:,} records) | CSV, median (min–max) "
        "| JSON, median (min–max) | first byte, CSV / JSON "
        "| server's peak RSS / peak Pss with its workers |",
        "|---|---|---|---|---|",
    ]
    for label, figures in result["servers"].items():
        csv_, json_ = figures["csv"], figures["json"]
        lines.append(
            f"| {label} | {csv_['median_s']:.2f} s ({csv_['min_s']:.2f}–{csv_['max_s']:.2f}) "
            f"| {json_['median_s']:.2f} s ({json_['min_s']:.2f}–{json_['max_s']:.2f}) "
            f"| {csv_['first_byte_median_ms']:.0f} / {json_['first_byte_median_ms']:.0f} ms "
            f"| {figures['server_peak_rss_mb']:.0f} MB / {figures['tree_peak_pss_mb']:.0f} MB |"
        )
    lines.append(
        f"| rows read alone (one SELECT, bare cursor, no output) | {result['raw_read_s']:.2f} s "
        "| | | |"
    )
    return "\n".join(lines)


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    sys.exit(main())
