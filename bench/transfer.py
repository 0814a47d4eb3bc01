"""`trailarr migrate-db` at size: a SQLite library of N download records (with their media
and events) moved into an empty PostgreSQL database; the time, and the counts checked.

Then the history is read back through the app's own read path on both engines and compared:
every record of the global history (as the export streams it: media title, profile name,
every field), the totals of GET /downloads/stats, a text search's first page and the
events of a sample of media must be identical.

    .venv/bin/python bench/transfer.py --server postgresql+psycopg://user:pass@host/postgres

`--server` is a role that may create databases (a throwaway one: `eval "$(bash
scripts/postgres.sh start)"` then `--server "$TEST_POSTGRES_URL"`); the database made for
the run is dropped after it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from common import migrated_database, save_result
from sqlalchemy.pool import NullPool

PER_MEDIA = 5


def fill(db_path: str, downloads: int) -> dict[str, int]:
    """Media, download records and events written with SQL, fast."""
    media = max(1, downloads // PER_MEDIA)
    start = datetime(2024, 1, 1, tzinfo=UTC)

    def at(minutes: int = 0) -> str:  # as SQLAlchemy stores a UTC time in SQLite
        return (start + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S.%f")

    with sqlite3.connect(db_path) as db:
        db.executemany(
            "INSERT INTO media (id, title, year, is_movie, folder_path, monitor, status,"
            " added_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 'downloaded', ?, ?)",
            (
                (n, f"Movie {n}", 1950 + n % 75, n % 3 != 0, f"/media/m{n}", at(), at())
                for n in range(1, media + 1)
            ),
        )
        db.executemany(
            "INSERT INTO download (id, path, file_name, size, updated_at, resolution,"
            " video_format, audio_format, audio_channels, file_format, duration, subtitles,"
            " added_at, profile_id, youtube_id, file_exists, media_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'aac', '2', 'matroska,webm', 120, 'en', ?, 1,"
            " 'dQw4w9WgXcQ', ?, ?)",
            (
                (
                    n,
                    f"/media/m{(n - 1) // PER_MEDIA + 1}/t{n}.mkv",
                    f"t{n}.mkv",
                    1_000_000 + n,
                    at(n),
                    "1920x1080" if n % 2 else "1280x720",
                    "h264" if n % 3 else "vp9",
                    at(n),
                    n % 10 != 0,
                    (n - 1) // PER_MEDIA + 1,
                )
                for n in range(1, downloads + 1)
            ),
        )
        db.executemany(
            "INSERT INTO event (media_id, download_id, event_type, message, created_at,"
            " source_failed) VALUES (?, ?, 'downloaded', ?, ?, 0)",
            (
                ((n - 1) // PER_MEDIA + 1, n, f"Trailer downloaded to t{n}.mkv", at(n))
                for n in range(1, downloads + 1)
            ),
        )
    return {"media": media, "download": downloads, "event": downloads}


def history_fingerprint(url: str) -> dict[str, object]:
    """What a user sees of the history, read through the app on the database at `url`."""
    from config import get_settings
    from core.base.database.engine import reset_engine
    from core.base.database.manager.download import DownloadManager
    from core.base.database.manager.event import EventManager
    from core.base.database.models.history import HistoryQuery, HistorySort, SortOrder

    os.environ["DATABASE_URL"] = url
    reset_engine()
    get_settings.cache_clear()
    downloads, digest, records = DownloadManager(), hashlib.sha256(), 0
    oldest_first = HistoryQuery(sort=HistorySort.ADDED_AT, order=SortOrder.ASC)
    for batch in downloads.iter_history_batches(oldest_first):
        for record in batch:
            digest.update(record.model_dump_json().encode())
            records += 1
    search = downloads.read_page(HistoryQuery(q="movie 1234"), page_size=50)
    events = EventManager()
    sample = [
        [e.model_dump(mode="json") for e in events.read_for_media(media_id)]
        for media_id in (1, 2, 777, 4321)
    ]
    reset_engine()
    return {
        "records": records,
        "history_sha256": digest.hexdigest(),
        "stats": downloads.stats().model_dump(mode="json"),
        "search": search.model_dump(mode="json"),
        "events": sample,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--server", required=True, help="PostgreSQL URL of a role that may create databases"
    )
    parser.add_argument("--downloads", type=int, default=200_000)
    args = parser.parse_args()

    from core.base.database.transfer import transfer

    db = migrated_database("transfer")
    built = fill(str(db), args.downloads)
    server = sa.make_url(args.server)
    name = f"trailarr_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    target = server.set(database=name).render_as_string(hide_password=False)
    try:
        started = time.perf_counter()
        summary = transfer(db, target)
        seconds = time.perf_counter() - started
        for table, count in built.items():
            assert summary.tables[table] == count, (table, summary.tables[table], count)
        started = time.perf_counter()
        before, after = history_fingerprint(f"sqlite:///{db}"), history_fingerprint(target)
        compare_seconds = time.perf_counter() - started
        for key in before:
            assert before[key] == after[key], f"the history differs after the move: {key}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    save_result(
        "transfer",
        {
            "downloads": args.downloads,
            "rows": summary.rows,
            "tables": summary.tables,
            "seconds": round(seconds, 1),
            "rows_per_second": round(summary.rows / seconds),
            "history_identical": {
                "records": after["records"],
                "sha256": after["history_sha256"],
                "compared_in_seconds": round(compare_seconds, 1),
            },
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
