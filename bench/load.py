"""Responsiveness under load (issue 14): the history and /status while trailers convert.

    .venv/bin/python bench/load.py                      # 20,000 records, both conditions
    .venv/bin/python bench/load.py --condition nice     # FFMPEG_NICE/THREADS' defaults only
    .venv/bin/python bench/load.py --clients 20 --downloads 4 --clip-seconds 20

Builds bench/run.py's library (`--records` download records, a tenth as many media, every
file on disk), starts the real server (`backend/cli.py`, DOWNLOAD_CONCURRENCY =
`--downloads`), and serves a generated 1280x720 H.264 clip from 127.0.0.1. For each
condition, on the same library:

- `--clients` client threads read the history as people do, each pausing between
  requests (`--think-ms`, 1 s on average, drawn between half and one and a half of it):
  a random page of GET /api/v1/downloads (50 records, sorted by date or size) or a random
  media's GET /api/v1/media/{id}/downloads; each keeps its keep-alive connection. (With
  no pause, 20 clients keep 20 requests waiting at every moment, and the latency measured
  is only 20 divided by the server's throughput: at 46 requests/s on this machine, 430 ms
  per request with nothing else running.)
- a prober sends GET /status every 50 ms on a connection of its own;
- after 3 s of that, and at least 15 s after the server's start (its start-up work is
  over: the reconcile, and yt-dlp loaded in the background), `--downloads` media get a
  download of the clip with a profile that converts it to VP9 (every download converts,
  at the same time), and reconcile is started, and started again whenever it ends, until
  every download has ended.

What is measured is the window from the downloads' start to their end: the history's
latency (p50, p95, p99, max) and /status' (p50, p99 and the longest: "stall"), each
request timed from its send to the last byte of its answer.

Conditions: `plain` is ffmpeg as before this change (FFMPEG_NICE=0, FFMPEG_THREADS=0:
ffmpeg at the app's priority with a thread per core for each stage); `nice` is the
defaults (ffmpeg 10 nicer, 2 threads). Results in bench/results/load-*.json.

The clients run in this process, on the same 2 cores as the server and the four ffmpegs:
what they measure includes their own wait for the CPU, as a browser on the same NAS would.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common import save_result
from run import Client, Server, build_library
from tests.utils.http_server import VideoServer

CONDITIONS = {
    "plain": {"FFMPEG_NICE": "0", "FFMPEG_THREADS": "0"},
    "nice": {},  # the defaults
}
STATUS_EVERY = 0.05
WARM_UP_SECONDS = 3.0
SETTLE_SECONDS = 15.0
PAGE_SIZE = 50


def make_clip(path: Path, seconds: float) -> Path:
    """A 1280x720 H.264/AAC clip with moving content (the encoder has work to do)."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(path)],
        check=True, timeout=600,
    )  # fmt: skip
    return path


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 0.95), 2),
        "p99_ms": round(percentile(values, 0.99), 2),
        "max_ms": round(max(values), 2),
    }


class Timings:
    """(start time, milliseconds) of each request, from every thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.samples: list[tuple[float, float]] = []
        self.errors: list[str] = []

    def add(self, started: float, ms: float) -> None:
        with self._lock:
            self.samples.append((started, ms))

    def error(self, what: str) -> None:
        with self._lock:
            self.errors.append(what)

    def within(self, start: float, end: float) -> list[float]:
        with self._lock:
            return [ms for at, ms in self.samples if start <= at <= end]

    def slowest(self, start: float, end: float, count: int = 5) -> list[list[float]]:
        """The `count` slowest requests of the window: [seconds after its start, ms]."""
        with self._lock:
            chosen = sorted((s for s in self.samples if start <= s[0] <= end), key=lambda s: -s[1])
        return [[round(at - start, 2), round(ms, 1)] for at, ms in chosen[:count]]


def timed_get(client: Client, path: str, timings: Timings) -> None:
    started = time.perf_counter()
    try:
        answer = client.get(path)
    except OSError as exc:
        timings.error(f"{path}: {exc}")
        return
    ms = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        timings.error(f"{path}: HTTP {answer.status_code}")
        return
    timings.add(started, ms)


def history_reader(
    port: int,
    media: int,
    records: int,
    stop: threading.Event,
    timings: Timings,
    seed: int,
    think_seconds: float,
) -> None:
    rng = random.Random(seed)
    client = Client(port)
    pages = max(1, records // PAGE_SIZE)
    try:
        # Each client's first request at a random moment of its think time, so that the
        # 20 do not start in step.
        while not stop.wait(rng.uniform(0.5, 1.5) * think_seconds):
            if rng.random() < 0.5:
                sort = rng.choice(["added_at", "size"])
                path = (
                    f"/api/v1/downloads?page={rng.randint(1, pages)}&page_size={PAGE_SIZE}"
                    f"&sort={sort}&order=desc"
                )
            else:
                path = f"/api/v1/media/{rng.randint(1, media)}/downloads"
            timed_get(client, path, timings)
    finally:
        client.close()


def status_prober(port: int, stop: threading.Event, timings: Timings) -> None:
    client = Client(port)
    try:
        while not stop.wait(STATUS_EVERY):
            timed_get(client, "/status", timings)
    finally:
        client.close()


def post_json(port: int, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body).encode(),
            headers={"X-API-KEY": "bench-api-key", "Content-Type": "application/json"},
        )
        answer = conn.getresponse()
        raw = answer.read()
        return answer.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def run_condition(
    root: Path,
    name: str,
    *,
    media: int,
    records: int,
    clients: int,
    downloads: int,
    first_media: int,
    clip_url: str,
    think_seconds: float,
) -> dict[str, Any]:
    for key in ("FFMPEG_NICE", "FFMPEG_THREADS"):
        os.environ.pop(key, None)
    os.environ.update(CONDITIONS[name])
    os.environ["DOWNLOAD_CONCURRENCY"] = str(downloads)
    os.environ["ALLOW_LOCAL_SOURCES"] = "true"
    server = Server(root)
    ready_at = time.perf_counter()
    try:
        status, profile = post_json(
            server.port,
            "/api/v1/trailerprofiles",
            {
                "name": f"Load {name}",
                "file_format": "webm",
                "video_format": "vp9",
                "audio_format": "opus",
                "min_duration": 0,
            },
        )
        if status != 201:
            raise RuntimeError(f"creating the profile failed: {status} {profile}")
        # The media's folders lie in a library root (once; a second condition finds it).
        code, answer = post_json(
            server.port, "/api/v1/roots", {"path": str(root / "media"), "scan": False}
        )
        if code not in (201, 409, 422) or (code != 201 and "already" not in str(answer)):
            raise RuntimeError(f"adding the library root failed: {code} {answer}")
        stop = threading.Event()
        history, status_times = Timings(), Timings()
        threads = [
            threading.Thread(
                target=history_reader,
                args=(server.port, media, records, stop, history, seed, think_seconds),
                daemon=True,
            )
            for seed in range(clients)
        ]
        threads.append(
            threading.Thread(
                target=status_prober, args=(server.port, stop, status_times), daemon=True
            )
        )
        for thread in threads:
            thread.start()
        # The clients' warm-up; and the app's own start-up work done (its reconcile, and
        # yt-dlp loaded in the background 5 s after the start: YTDLP_WARM_UP).
        time.sleep(max(WARM_UP_SECONDS, ready_at + SETTLE_SECONDS - time.perf_counter()))

        window_start = time.perf_counter()
        for media_id in range(first_media, first_media + downloads):
            code, answer = post_json(
                server.port,
                f"/api/v1/media/{media_id}/download",
                {"profile_id": profile["id"], "url": clip_url},
            )
            if code != 202:
                raise RuntimeError(f"download of media {media_id} refused: {code} {answer}")
        control = Client(server.port)
        reconciles, most_converting = 0, 0
        while True:
            queue = control.get("/api/v1/queue").json()
            items = queue if isinstance(queue, list) else queue.get("items", [])
            most_converting = max(
                most_converting, sum(1 for item in items if item.get("stage") == "converting")
            )
            idle = not control.get("/api/v1/tasks/reconcile").json()["running"]
            if idle and control.post("/api/v1/tasks/reconcile").status_code == 202:
                reconciles += 1
            if not items:
                break
            time.sleep(0.25)
        window_end = time.perf_counter()
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        recorded = control.get(f"/api/v1/downloads?page=1&page_size=1&profile_id={profile['id']}")
        control.close()
        if recorded.json()["total"] != downloads:
            log = (root / "server.log").read_text(errors="replace").splitlines()
            raise RuntimeError("not every download was recorded:\n" + "\n".join(log[-30:]))
        return {
            "condition": name,
            "env": CONDITIONS[name],
            "window_seconds": round(window_end - window_start, 2),
            "downloads_recorded": recorded.json()["total"],
            "most_converting_at_once": most_converting,
            "reconcile_runs": reconciles,
            "history": summary(history.within(window_start, window_end)),
            "history_per_second": round(
                len(history.within(window_start, window_end)) / (window_end - window_start), 1
            ),
            "status": summary(status_times.within(window_start, window_end)),
            "history_slowest": history.slowest(window_start, window_end),
            "status_slowest": status_times.slowest(window_start, window_end),
            "history_before_downloads": summary(history.within(0, window_start)),
            "errors": (history.errors + status_times.errors)[:20],
        }
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--downloads", type=int, default=4)
    parser.add_argument("--clip-seconds", type=float, default=10.0)
    parser.add_argument("--think-ms", type=float, default=1000.0)
    parser.add_argument("--condition", choices=[*CONDITIONS, "both"], default="both")
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)
    root = Path(tempfile.mkdtemp(prefix="trailarr-load-"))
    served = root / "served"
    served.mkdir()
    video_server = VideoServer(served)
    try:
        built = build_library(root, args.records)
        make_clip(served / "clip.mp4", args.clip_seconds)
        names = list(CONDITIONS) if args.condition == "both" else [args.condition]
        runs = []
        for n, name in enumerate(names):
            result = run_condition(
                root,
                name,
                media=built["media"],
                records=args.records,
                clients=args.clients,
                downloads=args.downloads,
                first_media=1 + n * args.downloads,
                clip_url=video_server.url("clip.mp4"),
                think_seconds=args.think_ms / 1000,
            )
            print(result, flush=True)
            runs.append(result)
        path = save_result(
            "load",
            {
                "records": args.records,
                "clients": args.clients,
                "downloads": args.downloads,
                "clip_seconds": args.clip_seconds,
                "think_ms": args.think_ms,
                "load_average_after": os.getloadavg(),
                "runs": runs,
            },
        )
        print(f"saved {path}")
    finally:
        video_server.close()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
