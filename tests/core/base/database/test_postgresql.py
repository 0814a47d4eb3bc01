"""PostgreSQL, on a real server (TEST_POSTGRES_URL; scripts/postgres.sh starts one): every
migration up and down with rows in every table, the schema equal to the models, start-up's
backup with pg_dump, a failed migration rolled back, and the app serving the history."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.pool import NullPool
from sqlmodel import col, select

from config import get_settings
from core.base.database.engine import get_engine, read_session, write_session
from core.base.database.manager.download import DownloadManager
from core.base.database.manager.history_query import (
    PRESENT,
    history_count,
    history_page_select,
    history_select,
)
from core.base.database.manager.history_search import media_title_contains, text_contains
from core.base.database.manager.wanted import WantedManager
from core.base.database.migrate import (
    SCRIPT_LOCATION_ENV,
    MigrationError,
    alembic_config,
    revision_state,
    upgrade_database,
)
from core.base.database.models.download import Download
from core.base.database.models.event import Event, EventType
from core.base.database.models.history import HistoryQuery, HistorySort
from core.base.database.models.media import Media
from tests.conftest import reset_app_state
from tests.utils.api import TEST_API_KEY
from tests.utils.factories import download_create, make_download, make_media, make_profile
from tests.utils.migrations import (
    FAILING_BODY,
    fill_empty_tables,
    script,
    script_copy_with_revision,
)
from tests.utils.wait import wait_until

pytestmark = pytest.mark.slow  # a database server, and pg_dump

PREVIOUS_HEAD = "8e4a6c2d0b17"
"""The revision before the PostgreSQL indexes (c4f1a7e3d9b2)."""


def engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=NullPool)


def app_tables(url: str) -> set[str]:
    return set(sa.inspect(engine(url)).get_table_names()) - {"alembic_version"}


def indexes(url: str, table: str) -> set[str]:
    return {i["name"] for i in sa.inspect(engine(url)).get_indexes(table) if i["name"]}


def snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    db = engine(url)
    with db.connect() as conn:
        for table in app_tables(url):
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}" ORDER BY id')).mappings()
            result[table] = [dict(row) for row in rows]
    return result


def revision_of(url: str) -> str | None:
    return revision_state(url).current


def test_every_migration_goes_up_and_down_keeping_rows(empty_postgres_url: str) -> None:
    url = empty_postgres_url
    config = alembic_config(url)
    revisions = [r.revision for r in reversed(list(script().walk_revisions()))]
    for revision in revisions:
        before = snapshot(url)
        command.upgrade(config, revision)
        after = snapshot(url)
        for table in before.keys() & after.keys():
            assert len(after[table]) == len(before[table]), (revision, table)
            for old, new in zip(before[table], after[table], strict=True):
                common = old.keys() & new.keys()
                assert {k: old[k] for k in common} == {k: new[k] for k in common}, table
        fill_empty_tables(url)
    assert revision_of(url) == revisions[-1]
    command.check(config)  # the schema is the models' (the PostgreSQL-only indexes aside)
    assert {"ix_media_title_trgm", "ix_download_resolution_pixels"} <= (
        indexes(url, "media") | indexes(url, "download")
    )
    command.downgrade(config, "base")
    assert app_tables(url) == set()


def _with_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    command.upgrade(alembic_config(url), PREVIOUS_HEAD)
    fill_empty_tables(url)
    return snapshot(url)


def test_start_up_backs_up_with_pg_dump_then_upgrades(
    empty_postgres_url: str, data_dir: Path
) -> None:
    url = empty_postgres_url
    before = _with_rows(url)

    state = upgrade_database(url)

    assert state.current == state.head != PREVIOUS_HEAD
    after = snapshot(url)
    assert {table: after[table] for table in before} == before
    assert all(after[table] == [] for table in after.keys() - before.keys())  # new tables
    [dump] = list(get_settings().backups_dir.glob(f"trailarr-*-{PREVIOUS_HEAD}.pgdump"))
    assert dump.stat().st_size > 0
    assert "ix_media_title_trgm" in indexes(url, "media")


def test_without_pg_dump_start_up_says_the_operator_s_backups_are_relied_upon(
    empty_postgres_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = empty_postgres_url
    _with_rows(url)
    monkeypatch.setenv("PATH", "/nonexistent")
    caplog.set_level(logging.WARNING)

    upgrade_database(url)

    assert "pg_dump is not on PATH" in caplog.text
    assert "your own PostgreSQL backups are relied upon" in caplog.text
    assert not list(get_settings().backups_dir.glob("*.pgdump"))


def test_a_failing_pg_dump_stops_the_upgrade_with_what_to_do(
    empty_postgres_url: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pg_dump older than the server refuses to dump: no upgrade without the backup, and
    the message says how to go on."""
    url = empty_postgres_url
    before = _with_rows(url)
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "pg_dump"
    fake.write_text(
        "#!/bin/sh\necho 'pg_dump: error: aborting because of server version mismatch' >&2\n"
        "exit 1\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:/usr/bin:/bin")

    with pytest.raises(MigrationError) as failure:
        upgrade_database(url)

    assert "server version mismatch" in str(failure.value)
    assert "server's major version or newer" in str(failure.value)
    assert f"take {fake} off PATH" in str(failure.value)
    assert revision_of(url) == PREVIOUS_HEAD and snapshot(url) == before
    assert not list(get_settings().backups_dir.glob("*.pgdump"))


def test_a_failed_migration_rolls_back_ddl_and_rows(
    empty_postgres_url: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = empty_postgres_url
    command.upgrade(alembic_config(url), "head")
    fill_empty_tables(url)
    before = snapshot(url)
    location = script_copy_with_revision(tmp_path, FAILING_BODY)
    monkeypatch.setenv(SCRIPT_LOCATION_ENV, str(location))

    with pytest.raises(MigrationError, match="boom from the test migration"):
        upgrade_database(url)

    assert "scratch" not in app_tables(url)
    assert snapshot(url) == before
    monkeypatch.delenv(SCRIPT_LOCATION_ENV)
    assert revision_state(url).pending is False


def test_the_app_serves_the_history_from_postgresql(
    postgres_url: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_app_state()
    from main import app

    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as client:
        assert client.get("/status").json()["status"] == "ok"
        alien = make_media(tmp_path / "Alien (1979)", title="Alien", year=1979)
        brazil = make_media(tmp_path / "Brazil (1985)", title="Brazil", year=1985)
        make_download(alien.id, file_name="Alien (1979)-trailer.mkv", resolution="1920x1080")
        make_download(brazil.id, file_name="Brazil (1985)-trailer.mkv", resolution="640x360")
        page = client.get("/api/v1/downloads", params={"q": "lie"}).json()
        assert [r["media_title"] for r in page["records"]] == ["Alien"]
        by_size = client.get(
            "/api/v1/downloads", params={"sort": "resolution", "order": "asc"}
        ).json()
        assert [r["resolution"] for r in by_size["records"]] == ["640x360", "1920x1080"]
        settings = client.get("/api/v1/settings").json()
        assert "postgresql" in str(settings) and "trailarr_test_" in str(settings)


def test_a_trailer_file_over_2_gib_is_recorded_and_totalled(
    postgres_url: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """download.size is BIGINT on PostgreSQL (d8b3e5f1a7c4): INTEGER stopped at 2 GiB."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_app_state()
    from main import app

    five_gib = 5 * 2**30
    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as client:
        media = make_media(tmp_path / "Dune (2021)", title="Dune", year=2021)
        make_download(media.id, size=five_gib)
        make_download(media.id, size=five_gib)
        [record, _] = client.get(f"/api/v1/media/{media.id}/downloads").json()
        assert record["size"] == five_gib
        assert client.get("/api/v1/downloads/stats").json()["total_size_present"] == 2 * five_gib


def waiting_locks() -> int:
    """How many sessions of the test's database are waiting for a lock."""
    with get_engine().connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        ).scalar_one()


@pytest.mark.parametrize("earlier_failures", [0, 1])
def test_two_writers_that_read_then_write_never_lose_an_update(
    postgres_url: str,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    earlier_failures: int,
) -> None:
    """record_failure reads the count, then stores one more. Under READ COMMITTED alone, a
    second writer that reads while the first has not committed stores the same count (a
    lost update), or, for a first failure, inserts a second row (a unique violation). The
    writers' lock makes the second wait and then read the first one's count."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_app_state()
    media = make_media(tmp_path / "Heat (1995)", title="Heat", year=1995)
    profile = make_profile()
    wanted, now = WantedManager(), datetime(2026, 12, 2, tzinfo=UTC)

    def fail(session: Any = None) -> None:
        wanted.record_failure(
            media.id, profile.id, "no video", at=now, next_attempt_at=now, _session=session
        )

    for _ in range(earlier_failures):
        fail()
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            fail()
        except BaseException as exc:
            errors.append(exc)

    with write_session() as session:
        fail(session)  # read and written, not committed yet
        other = threading.Thread(target=second_writer)
        other.start()
        wait_until(waiting_locks, "the second writer to wait for a lock")
    other.join(timeout=60)

    assert not other.is_alive() and errors == []
    [failure] = wanted.failures().values()
    assert failure.attempts == earlier_failures + 2


def plan_of(query: Any) -> str:
    """PostgreSQL's plan for `query`, with reading a whole table priced out: which indexes
    the query can use (at a test's size, reading the table is often cheaper)."""
    with read_session() as session:
        connection = session.connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        compiled = query.compile(connection)
        rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
        return "\n".join(row[0] for row in rows)


def fill_history(media_count: int, per_media: int) -> None:
    """A history big enough for the planner to prefer an index to reading the table."""
    profile = make_profile()
    now = datetime(2026, 12, 2, tzinfo=UTC)
    with write_session() as session:
        session.execute(
            sa.insert(Media),
            [
                {
                    "title": f"Film {n:05d}",
                    "year": 2000 + n % 25,
                    "is_movie": True,
                    "folder_path": f"/m/Film {n:05d}",
                    "added_at": now,
                    "updated_at": now,
                }
                for n in range(media_count)
            ],
        )
        media_ids = session.execute(sa.select(Media.id)).scalars().all()
        session.execute(
            sa.insert(Download),
            [
                download_create(
                    media_id,
                    path=f"/m/{media_id}/t{k}.mkv",
                    file_name=f"film-{media_id}-{k}.mkv",
                    resolution=f"{640 * (1 + k % 3)}x{360 * (1 + k % 3)}",
                    profile_id=profile.id,
                    added_at=now,
                ).model_dump()
                for media_id in media_ids
                for k in range(per_media)
            ],
        )
        session.execute(
            sa.insert(Event),
            [
                {
                    "media_id": media_id,
                    "event_type": EventType.DOWNLOADED,
                    "message": "m",
                    "video_id": f"vid{media_id:08d}",
                    "created_at": now,
                }
                for media_id in media_ids
            ],
        )
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def test_the_history_queries_use_their_postgresql_indexes(
    postgres_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counterparts of SQLite's plan tests: the text searches are served by the trigram
    indexes (c4f1a7e3d9b2), the resolution sort by the pixel-count expression index (which
    only works while `resolution_pixels` compiles to the index's very expression), and the
    present-record lookups by the path index."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_app_state()
    fill_history(media_count=3000, per_media=3)

    # The count of a search (the page's own plan may instead walk the date index in order,
    # when the planner expects matches early): both sides of the OR through their trigram
    # index, the titles' as an array computed once.
    count = plan_of(history_count(HistoryQuery(q="film 0123")))
    assert "ix_media_title_trgm" in count and "ix_download_file_name_trgm" in count, count
    assert "Seq Scan" not in count, count
    by_pixels = plan_of(
        history_select(HistoryQuery(sort=HistorySort.RESOLUTION, order="desc")).limit(50)
    )
    assert "ix_download_resolution_pixels" in by_pixels, by_pixels
    events = plan_of(
        select(Event.id).where(
            media_title_contains(col(Event.media_id), "film 0042")
            | text_contains(col(Event.video_id), "vid0000004")
        )
    )
    assert "ix_media_title_trgm" in events and "ix_event_video_id_trgm" in events, events
    present = plan_of(select(Download.id).where(col(Download.path) == "/m/7/t1.mkv", PRESENT))
    assert "Seq Scan" not in present and "download_path" in present, present


def media_rows_joined(query: Any) -> int:
    """How many media rows PostgreSQL looked up running `query` (EXPLAIN ANALYZE)."""
    with read_session() as session:
        connection = session.connection()
        compiled = query.compile(connection)
        (plan,) = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", compiled.params
        ).scalar_one()

    def visit(node: dict[str, Any]) -> int:
        own = 0
        if node.get("Relation Name") == "media":
            own = int(node["Actual Rows"] * node["Actual Loops"])
        return own + sum(visit(child) for child in node.get("Plans", []))

    return visit(plan["Plan"])


def test_a_history_page_joins_only_its_own_records_to_their_media(
    postgres_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page 20 of 50: the offset is walked on the records alone (a deferred join), and only
    the 50 records of the page are joined to their media; paging the joined rows joined all
    1,000 (the history's page time at 200,000 records, docs/benchmarks.md)."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_app_state()
    fill_history(media_count=1500, per_media=2)
    query = HistoryQuery(sort=HistorySort.ADDED_AT, order="desc")

    paged = history_page_select(query, offset=950, limit=50)
    assert media_rows_joined(paged) == 50
    # The old way: every row before the offset joined (or the whole media table hashed).
    assert media_rows_joined(history_select(query).offset(950).limit(50)) >= 1000

    page = DownloadManager().read_page(query, page=20, page_size=50)
    with read_session() as session:
        expected = session.execute(history_select(query).offset(950).limit(50)).mappings().all()
    assert [r.id for r in page.records] == [row["id"] for row in expected]
    assert page.total == 3000
