"""GET /downloads/export (CSV, JSON) and GET /downloads/stats."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from core.base.database.engine import get_engine
from core.base.database.manager import history_ranges
from core.base.database.manager.download import DownloadManager
from core.base.database.models.history import (
    DownloadHistoryRead,
    HistoryQuery,
    HistorySort,
    SortOrder,
)
from core.base.database.read_processes import BatchReaders
from core.history.export import CSV_FIELDS
from tests.utils.api import TEST_API_KEY
from tests.utils.factories import make_download, make_media, make_profile

EXPORT = "/api/v1/downloads/export"
T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


@pytest.fixture
def library(data_dir: Any) -> dict[str, Any]:
    heat = make_media(title='Heat, "Director\'s Cut"', year=1995)
    up = make_media(title="Up", year=2009, is_movie=False)
    make_media(title="No Trailer Yet", year=2020)
    hd = make_profile(name="HD")
    specs = [
        (heat, hd.id, "heat.mkv", 1000, "1920x1080", "h264", "aac", "matroska,webm", True),
        (heat, hd.id, "heat (2).mkv", 3000, "1920x1080", "h264", "opus", "matroska,webm", False),
        (heat, 0, "heat found.mp4", 500, "1280x720", "h264", "aac", "mov,mp4", True),
        (up, hd.id, "up.webm", 2000, "3840x2160", "vp9", "opus", "matroska,webm", True),
        (up, 9999, "up, old.mkv", 700, "1920x1080", "hevc", "aac", "matroska,webm", True),
    ]
    for n, (media, profile_id, name, size, res, vcodec, acodec, fmt, exists) in enumerate(specs):
        make_download(
            media.id,
            profile_id=profile_id,
            file_name=name,
            size=size,
            resolution=res,
            video_format=vcodec,
            audio_format=acodec,
            file_format=fmt,
            file_exists=exists,
            added_at=T0 + timedelta(minutes=n),
            source_url=f"https://example.com/{n}.mp4" if n % 2 else None,
        )
    return {"heat": heat, "up": up, "hd": hd}


def history(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/downloads", params={"page_size": 500, **params})
    assert response.status_code == 200
    return response.json()["records"]


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


FILTERS = [
    {},
    {"media_id": 1},
    {"audio_format": "aac", "sort": "size", "order": "asc"},
    {"file_exists": "true", "sort": "resolution"},
    {"q": "heat", "sort": "file_name", "order": "asc"},
    {"since": "2026-05-01T17:02:00+05:00"},
]


@pytest.mark.parametrize("params", FILTERS)
def test_csv_export_matches_the_history(
    client: TestClient, library: dict[str, Any], params: dict[str, Any]
) -> None:
    response = client.get(EXPORT, params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="trailarr-downloads-{today}.csv"'
    )
    reader = csv.reader(io.StringIO(response.text))
    header = next(reader)
    assert header == list(CSV_FIELDS)
    assert set(header) == set(DownloadHistoryRead.model_fields)
    rows = [dict(zip(header, row, strict=True)) for row in reader]
    expected = history(client, **params)
    assert expected  # every filter here selects something
    assert rows == [{k: _csv_value(v) for k, v in r.items()} for r in expected]


@pytest.mark.parametrize("params", FILTERS)
def test_json_export_matches_the_history(
    client: TestClient, library: dict[str, Any], params: dict[str, Any]
) -> None:
    response = client.get(EXPORT, params={"format": "json", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].endswith('.json"')
    assert response.json() == history(client, **params)


def test_filtered_exports_differ(client: TestClient, library: dict[str, Any]) -> None:
    everything = client.get(EXPORT, params={"format": "json"}).json()
    only_up = client.get(EXPORT, params={"format": "json", "media_id": library["up"].id}).json()
    assert len(everything) == 5
    assert {r["file_name"] for r in only_up} == {"up.webm", "up, old.mkv"}


def test_empty_exports(client: TestClient) -> None:
    as_csv = client.get(EXPORT, params={"format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.text.splitlines() == [",".join(f'"{name}"' for name in CSV_FIELDS)]
    as_json = client.get(EXPORT, params={"format": "json"})
    assert as_json.status_code == 200
    assert as_json.json() == []


def test_default_format_is_csv(client: TestClient, library: dict[str, Any]) -> None:
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response.text.splitlines()[0] == ",".join(f'"{name}"' for name in CSV_FIELDS)


@pytest.mark.parametrize(
    "params",
    [{"format": "xml"}, {"format": ""}, {"sort": "nope"}, {"order": "up"}, {"since": "soon"}],
)
def test_bad_export_requests(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get(EXPORT, params=params)
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize("sort", list(HistorySort))
@pytest.mark.parametrize("order", list(SortOrder))
def test_batches_follow_the_order_across_ties(
    data_dir: Any, sort: HistorySort, order: SortOrder
) -> None:
    """Keyset batches of 3 give exactly the rows of one big page, in order."""
    media = make_media()
    for n in range(11):
        make_download(
            media.id,
            size=n % 3,
            duration=n % 2,
            file_name=f"f{n % 4}.mkv",
            resolution=["1920x1080", "N/A", "640x360"][n % 3],
            added_at=T0 + timedelta(seconds=n % 5),
        )
    query = HistoryQuery(sort=sort, order=order)
    manager = DownloadManager()
    whole = manager.read_page(query, page_size=500).records
    batched = list(manager.iter_history(query, batch_size=3))
    assert [r.id for r in batched] == [r.id for r in whole]
    assert len(batched) == 11


def test_stats(client: TestClient, library: dict[str, Any]) -> None:
    response = client.get("/api/v1/downloads/stats")
    assert response.status_code == 200
    assert response.json() == {
        "downloads_total": 5,
        "downloads_present": 4,
        "total_size_present": 1000 + 500 + 2000 + 700,
        "by_resolution": [
            {"key": "1920x1080", "count": 2},
            {"key": "1280x720", "count": 1},
            {"key": "3840x2160", "count": 1},
        ],
        "by_video_format": [
            {"key": "h264", "count": 2},
            {"key": "hevc", "count": 1},
            {"key": "vp9", "count": 1},
        ],
        "by_audio_format": [{"key": "aac", "count": 3}, {"key": "opus", "count": 1}],
        "by_file_format": [
            {"key": "matroska,webm", "count": 3},
            {"key": "mov,mp4", "count": 1},
        ],
        "by_profile": [
            {"profile_id": library["hd"].id, "profile_name": "HD", "count": 2},
            {"profile_id": 0, "profile_name": None, "count": 1},
            {"profile_id": 9999, "profile_name": None, "count": 1},
        ],
        "media_total": 3,
        "media_with_trailer": 2,
        "media_without_trailer": 1,
    }


def test_stats_of_an_empty_library(client: TestClient) -> None:
    assert client.get("/api/v1/downloads/stats").json() == {
        "downloads_total": 0,
        "downloads_present": 0,
        "total_size_present": 0,
        "by_resolution": [],
        "by_video_format": [],
        "by_audio_format": [],
        "by_file_format": [],
        "by_profile": [],
        "media_total": 0,
        "media_with_trailer": 0,
        "media_without_trailer": 0,
    }


def test_stats_follow_a_deletion(client: TestClient, library: dict[str, Any]) -> None:
    up_records = history(client, media_id=library["up"].id, file_exists="true")
    for record in up_records:
        # Their paths are not real files: the deletion only marks them.
        assert client.delete(f"/api/v1/downloads/{record['id']}").status_code == 200
    stats = client.get("/api/v1/downloads/stats").json()
    assert stats["downloads_present"] == 2
    assert stats["media_with_trailer"] == 1
    assert stats["media_without_trailer"] == 2
    assert {b["key"] for b in stats["by_video_format"]} == {"h264"}


FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
"""Cells a spreadsheet would run as formulas (OWASP's CSV injection list)."""


@pytest.fixture
def hostile(data_dir: Any) -> list[tuple[str, str]]:
    """Records whose media title and file name are formulas, one plain: (title, file name).

    Titles are stored stripped, so the tab and carriage return reach the files' names only.
    """
    names = [*FORMULAS, "plain.mkv"]
    stored = []
    for n, name in enumerate(names):
        media = make_media(title=name)
        make_download(media.id, file_name=name, duration=-3, added_at=T0 + timedelta(minutes=n))
        stored.append((media.title, name))
    assert [title for title, _ in stored] == [*FORMULAS[:4], "x", "x", "plain.mkv"]
    return stored


def test_csv_export_neutralises_formulas(
    client: TestClient, hostile: list[tuple[str, str]]
) -> None:
    response = client.get(EXPORT, params={"format": "csv", "sort": "added_at", "order": "asc"})
    assert response.status_code == 200
    reader = csv.reader(io.StringIO(response.text, newline=""))
    header = next(reader)
    rows = [dict(zip(header, row, strict=True)) for row in reader]
    assert [(r["media_title"], r["file_name"]) for r in rows] == [
        ('\'=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("'+1", "'+1"),
        ("'-2+3", "'-2+3"),
        ("'@SUM(A1)", "'@SUM(A1)"),
        ("x", "'\tx"),
        ("x", "'\rx"),
        ("plain.mkv", "plain.mkv"),
    ]
    for row in rows:
        assert row["duration"] == "-3"  # a negative number is a number, not a formula
        texts = [cell for cell in row.values() if not cell.lstrip("-").isdigit()]
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in texts)


def test_json_export_keeps_the_names_as_they_are(
    client: TestClient, hostile: list[tuple[str, str]]
) -> None:
    response = client.get(EXPORT, params={"format": "json", "sort": "added_at", "order": "asc"})
    assert response.status_code == 200
    records = response.json()
    assert [(r["media_title"], r["file_name"]) for r in records] == hostile
    assert {r["duration"] for r in records} == {-3}


@pytest.fixture
def batch_reads(data_dir: Any) -> Iterator[list[str]]:
    """The statements that read a batch of the history (keyset pages carry a LIMIT)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "LIMIT" in statement:
            seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _leave_after_the_first_batch(
    client: TestClient, export_format: str
) -> list[MutableMapping[str, Any]]:
    """GET the export as uvicorn would (ASGI spec 2.3) and disconnect once the first batch
    is sent; the messages sent."""
    from main import app

    sent: list[MutableMapping[str, Any]] = []

    async def exchange() -> None:
        second_chunk = anyio.Event()
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await second_chunk.wait()
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)
            if sum(m["type"] == "http.response.body" for m in sent) == 2:
                second_chunk.set()  # the header or "[", then the first batch: leave

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": EXPORT,
            "raw_path": EXPORT.encode(),
            "root_path": "",
            "query_string": f"format={export_format}".encode(),
            "headers": [(b"host", b"testserver"), (b"x-api-key", TEST_API_KEY.encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        with anyio.fail_after(60):
            await app(scope, receive, send)

    assert client.portal is not None
    client.portal.call(exchange)
    return sent


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_a_client_that_leaves_stops_the_reading(
    client: TestClient,
    batch_reads: list[str],
    monkeypatch: pytest.MonkeyPatch,
    export_format: str,
) -> None:
    """The export is read a batch at a time while the client takes it: one that
    disconnects after the first batch leaves no thread reading the rest, and no
    connection held. (The ASGI exchange as uvicorn speaks it: spec 2.3.)"""
    media = make_media()
    for n in range(60):
        make_download(media.id, added_at=T0 + timedelta(seconds=n))
    monkeypatch.setattr("core.base.database.manager.download.EXPORT_BATCH_SIZE", 5)
    sent = _leave_after_the_first_batch(client, export_format)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert all(m.get("more_body") for m in bodies)  # the response never ended
    # 12 batches of 5 in all: the first one was sent, at most the next was being read.
    assert 1 <= len(batch_reads) <= 2
    assert get_engine().pool.checkedout() == 0  # type: ignore[attr-defined]
    # The same export, taken whole, reads every batch.
    batch_reads.clear()
    assert client.get(EXPORT, params={"format": export_format}).status_code == 200
    assert len(batch_reads) == 13  # the last batch comes back short (empty here)


@pytest.mark.slow  # worker processes
@pytest.mark.sqlite_only(reason="worker processes read a SQLite file")
def test_a_client_that_leaves_stops_the_worker_processes(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JSON export read by worker processes: the client that leaves takes them with it
    (they would otherwise wait for their next batch)."""
    media = make_media()
    for n in range(60):
        make_download(media.id, added_at=T0 + timedelta(seconds=n))
    monkeypatch.setattr("core.base.database.manager.download.EXPORT_BATCH_SIZE", 5)
    monkeypatch.setattr(history_ranges, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(history_ranges, "cores", lambda: 2)
    pids: list[int] = []

    def spy(*args: Any, **kw: Any) -> BatchReaders:
        readers = BatchReaders(*args, **kw)
        pids.extend(readers.pids)
        return readers

    monkeypatch.setattr(history_ranges, "BatchReaders", spy)
    sent = _leave_after_the_first_batch(client, "json")
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert len(bodies) >= 2 and all(m.get("more_body") for m in bodies)
    assert len(pids) == 1  # the server reads every other batch itself
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # ended and reaped
