"""The export's fast path (plain rows to CSV and JSON) against the model's serialisation.

The reference is what the export wrote before it skipped the models: each record read as a
`DownloadHistoryRead` (here through the history's page, another read path), dumped by
pydantic in JSON mode, the CSV cells made from those values. Both outputs must be the
same bytes, on records chosen to be awkward.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import signal
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import event

from core.base.database import read_processes
from core.base.database.engine import get_engine
from core.base.database.manager import history_ranges
from core.base.database.manager.download import DownloadManager
from core.base.database.manager.history_export import export_line_select, export_record_select
from core.base.database.manager.history_query import history_filters
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.database.models.download import DeletedReason
from core.base.database.models.history import (
    DownloadHistoryRead,
    HistoryQuery,
    HistorySort,
    SortOrder,
)
from core.base.database.read_processes import BatchReaders
from core.history.export import CSV_FIELDS, CSV_RULES, FORMULA_STARTS, csv_export, json_export
from tests.utils.db import execute
from tests.utils.factories import make_download, make_media, make_profile

HISTORY_LIST = TypeAdapter(list[DownloadHistoryRead])
IST = timezone(timedelta(hours=5, minutes=30))
FIVE_GIB = 5 * 2**30
EVERY_ASCII = "".join(map(chr, range(1, 128)))
"""Every ASCII character but NUL (which PostgreSQL's text cannot hold): the escapes."""


def reference_csv(records: list[DownloadHistoryRead]) -> bytes:
    """The CSV as the export wrote it from the models (the code it replaced), every cell
    quoted, and a text cut at a NUL character (a NUL no path or name can hold)."""

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            neutralised = "'" if value.startswith(FORMULA_STARTS) else ""
            return neutralised + value.split("\x00")[0]
        return value

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_FIELDS)
    for values in HISTORY_LIST.dump_python(records, mode="json"):
        writer.writerow([cell(values[name]) for name in CSV_FIELDS])
    return buffer.getvalue().encode()


CSV_HEADER = (",".join(f'"{name}"' for name in CSV_FIELDS) + "\r\n").encode()


def reference_json(records: list[DownloadHistoryRead]) -> bytes:
    return HISTORY_LIST.dump_json(records)


def models(query: HistoryQuery) -> list[DownloadHistoryRead]:
    page = DownloadManager().read_page(query, page_size=500)
    assert page.total == len(page.records)
    return page.records


@pytest.fixture
def awkward(data_dir: Any) -> dict[str, Any]:
    """Records with NULLs, unicode, CSV and JSON specials, formulas, missing profiles,
    absent files, large and negative numbers, and datetimes given in other time zones."""
    heat = make_media(title='Heat, "Director\'s Cut"\r\nPart 2\\', year=1995)
    amelie = make_media(title="Amélie — 🎬 \u2028東京 ‮rtl‬", year=2001, is_movie=False)
    formula = make_media(title='=HYPERLINK("http://x","y")', year=1900)
    hd = make_profile(name='HD, "1080p"\n\t')
    gone = make_profile(name="Deleted later")
    specs: list[dict[str, Any]] = [
        {
            "media": heat,
            "profile_id": hd.id,
            "file_name": 'a, "b"\r\nc.mkv',
            "path": '/media/Heat, "Director\'s Cut"/a, "b"\r\nc.mkv',
            "subtitles": "en,fr",
            "youtube_id": "",
            "updated_at": datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=IST),
            "added_at": datetime(2026, 5, 1, 12, tzinfo=IST),
            "source_url": 'https://example.com/v?a=1&b="2"',
            "fingerprint": "80:c7e7470fc04abfb916eb1136ab06b637",
        },
        {
            "media": amelie,
            "profile_id": 0,
            "file_name": "Amélie 🎬 東京.webm",
            "resolution": "N/A",
            "size": FIVE_GIB,
            "duration": -3,
            "audio_channels": "-1",
            "updated_at": datetime(1, 1, 1, tzinfo=UTC),
            "added_at": datetime(2026, 5, 1, 6, 30, 0, 1, tzinfo=UTC),
        },
        {
            "media": formula,
            "profile_id": 9999,
            "file_name": "-2+3",
            "video_format": "@SUM(A1)",
            "audio_format": "+1",
            "file_format": "\tx",
            "resolution": "=1x1",
            "youtube_id": "\rx",
            "added_at": datetime(2026, 5, 1, 6, 30, 0, 999999, tzinfo=UTC),
        },
        {
            "media": heat,
            "profile_id": gone.id,
            "file_name": "ctrl \x01\x1f\x7f \\ \t '=' done.mkv",
            "source_url": EVERY_ASCII + "\u00a0\u2028\u2029\ufeff\U0001f3ac",
            "subtitles": "",
            "added_at": datetime(2026, 5, 1, 6, 30, tzinfo=UTC),  # ties the one before
        },
    ]
    # More records, so that small batches cross several keyset boundaries and ties.
    for n in range(8):
        specs.append(
            {
                "media": [heat, amelie, formula][n % 3],
                "profile_id": [hd.id, 0, 9999][n % 3],
                "file_name": f'more {n % 3}, "{n}".mkv',
                "size": n % 3,
                "duration": n % 2,
                "resolution": ["1920x1080", "N/A", "640x360"][n % 3],
                "added_at": datetime(2026, 5, 1, 6, 30, tzinfo=UTC) + timedelta(seconds=n % 4),
            }
        )
    made = []
    for spec in specs:
        media = spec.pop("media")
        made.append(make_download(media.id, **spec))
    TrailerProfileManager().delete(gone.id)
    DownloadManager().retire(
        made[0].id, reason=DeletedReason.DELETED_BY_USER, message='gone, "by" hand\n'
    )
    return {"heat": heat, "amelie": amelie, "hd": hd, "records": made}


QUERIES = [HistoryQuery(sort=sort, order=order) for sort in HistorySort for order in SortOrder] + [
    HistoryQuery(file_exists=False),
    HistoryQuery(file_exists=True, sort=HistorySort.FILE_NAME, order=SortOrder.ASC),
    HistoryQuery(profile_id=9999, sort=HistorySort.SIZE),
    HistoryQuery(q="heat", sort=HistorySort.DURATION, order=SortOrder.ASC),
    HistoryQuery(q="東京"),
    HistoryQuery(since=datetime(2026, 5, 1, 12, 0, 1, tzinfo=IST)),
    HistoryQuery(video_format="nothing"),
]


def _query_id(query: HistoryQuery) -> str:
    set_fields = query.model_dump(mode="json", exclude_defaults=True)
    return ",".join(f"{k}={v}" for k, v in set_fields.items()) or "default"


@pytest.mark.parametrize("batch_size", [1, 3, 1000])
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: _query_id(q))
def test_fast_path_writes_what_the_models_write(
    awkward: dict[str, Any], query: HistoryQuery, batch_size: int
) -> None:
    expected = models(query)
    as_csv = b"".join(csv_export(query, batch_size=batch_size))
    as_json = b"".join(json_export(query, batch_size=batch_size))
    assert as_csv == reference_csv(expected)
    assert as_json == reference_json(expected)
    # The same, said the long way (for a readable failure): count, first and last rows.
    rows = list(csv.reader(io.StringIO(as_csv.decode(), newline="")))
    records = TypeAdapter(list[dict[str, Any]]).validate_json(as_json)
    assert len(rows) - 1 == len(records) == len(expected)
    if expected:
        for index in (0, -1):
            dumped = expected[index].model_dump(mode="json")
            assert records[index] == dumped
            assert rows[1:][index][0] == str(dumped["id"])


def test_awkward_values_survive(awkward: dict[str, Any]) -> None:
    """The values themselves, read back: not only equal to the reference, but right."""
    query = HistoryQuery(sort=HistorySort.ADDED_AT, order=SortOrder.ASC)
    records = TypeAdapter(list[dict[str, Any]]).validate_json(b"".join(json_export(query)))
    rows = list(csv.DictReader(io.StringIO(b"".join(csv_export(query)).decode(), newline="")))
    assert len(records) == len(rows) == 12
    by_id = {r["id"]: r for r in records}
    cells = {int(r["id"]): r for r in rows}
    first, amelie, formula, ctrl = (r.id for r in awkward["records"][:4])

    assert by_id[first]["media_title"] == 'Heat, "Director\'s Cut"\r\nPart 2\\'
    assert cells[first]["media_title"] == 'Heat, "Director\'s Cut"\r\nPart 2\\'
    assert by_id[first]["file_exists"] is False
    assert cells[first]["file_exists"] == "false"
    assert by_id[first]["deleted_reason"] == "deleted_by_user"
    assert by_id[first]["updated_at"] == "2026-05-01T06:30:00.123456Z"
    assert by_id[first]["added_at"] == cells[first]["added_at"] == "2026-05-01T06:30:00Z"
    assert by_id[first]["profile_name"] == cells[first]["profile_name"] == 'HD, "1080p"\n\t'
    assert by_id[first]["youtube_id"] == cells[first]["youtube_id"] == ""

    assert by_id[amelie]["profile_name"] is None
    assert cells[amelie]["profile_name"] == ""
    assert by_id[amelie]["size"] == FIVE_GIB
    assert cells[amelie]["duration"] == "-3"  # a number, not neutralised
    assert cells[amelie]["audio_channels"] == "'-1"  # text: neutralised
    assert by_id[amelie]["updated_at"] == "0001-01-01T00:00:00Z"
    assert by_id[amelie]["added_at"] == "2026-05-01T06:30:00.000001Z"
    assert by_id[amelie]["media_is_movie"] is False
    assert cells[amelie]["media_is_movie"] == "false"
    assert by_id[amelie]["source_url"] is None
    assert cells[amelie]["source_url"] == ""

    assert by_id[formula]["file_name"] == "-2+3"
    assert [cells[formula][k] for k in ("file_name", "video_format", "audio_format")] == [
        "'-2+3",
        "'@SUM(A1)",
        "'+1",
    ]
    assert cells[formula]["file_format"] == "'\tx"
    assert cells[formula]["youtube_id"] == "'\rx"
    assert cells[formula]["media_title"] == '\'=HYPERLINK("http://x","y")'
    assert by_id[formula]["profile_name"] is None  # a profile that never existed

    assert by_id[ctrl]["file_name"] == "ctrl \x01\x1f\x7f \\ \t '=' done.mkv"
    assert by_id[ctrl]["profile_name"] is None  # its profile was deleted
    assert by_id[ctrl]["source_url"].startswith(EVERY_ASCII)
    assert cells[ctrl]["source_url"] == by_id[ctrl]["source_url"]  # \x01 first: no formula


@pytest.fixture
def statements(data_dir: Any) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs from now on."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("export", [csv_export, json_export])
def test_the_first_chunk_comes_before_any_read(
    awkward: dict[str, Any], statements: list[str], export: Any
) -> None:
    """The header (CSV) or the array's "[" (JSON) is ready before the history is read;
    then each chunk is one batch, read when it is asked for."""
    chunks = export(HistoryQuery(), batch_size=5)
    first = next(chunks)
    assert first in {CSV_HEADER, b"["}
    assert statements == []
    next(chunks)
    reads = len(statements)
    assert reads >= 1  # the count, then the first batch
    next(chunks)
    assert len(statements) == reads + 1  # one statement per batch
    chunks.close()


def test_an_empty_history(data_dir: Any) -> None:
    assert b"".join(csv_export(HistoryQuery())) == CSV_HEADER
    assert b"".join(json_export(HistoryQuery())) == b"[]"


@pytest.mark.sqlite_only(reason="a text holding a NUL (left by older versions) is SQLite's only")
def test_a_stored_nul_is_written_as_the_model_writes_it(
    awkward: dict[str, Any], db_file: Path
) -> None:
    record = awkward["records"][1]
    execute(db_file, "UPDATE download SET file_name = ? WHERE id = ?", "nu\x00l.mkv", record.id)
    query = HistoryQuery()
    expected = models(query)
    assert "nu\x00l.mkv" in {r.file_name for r in expected}
    assert b"".join(csv_export(query, batch_size=5)) == reference_csv(expected)
    assert b"".join(json_export(query, batch_size=5)) == reference_json(expected)


def test_sqlite_writes_the_json_records_itself(
    awkward: dict[str, Any], statements: list[str]
) -> None:
    """On SQLite each record's JSON comes from the database (json_object), one column per
    row; on PostgreSQL the rows' own columns are read (msgspec encodes them)."""
    b"".join(json_export(HistoryQuery(), batch_size=5))
    batches = [s for s in statements if "LIMIT" in s]
    assert len(batches) == 3  # 12 records, 5 at a time
    if get_engine().dialect.name == "sqlite":
        assert all(s.count("json_object(") == 1 for s in batches)
    else:
        assert not any("json" in s for s in batches)


@pytest.mark.no_database
def test_json_record_is_sqlites_only() -> None:
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.exc import CompileError

    statement = export_record_select(HistoryQuery())
    with pytest.raises(CompileError, match="SQLite"):
        statement.compile(dialect=postgresql.dialect())


@pytest.mark.no_database
def test_csv_line_is_sqlites_only() -> None:
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.exc import CompileError

    statement = export_line_select(HistoryQuery(), CSV_FIELDS, CSV_RULES)
    with pytest.raises(CompileError, match="SQLite"):
        statement.compile(dialect=postgresql.dialect())
    two_characters = replace(CSV_RULES, formula_starts=("=", "=="))
    with pytest.raises(CompileError, match="one character"):
        export_line_select(HistoryQuery(), CSV_FIELDS, two_characters).compile(
            dialect=sqlite.dialect()
        )


@pytest.fixture
def in_processes(monkeypatch: pytest.MonkeyPatch) -> list[BatchReaders]:
    """The JSON export read by two worker processes at any size, on any machine; the
    readers started, for the test to see."""
    monkeypatch.setattr(history_ranges, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(history_ranges, "cores", lambda: 2)
    started: list[BatchReaders] = []

    def spy(*args: Any, **kw: Any) -> BatchReaders:
        readers = BatchReaders(*args, **kw)
        started.append(readers)
        return readers

    monkeypatch.setattr(history_ranges, "BatchReaders", spy)
    return started


def _by_workers(query: HistoryQuery) -> bool:
    return query.sort != HistorySort.RESOLUTION and not history_filters(query)


@pytest.mark.slow  # worker processes
@pytest.mark.sqlite_only(reason="worker processes read a SQLite file; PostgreSQL's is read here")
@pytest.mark.parametrize("batch_size", [1, 3, 1000])
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: _query_id(q))
def test_the_export_read_by_worker_processes_is_what_the_models_write(
    awkward: dict[str, Any],
    in_processes: list[BatchReaders],
    query: HistoryQuery,
    batch_size: int,
) -> None:
    expected = models(query)
    assert b"".join(json_export(query, batch_size=batch_size)) == reference_json(expected)
    assert b"".join(csv_export(query, batch_size=batch_size)) == reference_csv(expected)
    # Every order but resolution's, unfiltered; the rest is read in the server.
    assert len(in_processes) == (2 if _by_workers(query) else 0)
    assert sum(_by_workers(q) for q in QUERIES) == 8


@pytest.mark.slow  # worker processes
@pytest.mark.sqlite_only(reason="worker processes read a SQLite file")
def test_sqlite_writes_the_lines_and_records_of_a_worker_export(
    awkward: dict[str, Any], in_processes: list[BatchReaders], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ranges' statements give one text per record, written by SQLite: the CSV line
    (printf) or the JSON object; the server and the worker only join them."""
    compiled: list[tuple[str, ...]] = []
    export_ranges = history_ranges.export_ranges

    def spy(*args: Any, **kw: Any) -> Any:
        ranges = export_ranges(*args, **kw)
        compiled.append(ranges.statements)
        return ranges

    monkeypatch.setattr(history_ranges, "export_ranges", spy)
    query = HistoryQuery()
    assert b"".join(csv_export(query, batch_size=2)) == reference_csv(models(query))
    assert b"".join(json_export(query, batch_size=2)) == reference_json(models(query))
    as_csv, as_json = compiled
    assert all(s.count("printf(") == 1 and "json_object(" not in s for s in as_csv)
    assert all(s.count("json_object(") == 1 and "printf(" not in s for s in as_json)
    assert len(in_processes) == 2


@pytest.mark.slow  # worker processes
@pytest.mark.sqlite_only(reason="a text holding a NUL (left by older versions) is SQLite's only")
def test_worker_processes_bound_their_ranges_by_any_stored_key(
    awkward: dict[str, Any], db_file: Path, in_processes: list[BatchReaders]
) -> None:
    """A range's bounds go to the workers as the database holds them: a file name with a
    NUL, large and negative numbers, datetimes with and without microseconds."""
    record = awkward["records"][1]
    execute(db_file, "UPDATE download SET file_name = ? WHERE id = ?", "nu\x00l.mkv", record.id)
    for sort in (HistorySort.FILE_NAME, HistorySort.SIZE, HistorySort.DURATION):
        for order in SortOrder:
            query = HistoryQuery(sort=sort, order=order)
            expected = models(query)
            assert b"".join(json_export(query, batch_size=1)) == reference_json(expected)
            assert b"".join(csv_export(query, batch_size=1)) == reference_csv(expected)
    assert len(in_processes) == 12


@pytest.mark.slow  # worker processes
@pytest.mark.sqlite_only(reason="worker processes read a SQLite file")
def test_records_removed_during_the_export_leave_valid_json(
    awkward: dict[str, Any], db_file: Path, in_processes: list[BatchReaders]
) -> None:
    """Records removed during the export: the JSON stays valid, every record left is
    written once and in order, and a removed one at most once (if its batch was read
    before the removal)."""
    query = HistoryQuery(sort=HistorySort.ADDED_AT, order=SortOrder.ASC)
    before = models(query)
    chunks = json_export(query, batch_size=1)
    assert next(chunks) == b"["
    first = next(chunks)
    assert first == reference_json(before[:1])[1:-1]
    later = [record.id for record in before[-4:]]
    execute(db_file, f"DELETE FROM download WHERE id IN ({','.join('?' * 4)})", *later)
    written = TypeAdapter(list[dict[str, Any]]).validate_json(b"[" + first + b"".join(chunks))
    ids = [r["id"] for r in written]
    assert [i for i in ids if i not in later] == [r.id for r in before if r.id not in later]
    assert ids == [r.id for r in before if r.id in ids]  # in order, none twice


@pytest.mark.slow  # tries to start worker processes
@pytest.mark.sqlite_only(reason="worker processes read a SQLite file")
def test_workers_that_cannot_start_leave_the_export_to_the_server(
    awkward: dict[str, Any],
    in_processes: list[BatchReaders],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(read_processes.sys, "executable", str(tmp_path / "no-python"))
    expected = reference_json(models(HistoryQuery()))
    with caplog.at_level(logging.WARNING):
        assert b"".join(json_export(HistoryQuery(), batch_size=3)) == expected
        assert b"".join(csv_export(HistoryQuery(), batch_size=3)) == reference_csv(
            models(HistoryQuery())
        )
    assert "Cannot start a database read worker" in caplog.text
    assert "the export is read by the server itself" in caplog.text
    assert history_ranges._ONE_AT_A_TIME.acquire(blocking=False)  # given back
    history_ranges._ONE_AT_A_TIME.release()


@pytest.mark.sqlite_only(reason="worker processes read a SQLite file")
def test_small_exports_and_one_core_are_read_in_the_server(
    awkward: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_ranges, "cores", lambda: 2)
    assert len(awkward["records"]) < history_ranges.PARALLEL_MIN_RECORDS
    assert history_ranges.record_readers(HistoryQuery(), 1000) is None
    monkeypatch.setattr(history_ranges, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(history_ranges, "cores", lambda: 1)
    assert history_ranges.record_readers(HistoryQuery(), 1000) is None


@pytest.mark.slow  # worker processes
@pytest.mark.sqlite_only(reason="worker processes read a SQLite file")
def test_a_range_left_empty_writes_nothing(
    awkward: dict[str, Any], in_processes: list[BatchReaders], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A range whose records were removed after its bounds were read (here: a range from
    a position to itself) gives no element and no stray comma."""
    ranges = history_ranges._ranges

    def with_empty_ones(query: HistoryQuery, batch_size: int) -> Iterator[Any]:
        for after, through in ranges(query, batch_size):
            if after is not None:
                yield after, after
            yield after, through

    monkeypatch.setattr(history_ranges, "_ranges", with_empty_ones)
    query = HistoryQuery()
    assert b"".join(json_export(query, batch_size=2)) == reference_json(models(query))
    assert b"".join(csv_export(query, batch_size=2)) == reference_csv(models(query))
    assert len(in_processes) == 2


@pytest.mark.slow  # worker processes
@pytest.mark.sqlite_only(reason="worker processes read a SQLite file")
def test_one_export_at_a_time_has_a_worker(
    awkward: dict[str, Any], in_processes: list[BatchReaders]
) -> None:
    """A second export while the first one reads with its worker is read by the server
    alone; once the first ends (or goes), the next one has a worker again."""
    query = HistoryQuery()
    expected = reference_json(models(query))
    first = json_export(query, batch_size=2)
    assert next(first) == b"[" and next(first)
    assert len(in_processes) == 1
    assert b"".join(json_export(query, batch_size=2)) == expected
    assert len(in_processes) == 1  # the second was read by the server alone
    first.close()  # its client went
    assert b"".join(json_export(query, batch_size=2)) == expected
    assert len(in_processes) == 2


@pytest.mark.slow  # worker processes
@pytest.mark.sqlite_only(reason="worker processes read a SQLite file")
@pytest.mark.parametrize("export", [json_export, csv_export])
def test_an_export_whose_worker_dies_still_ends_whole(
    awkward: dict[str, Any],
    in_processes: list[BatchReaders],
    export: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server reads the worker's batches once it is gone: the file is the same."""
    query = HistoryQuery()
    expected = models(query)
    chunks = export(query, batch_size=1)
    head = [next(chunks), next(chunks)]
    (pid,) = in_processes[0].pids
    os.kill(pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING):
        written = b"".join([*head, *chunks])
    reference = reference_json if export is json_export else reference_csv
    assert written == reference(expected)
    assert "this process reads its batches instead" in caplog.text
