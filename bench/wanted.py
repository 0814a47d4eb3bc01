"""Download-missing planning benchmark: 20,000 monitored media, three profiles.

    .venv/bin/python bench/wanted.py                 # 20,000 media, median of 5 plans
    .venv/bin/python bench/wanted.py --media 5000 --repeat 3

Builds a database through the migrations with `--media` monitored media (a third with a
present trailer from the first profile, a tenth with a failed attempt waiting), three
enabled profiles (one for movies only, one limited to years 1990-1999), then times
`core.tasks.wanted.plan` (what `GET /api/v1/wanted` and each `download_missing` run do
before downloading anything): the profile read, three bulk reads and the loop.

Target (issue 12): <= 1 s for 20,000 media. Figures go to bench/results/wanted-<time>.json
and are printed as a Markdown table row.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import migrated_database, save_result

TARGET_S = 1.0
STAMP = "2026-01-01 00:00:00"


def seed(db: Path, media: int) -> None:
    connection = sqlite3.connect(db)
    try:
        connection.executemany(
            "INSERT INTO trailerprofile (id, name, enabled, priority, file_format, file_name,"
            " folder_enabled, folder_name, video_format, video_resolution, audio_format,"
            " subtitles_enabled, subtitles_format, subtitles_languages, embed_metadata,"
            " search_query, min_duration, max_duration, include_words, exclude_words,"
            " always_search, for_movies, for_series, connection_id, min_year, max_year,"
            " title_words, stop_monitoring, added_at, updated_at) VALUES (?, ?, 1, ?, 'mkv',"
            " '{title}', 1, 'Trailers', 'h264', 1080, 'aac', 0, 'srt', 'en', 1, '{title}',"
            " 30, 600, '', '', 0, 1, ?, NULL, ?, ?, '', 0, ?, ?)",
            [
                (1, "Main", 10, 1, None, None, STAMP, STAMP),
                (2, "Movies only", 5, 0, None, None, STAMP, STAMP),
                (3, "Nineties", 1, 1, 1990, 1999, STAMP, STAMP),
            ],
        )
        connection.executemany(
            "INSERT INTO media (id, title, year, is_movie, folder_path, monitor, status,"
            " added_at, updated_at, media_exists) VALUES (?, ?, ?, ?, ?, 1, 'missing', ?, ?, 1)",
            (
                (n, f"Movie {n:05d}", 1950 + n % 70, n % 4 != 0, f"/media/m/{n}", STAMP, STAMP)
                for n in range(1, media + 1)
            ),
        )
        connection.executemany(
            "INSERT INTO download (path, file_name, size, updated_at, resolution, video_format,"
            " audio_format, audio_channels, file_format, duration, subtitles, added_at,"
            " profile_id, youtube_id, file_exists, media_id) VALUES (?, 't.mkv', 1, ?,"
            " '1920x1080', 'h264', 'aac', '2', 'matroska,webm', 60, '', ?, 1, 'x', 1, ?)",
            ((f"/media/m/{n}/t.mkv", STAMP, STAMP, n) for n in range(1, media + 1, 3)),
        )
        later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
        connection.executemany(
            "INSERT INTO wantedfailure (media_id, profile_id, attempts, last_error,"
            " last_attempt_at, next_attempt_at) VALUES (?, 2, 1, 'HTTP 404', ?, ?)",
            ((n, STAMP, later) for n in range(2, media + 1, 10)),
        )
        connection.commit()
    finally:
        connection.close()


def run(media: int, repeat: int) -> dict[str, Any]:
    db = migrated_database("wanted")
    seed(db, media)

    from core.tasks.wanted import plan

    times = []
    items: list[Any] = []
    for _ in range(repeat):
        started = time.perf_counter()
        items = plan(datetime.now(UTC))
        times.append(time.perf_counter() - started)
    return {
        "media": media,
        "wanted": len(items),
        "due": sum(1 for item in items if item.due),
        "plan_s": round(statistics.median(times), 3),
        "runs_s": [round(t, 3) for t in times],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--media", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result = run(args.media, args.repeat)
    result["met"] = result["plan_s"] <= TARGET_S
    save_result("wanted", result)
    print(
        f"| {result['media']:,} | {result['wanted']:,} ({result['due']:,} due) | "
        f"{result['plan_s']} s | {result['peak_rss_mb']} MB |"
    )
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
