"""The database layer: connection pragmas, transactions, sessions, time zones, concurrency."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.base.database.engine import (
    WRITER_LOCK,
    get_engine,
    read_session,
    single_read,
    write_session,
)
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.database.models.download import DownloadCreate
from core.base.database.models.media import MediaCreate, MediaUpdate, MonitorStatus
from core.base.database.models.trailerprofile import TrailerProfileCreate, TrailerProfileUpdate
from core.exceptions import ConflictError, NotFoundError
from tests.utils.db import postgresql_url, rows
from tests.utils.factories import download_create, make_download, make_media, make_profile
from tests.utils.wait import WAIT_SECONDS

PLUS_FIVE = timezone(timedelta(hours=5))


@pytest.mark.sqlite_only(reason="PRAGMAs are SQLite's; PostgreSQL's counterpart follows")
def test_every_app_connection_has_the_pragmas() -> None:
    with get_engine().connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")
        }
    assert pragma == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "busy_timeout": pytest.approx(30_000, rel=0.9),
    }
    assert pragma["busy_timeout"] >= 5_000


def test_postgresql_readers_are_repeatable_read_and_writers_read_committed() -> None:
    if get_engine().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's transactions are serializable")

    def show(session: Session, setting: str) -> str | None:
        return session.connection().exec_driver_sql(f"SHOW {setting}").scalar()

    with get_engine().connect() as conn:
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "repeatable read"
    with read_session() as session:
        assert show(session, "transaction_isolation") == "repeatable read"
    with write_session() as session:
        assert show(session, "transaction_isolation") == "read committed"
        assert show(session, "lock_timeout") == "30s"  # as SQLite's busy timeout


def test_foreign_keys_are_enforced(db_file: Path) -> None:
    # SQLite: "FOREIGN KEY constraint failed"; PostgreSQL: "violates foreign key constraint".
    with pytest.raises(IntegrityError, match=r"(?i)foreign key constraint"):
        MediaDatabaseManager().create_download(
            DownloadCreate(
                media_id=4242,
                path="/x.mkv",
                file_name="x.mkv",
                size=1,
                updated_at=datetime.now(UTC),
                resolution="1x1",
                video_format="h264",
                audio_format="aac",
                audio_channels="2",
                file_format="mp4",
                profile_id=1,
                youtube_id="dQw4w9WgXcQ",
            )
        )
    assert rows(db_file, "SELECT count(*) FROM download") == [(0,)]


def other_writer_is_locked_out(db: Path) -> bool:
    """Whether another connection fails to take the write lock right now: SQLite's
    (BEGIN IMMEDIATE), or on PostgreSQL the writers' advisory lock."""
    if postgresql_url(db) is not None:
        [(taken,)] = rows(db, "SELECT pg_try_advisory_xact_lock(?)", WRITER_LOCK)
        return not taken  # a lock taken here ends with this transaction
    other = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


def test_write_session_takes_the_write_lock_at_begin(db_file: Path) -> None:
    with write_session() as session:
        session.connection()  # begin, before any statement
        assert other_writer_is_locked_out(db_file)
    assert not other_writer_is_locked_out(db_file)


def test_read_session_does_not_hold_the_write_lock(db_file: Path) -> None:
    make_media()
    with read_session() as session:
        MediaDatabaseManager().read_all(_session=session)
        assert not other_writer_is_locked_out(db_file)


def test_single_read_runs_outside_any_transaction(db_file: Path) -> None:
    make_media()
    with single_read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM media").scalar() == 1
        # No BEGIN was sent: the connection is in autocommit, holding no read snapshot.
        dbapi = connection.connection.dbapi_connection
        if isinstance(dbapi, sqlite3.Connection):
            assert dbapi.in_transaction is False
        else:
            assert dbapi.info.transaction_status == TransactionStatus.IDLE
        assert not other_writer_is_locked_out(db_file)


def test_media_downloads_newest_first_empty_or_not_found(db_file: Path) -> None:
    manager = MediaDatabaseManager()
    media = make_media()
    assert manager.read_downloads(media.id) == []
    older = make_download(media.id, added_at=datetime(2024, 1, 1, tzinfo=UTC))
    newer = make_download(media.id, added_at=datetime(2025, 1, 1, tzinfo=UTC))
    same_time = make_download(media.id, added_at=datetime(2025, 1, 1, tzinfo=UTC))
    make_download(make_media().id)
    records = manager.read_downloads(media.id)
    assert [r.id for r in records] == [same_time.id, newer.id, older.id]
    assert records[0].added_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert records[0] == same_time
    with pytest.raises(NotFoundError):
        manager.read_downloads(media.id + 1000)


def test_media_downloads_read_in_a_session_see_its_uncommitted_rows(db_file: Path) -> None:
    manager = MediaDatabaseManager()
    media = make_media()
    with Session(get_engine()) as session:
        manager.create_download(download_create(media.id), _session=session)
        assert len(manager.read_downloads(media.id, _session=session)) == 1
        assert manager.read_downloads(media.id) == []  # not committed
        session.rollback()


def test_manage_session_uses_the_session_it_is_given(db_file: Path) -> None:
    manager = MediaDatabaseManager()
    with Session(get_engine()) as session:
        created = manager.create(
            MediaCreate(title="Given", year=2001, folder_path="/g"), _session=session
        )
        assert manager.read(created.id, _session=session).title == "Given"
        assert rows(db_file, "SELECT count(*) FROM media") == [(0,)]  # not committed by the manager
        session.rollback()
    with pytest.raises(NotFoundError):
        manager.read(created.id)


def test_manage_session_commits_its_own_session(db_file: Path) -> None:
    created = MediaDatabaseManager().create(MediaCreate(title="Own", year=2001, folder_path="/o"))
    assert rows(db_file, "SELECT title FROM media WHERE id = ?", created.id) == [("Own",)]


def test_manage_session_rolls_back_when_the_method_raises(db_file: Path) -> None:
    profiles = TrailerProfileManager()
    first = profiles.create(TrailerProfileCreate(name="One"))
    second = profiles.create(TrailerProfileCreate(name="Two"))
    with pytest.raises(ConflictError):
        profiles.update(second.id, TrailerProfileUpdate(name="One", priority=7))
    assert rows(db_file, "SELECT name, priority FROM trailerprofile WHERE id = ?", second.id) == [
        ("Two", 0)
    ]
    assert profiles.read(first.id).name == "One"


def test_datetimes_are_stored_utc_and_come_back_aware(db_file: Path) -> None:
    media = make_media()
    noon_plus_five = datetime(2026, 3, 1, 12, 0, tzinfo=PLUS_FIVE)
    download = make_download(media.id, updated_at=noon_plus_five, added_at=noon_plus_five)

    assert download.updated_at == datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    assert download.updated_at.utcoffset() == timedelta(0)
    assert download.added_at.tzinfo is not None
    stored = rows(db_file, "SELECT updated_at, added_at FROM download WHERE id = ?", download.id)
    assert str(stored[0][0]).startswith("2026-03-01 07:00:00")
    assert str(stored[0][1]).startswith("2026-03-01 07:00:00")


def test_naive_datetimes_are_taken_as_utc() -> None:
    media = make_media()
    download = make_download(media.id, updated_at=datetime(2026, 3, 1, 12, 0))
    assert download.updated_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_media_timestamps_are_aware_utc() -> None:
    media = make_media()
    assert media.added_at.utcoffset() == timedelta(0)
    make_download(media.id)
    MediaDatabaseManager().refresh_status(media.id, in_flight=False, new_trailer=True)
    downloaded = MediaDatabaseManager().read(media.id)
    assert downloaded.status == MonitorStatus.DOWNLOADED
    assert downloaded.downloaded_at is not None
    assert downloaded.downloaded_at.utcoffset() == timedelta(0)
    again = MediaDatabaseManager().read(media.id)
    assert again.downloaded_at == downloaded.downloaded_at
    assert abs(again.downloaded_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_concurrent_writers_all_land_without_database_is_locked(db_file: Path) -> None:
    """Four threads write for about three seconds; every write must land."""
    media_manager = MediaDatabaseManager()
    profile_manager = TrailerProfileManager()
    shared = make_media(title="Shared", arr_id=0)
    profiles = [make_profile(name=f"Concurrent {n}") for n in range(4)]
    errors: list[BaseException] = []
    increments = [0] * 4
    created: list[list[int]] = [[] for _ in range(4)]
    last_priority = [0] * 4
    deadline = time.monotonic() + 3.0
    start = threading.Barrier(4)

    def work(n: int) -> None:
        try:
            start.wait()
            while time.monotonic() < deadline:
                # Insert only (with a trigger that writes the title search index).
                media = media_manager.create(
                    MediaCreate(title=f"T{n}-{len(created[n])}", year=2000, folder_path="/c")
                )
                created[n].append(media.id)
                # Read, then write in the same transaction: BEGIN IMMEDIATE serialises these.
                with write_session() as session:
                    current = media_manager.read(shared.id, _session=session)
                    media_manager.update(
                        shared.id, MediaUpdate(arr_id=(current.arr_id or 0) + 1), _session=session
                    )
                increments[n] += 1
                # A manager write that reads first, in its own session.
                last_priority[n] = (last_priority[n] + 1) % 1000
                profile_manager.update(
                    profiles[n].id, TrailerProfileUpdate(priority=last_priority[n])
                )
                media_manager.update(media.id, MediaUpdate(year=2001))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sum(increments) >= 4
    assert media_manager.read(shared.id).arr_id == sum(increments)
    all_created = [media_id for ids in created for media_id in ids]
    assert rows(db_file, "SELECT count(*) FROM media WHERE title LIKE 'T%'") == [
        (len(all_created),)
    ]
    assert rows(db_file, "SELECT count(*) FROM media WHERE title LIKE 'T%' AND year = 2001") == [
        (len(all_created),)
    ]
    for n, profile in enumerate(profiles):
        assert profile_manager.read(profile.id).priority == last_priority[n]
