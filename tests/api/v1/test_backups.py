"""The backup routes: back up now, list, download, delete, the kept count, and restores
(staged from a listed backup or an upload larger than the app's body limit; refused with a
reason for a bad file, and on PostgreSQL with the pg_restore command)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.limits import MAX_BODY_BYTES, ROUTE_BODY_LIMITS
from config import get_settings
from core.backup import take
from tests.conftest import on_postgresql, reset_app_state
from tests.utils.api import TEST_API_KEY
from tests.utils.backups import BACKUP_NAME
from tests.utils.db import connect
from tests.utils.migrations import head

BACKUPS = "/api/v1/backups"
RESTORE = f"{BACKUPS}/restore"
MIB = 1024 * 1024

sqlite_only = pytest.mark.sqlite_only(reason="restores replace the SQLite database file")


def upload(client: TestClient, content: bytes | Path, name: str = "backup.db") -> httpx.Response:
    data = content.read_bytes() if isinstance(content, Path) else content
    return client.post(RESTORE, files={"file": (name, data, "application/octet-stream")})


def restore_folder_files() -> list[str]:
    folder = get_settings().app_data_dir / "restore"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.slow  # pg_dump, when the suite runs on PostgreSQL
def test_back_up_now_then_list_download_and_delete(client: TestClient) -> None:
    made = client.post(BACKUPS)

    assert made.status_code == 201, made.text
    backup = made.json()
    assert set(backup) == {"name", "type", "format", "size", "created"}
    assert backup["type"] == "manual" and backup["size"] > 0
    assert client.get(BACKUPS).json() == [backup]
    download = client.get(f"{BACKUPS}/{backup['name']}/download")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == f'attachment; filename="{backup["name"]}"'
    assert len(download.content) == backup["size"]
    if on_postgresql():
        assert backup["format"] == "pgdump" and download.content.startswith(b"PGDMP")
    else:
        assert backup["format"] == "sqlite"
        assert download.content.startswith(b"SQLite format 3\x00")

    assert client.delete(f"{BACKUPS}/{backup['name']}").status_code == 204
    assert client.get(BACKUPS).json() == []
    assert client.delete(f"{BACKUPS}/{backup['name']}").status_code == 404


def test_back_up_now_while_a_backup_runs_is_a_conflict(client: TestClient) -> None:
    with take._running:
        refused = client.post(BACKUPS)

    assert refused.status_code == 409
    assert "being taken already" in refused.json()["detail"]


@pytest.mark.parametrize(
    "name",
    [
        "..%2Ftrailarr.db",
        "%2E%2E%2Ftrailarr.db",
        "..%2F..%2Fetc%2Fpasswd",
        "trailarr.db",
        "api_key",
        "..",
        "%2E%2E",
        f"{BACKUP_NAME}%00",
    ],
)
def test_a_name_outside_the_listing_is_not_found(
    name: str, client: TestClient, listed: str
) -> None:
    for method, path in [
        ("GET", f"{BACKUPS}/{name}/download"),
        ("DELETE", f"{BACKUPS}/{name}"),
        ("POST", f"{BACKUPS}/{name}/restore"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 404, (method, path, response.text)
        assert TEST_API_KEY not in response.text and "SQLite format" not in response.text
    assert (get_settings().app_data_dir / "trailarr.db").exists()
    assert [b["name"] for b in client.get(BACKUPS).json()] == [listed]


def test_the_kept_count_is_read_and_changed(client: TestClient) -> None:
    assert client.get(f"{BACKUPS}/settings").json() == {"keep": 10}

    changed = client.patch(f"{BACKUPS}/settings", json={"keep": 3})

    assert changed.status_code == 200 and changed.json() == {"keep": 3}
    assert client.get(f"{BACKUPS}/settings").json() == {"keep": 3}
    for bad in (0, -1, 1001, "many"):
        assert client.patch(f"{BACKUPS}/settings", json={"keep": bad}).status_code == 422
    assert client.get(f"{BACKUPS}/settings").json() == {"keep": 3}


@sqlite_only
def test_a_listed_backup_is_staged_then_cancelled(client: TestClient, listed: str) -> None:
    assert client.get(RESTORE).json()["staged"] is False

    staged = client.post(f"{BACKUPS}/{listed}/restore")

    assert staged.status_code == 202, staged.text
    body = staged.json()
    assert body["staged"] is True and body["supported"] is True
    assert body["message"] == "Restart Trailarr to apply the restore"
    assert body["source"] == listed and body["revision"] == head()
    assert client.get(RESTORE).json() == body
    cancelled = client.delete(RESTORE)
    assert cancelled.status_code == 200
    assert cancelled.json()["staged"] is False
    assert client.get(RESTORE).json()["staged"] is False


def padded(path: Path, size: int) -> Path:
    """The database grown past `size` bytes (a table of its own: still Trailarr's)."""
    with connect(path) as conn:
        conn.execute("CREATE TABLE padding (data BLOB)")
        conn.execute("INSERT INTO padding VALUES (?)", (b"\x01" * size,))
        conn.commit()
    assert path.stat().st_size > size
    return path


@sqlite_only
def test_an_upload_over_the_app_s_body_limit_passes_for_the_restore_route_only(
    client: TestClient, backup_file: Path, listed: str
) -> None:
    padded(backup_file, 2 * MAX_BODY_BYTES)

    staged = upload(client, backup_file, "big.db")

    assert staged.status_code == 202, staged.text
    assert staged.json()["source"] == "upload: big.db"
    assert staged.json()["size"] == backup_file.stat().st_size
    pending = get_settings().app_data_dir / "restore" / "pending.db"
    assert pending.read_bytes() == backup_file.read_bytes()
    assert restore_folder_files() == ["pending.db", "pending.json"]
    # The same body anywhere else is over the limit.
    for path in (f"{BACKUPS}/{listed}/restore", f"{BACKUPS}/settings"):
        method = "PATCH" if path.endswith("settings") else "POST"
        elsewhere = client.request(
            method,
            path,
            files={"file": ("big.db", backup_file.read_bytes(), "application/octet-stream")},
        )
        assert elsewhere.status_code == 413, path


@sqlite_only
def test_an_upload_over_the_restore_route_s_own_limit_is_refused(
    client: TestClient, backup_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ROUTE_BODY_LIMITS, ("POST", RESTORE), 2 * MIB)
    padded(backup_file, 3 * MIB)

    refused = upload(client, backup_file)

    assert refused.status_code == 413
    assert refused.json()["detail"] == f"The request body is larger than {2 * MIB} bytes"
    assert client.get(RESTORE).json()["staged"] is False
    assert restore_folder_files() == []


class Body:
    """A chunked request body of `total` bytes; counts what the app pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.pulled = total, b"x" * chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            part = self.chunk[: self.total - self.pulled]
            self.pulled += len(part)
            yield part


@pytest.mark.anyio
async def test_an_anonymous_upload_is_refused_before_its_body_is_read(data_dir: Path) -> None:
    from main import app

    body = Body(150 * MIB)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            RESTORE, content=body, headers={"Content-Type": "multipart/form-data; boundary=x"}
        )

    assert response.status_code == 401
    assert body.pulled <= 2 * len(body.chunk)
    assert restore_folder_files() == []


def not_trailarr(path: Path) -> Path:
    path.unlink()
    with connect(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.commit()
    return path


def damaged(path: Path) -> Path:
    """A byte pattern written over the first page of the media table."""
    with connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'media'").fetchone()[0]
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * 12)
    return path


@sqlite_only
@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (damaged, "The database is damaged"),
        (not_trailarr, "not Trailarr's"),
        (lambda p: (p.write_text("hello"), p)[1], "not a SQLite database"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason(
    client: TestClient, backup_file: Path, spoil: Any, message: str
) -> None:
    refused = upload(client, spoil(backup_file))

    assert refused.status_code == 422
    assert message in refused.json()["detail"]
    assert client.get(RESTORE).json()["staged"] is False
    assert restore_folder_files() == []


def test_an_upload_that_is_not_a_form_is_refused(client: TestClient) -> None:
    refused = client.post(
        RESTORE, content=b"SQLite format 3\x00", headers={"Content-Type": "application/x-sqlite3"}
    )

    if on_postgresql():
        assert refused.status_code == 409
    else:
        assert refused.status_code == 422
        assert "multipart/form-data" in refused.json()["detail"]
    assert restore_folder_files() == []


@pytest.fixture
def on_postgresql_here(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> Iterator[TestClient]:
    """A client of the app on a PostgreSQL database of its own."""
    from main import app

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_app_state()
    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as client:
        yield client
    reset_app_state()


@pytest.mark.slow  # pg_dump
def test_on_postgresql_dumps_are_listed_and_restores_give_the_pg_restore_command(
    on_postgresql_here: TestClient, backup_file: Path
) -> None:
    client = on_postgresql_here
    made = client.post(BACKUPS)
    assert made.status_code == 201, made.text
    name = made.json()["name"]
    assert name.endswith(".pgdump") and made.json()["format"] == "pgdump"
    assert [b["name"] for b in client.get(BACKUPS).json()] == [name]
    assert client.get(f"{BACKUPS}/{name}/download").content.startswith(b"PGDMP")

    refused = client.post(f"{BACKUPS}/{name}/restore")

    assert refused.status_code == 409
    path = get_settings().backups_dir / name
    assert "pg_restore --clean --if-exists --no-owner" in refused.json()["detail"]
    assert str(path) in refused.json()["detail"]
    uploaded = upload(client, backup_file)
    assert uploaded.status_code == 409
    assert "pg_restore" in uploaded.json()["detail"]
    state = client.get(RESTORE).json()
    assert state["supported"] is False and state["staged"] is False
    assert "pg_restore" in state["message"]
    assert restore_folder_files() == []
