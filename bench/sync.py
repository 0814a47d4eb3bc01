"""Radarr sync benchmark: a stand-in Radarr with 10,000 movies, synced into a fresh database.

    .venv/bin/python bench/sync.py                 # 10,000 movies, 5 no-change runs
    .venv/bin/python bench/sync.py --items 2000 --repeat 3

The stand-in (tests/utils/arr_standin.py) runs in its own process, so that the memory
measured is the sync's alone. This process builds the database through the migrations,
adds the connection, then times `core.arr.sync.sync_connection` (HTTP, JSON, planning and
the one write transaction, everything a refresh does):

- the first run (every movie added);
- runs with no change (median of `--repeat`);
- a run after 1 % of the movies changed title and 1 % were removed;
- peak resident memory of this process (ru_maxrss) over the first and no-change runs.

Targets (issue 11): first run <= 5 s, no change <= 1 s, memory <= 150 MB. Figures go to
bench/results/sync-<time>.json and are printed as a Markdown table row.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from common import REPO, migrated_database, save_result

STANDIN_KEY = "bench-standin-key-0123456789"
TARGETS = {"first_s": 5.0, "no_change_s": 1.0, "peak_rss_mb": 150.0}


def start_standin(items: int) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.utils.arr_standin",
            "--app",
            "radarr",
            "--port",
            "0",
            "--items",
            str(items),
            "--root",
            "/movies",
            "--api-key",
            STANDIN_KEY,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("PORT="):
        process.kill()
        raise RuntimeError(f"the stand-in did not start: {line!r}")
    return process, int(line.removeprefix("PORT="))


def run(items: int, repeat: int) -> dict[str, Any]:
    migrated_database("sync")

    from core.arr.sync import sync_connection
    from core.base.database.manager.connection import ConnectionManager
    from core.base.database.models.connection import (
        ConnectionCreate,
        ConnectionUpdate,
        PathMappingCreate,
    )

    process, port = start_standin(items)
    try:
        connection = ConnectionManager().create(
            ConnectionCreate(
                name="Bench Radarr",
                arr_type="radarr",
                url=f"http://127.0.0.1:{port}",
                api_key=STANDIN_KEY,
                monitor="sync",
                path_mappings=[PathMappingCreate(path_from="/movies", path_to="/media/movies")],
            )
        )

        def timed() -> tuple[float, Any]:
            started = time.perf_counter()
            summary = sync_connection(connection.id)
            return time.perf_counter() - started, summary

        first, summary = timed()
        assert summary.added == items, summary
        no_change = []
        for _ in range(repeat):
            elapsed, summary = timed()
            assert summary.added == summary.updated == summary.removed == 0, summary
            no_change.append(elapsed)
    finally:
        process.terminate()
        process.wait(timeout=10)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # 1 % changed and 1 % removed: the stand-in process has no controls over HTTP, so a
    # stand-in in this process serves the edited list (measured after the peak memory
    # above, which it would inflate).
    from tests.utils.arr_standin import ArrStandIn

    edited = ArrStandIn("radarr", root="/movies", items=items, api_key=STANDIN_KEY)
    try:
        step = 100
        for movie_id in range(1, items + 1, step):
            edited.update(movie_id, title=f"Renamed {movie_id}")
        for movie_id in range(2, items + 1, step):
            edited.remove(movie_id)
        ConnectionManager().update(connection.id, ConnectionUpdate(url=edited.url))
        changed, summary = timed()
        changes = {"updated": summary.updated, "removed": summary.removed}
    finally:
        edited.close()
    return {
        "items": items,
        "first_s": round(first, 3),
        "no_change_s": round(statistics.median(no_change), 3),
        "no_change_runs_s": [round(t, 3) for t in no_change],
        "changed_1pct_s": round(changed, 3),
        "changes": changes,
        "peak_rss_mb": round(peak_mb, 1),
        "note": "peak RSS: the sync process over the first and no-change runs",
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result = run(args.items, args.repeat)
    result["met"] = {name: result[name] <= limit for name, limit in TARGETS.items()}
    save_result("sync", result)
    print(
        f"| {result['items']:,} | {result['first_s']} s | {result['no_change_s']} s | "
        f"{result['changed_1pct_s']} s | {result['peak_rss_mb']} MB |"
    )
    return 0 if all(result["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
