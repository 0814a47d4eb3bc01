"""System > Logs routes: the files and their download (nothing outside the logs folder), the
recent records, and the log level changed at runtime and kept across a restart."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app_logger import ModuleLogger, configure_logging
from core.system.logs import LEVEL_FILE, MAX_LINES
from tests.utils.api import TEST_API_KEY, assert_4xx
from tests.utils.server import HTTP_TIMEOUT, Server
from tests.utils.wait import wait_until

SECRET_TEXT = "contents of a file outside the logs folder"


@pytest.fixture
def logs_dir(data_dir: Path, restore_logging: None) -> Iterator[Path]:
    """The app logging into the test's data folder, as at start, hiding the API key."""
    folder = data_dir / "logs"
    configure_logging("INFO", folder, secrets=lambda: [TEST_API_KEY])
    yield folder


def flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_files_are_listed_and_downloaded(client: TestClient, logs_dir: Path) -> None:
    ModuleLogger("LogsTest").warning("a line to download")
    flush()

    files = client.get("/api/v1/logs/files").json()
    assert [f["name"] for f in files] == ["trailarr.log"]
    assert files[0]["size"] == (logs_dir / "trailarr.log").stat().st_size
    assert files[0]["modified"]

    answer = client.get("/api/v1/logs/files/trailarr.log")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith('attachment; filename="trailarr.log"')
    assert answer.headers["content-type"].startswith("text/plain")
    assert "[WARNING] trailarr.LogsTest: a line to download" in answer.text
    assert answer.content == (logs_dir / "trailarr.log").read_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "..",
        "%2E%2E",
        "..%2Ftrailarr.db",
        "..%2F..%2Fsecret.txt",
        "%2E%2E%2Fsecret.txt",
        "%2Fetc%2Fpasswd",
        "link.log",
        "folder",
        "trailarr.db",
        "not-there.log",
    ],
)
def test_nothing_outside_the_logs_folder_is_served(
    client: TestClient, logs_dir: Path, data_dir: Path, name: str
) -> None:
    secret = data_dir.parent / "secret.txt"
    secret.write_text(SECRET_TEXT)
    (logs_dir / "link.log").symlink_to(secret)
    (logs_dir / "folder").mkdir()
    ModuleLogger("LogsTest").warning("a line")
    flush()

    answer = client.get(f"/api/v1/logs/files/{name}")

    detail = assert_4xx(answer, 404)
    assert SECRET_TEXT not in answer.text
    assert "SQLite" not in answer.text
    if "%2F" not in name and name != "..":  # else no route matches: FastAPI's own 404
        assert "No log file named" in detail
    assert {f["name"] for f in client.get("/api/v1/logs/files").json()} == {"trailarr.log"}
    lines = client.get("/api/v1/logs/lines", params={"file": "link.log"})
    assert assert_4xx(lines, 404).startswith("No log file named")


def test_recent_lines_with_level_search_and_limit(client: TestClient, logs_dir: Path) -> None:
    logger = ModuleLogger("LogsTest")
    logger.info("library synced")
    logger.warning("disk almost full")
    try:
        raise ValueError("bad value")
    except ValueError:
        logger.exception("Task failed")
    logger.info("library synced again")
    flush()

    def messages(**params: object) -> list[str]:
        answer = client.get("/api/v1/logs/lines", params=params)
        assert answer.status_code == 200, answer.text
        return [
            r["message"].split("\n")[0] for r in answer.json() if r["logger"] == "trailarr.LogsTest"
        ]

    assert messages() == [
        "library synced again",
        "Task failed",
        "disk almost full",
        "library synced",
    ]
    assert messages(level="WARNING") == ["Task failed", "disk almost full"]
    assert messages(search="SYNCED") == ["library synced again", "library synced"]
    assert messages(search="bad value") == ["Task failed"]
    assert messages(search="logstest", limit=1) == ["library synced again"]
    error = client.get("/api/v1/logs/lines", params={"level": "ERROR"}).json()[0]
    assert error["level"] == "ERROR"
    assert error["message"].endswith("ValueError: bad value")
    assert "Traceback (most recent call last):" in error["message"]

    for bad in ({"limit": MAX_LINES + 1}, {"limit": 0}, {"level": "LOUD"}):
        assert_4xx(client.get("/api/v1/logs/lines", params=bad), 422)
    assert client.get("/api/v1/logs/lines", params={"limit": MAX_LINES}).status_code == 200


def test_no_logs_folder_yet(client: TestClient, data_dir: Path) -> None:
    assert not (data_dir / "logs").exists()
    assert client.get("/api/v1/logs/files").json() == []
    assert client.get("/api/v1/logs/lines").json() == []


def test_the_api_key_never_comes_back(client: TestClient, logs_dir: Path) -> None:
    ModuleLogger("LogsTest").warning(f"calling with api_key {TEST_API_KEY} now")
    flush()
    # A line written without redaction (by another hand, or before the key was known).
    with (logs_dir / "trailarr.log").open("a", encoding="utf-8") as log:
        log.write(f"2026-12-01 12:00:00,000 [ERROR] trailarr.Old: key was {TEST_API_KEY}\n")
    assert TEST_API_KEY in (logs_dir / "trailarr.log").read_text()

    lines = client.get("/api/v1/logs/lines", params={"search": "LogsTest"})
    assert [r["message"] for r in lines.json()] == ["calling with api_key *** now"]
    everything = client.get("/api/v1/logs/lines").text
    assert "key was ***" in everything
    download = client.get("/api/v1/logs/files/trailarr.log").text
    assert "key was ***" in download
    for text in (everything, download):
        assert TEST_API_KEY not in text
    found = client.get("/api/v1/logs/lines", params={"search": TEST_API_KEY}).json()
    assert found == []


def test_the_level_changes_at_once_and_is_kept(
    client: TestClient, logs_dir: Path, data_dir: Path
) -> None:
    logger = ModuleLogger("LevelTest")
    assert client.get("/api/v1/logs/level").json() == {"level": "INFO"}

    answer = client.put("/api/v1/logs/level", json={"level": "DEBUG"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"level": "DEBUG"}
    assert client.get("/api/v1/logs/level").json() == {"level": "DEBUG"}
    assert (data_dir / LEVEL_FILE).read_text().strip() == "DEBUG"
    logger.debug("debug line one")
    # uvicorn's access lines are DEBUG lines: written now too.
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "c", "GET", "/x", "1.1", 200
    )

    assert client.put("/api/v1/logs/level", json={"level": "INFO"}).json() == {"level": "INFO"}
    logger.debug("debug line two")
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "c", "GET", "/y", "1.1", 200
    )
    logger.info("info line")
    flush()

    text = (logs_dir / "trailarr.log").read_text()
    assert "[DEBUG] trailarr.LevelTest: debug line one" in text
    assert '[DEBUG] uvicorn.access: c - "GET /x HTTP/1.1" 200' in text
    assert "debug line two" not in text
    assert "GET /y" not in text
    assert "[INFO] trailarr.LevelTest: info line" in text
    assert (data_dir / LEVEL_FILE).read_text().strip() == "INFO"


@pytest.mark.parametrize("level", ["LOUD", "debug", "CRITICAL", "", None, 10])
def test_an_unknown_level_is_refused(client: TestClient, logs_dir: Path, level: object) -> None:
    assert_4xx(client.put("/api/v1/logs/level", json={"level": level}), 422)
    assert client.get("/api/v1/logs/level").json() == {"level": "INFO"}


@pytest.mark.slow
def test_a_restarted_server_keeps_the_chosen_level(
    tmp_path: Path, data_dir: Path, server_factory: type[Server]
) -> None:
    headers = {"X-API-KEY": TEST_API_KEY}

    def get(server: Server, path: str, **params: object) -> httpx.Response:
        answer = httpx.get(
            f"{server.base}{path}", params=params, headers=headers, timeout=HTTP_TIMEOUT
        )
        assert answer.status_code == 200, answer.text
        return answer

    def access_lines(server: Server, probe: str) -> list[dict[str, object]]:
        lines = get(server, "/api/v1/logs/lines", search=probe).json()
        return [r for r in lines if r["logger"] == "uvicorn.access"]

    first = server_factory(
        data_dir, tmp_path / "first.log", APP_API_KEY=TEST_API_KEY, LOG_LEVEL="INFO"
    )
    first.wait_ready()
    assert get(first, "/api/v1/logs/level").json() == {"level": "INFO"}
    get(first, "/status", probe="before")
    assert access_lines(first, "probe=before") == []

    answer = httpx.put(
        f"{first.base}/api/v1/logs/level",
        json={"level": "DEBUG"},
        headers=headers,
        timeout=HTTP_TIMEOUT,
    )
    assert answer.json() == {"level": "DEBUG"}
    # Access lines are written from now on, on this server that started at INFO.
    get(first, "/status", probe="after")
    [after] = access_lines(first, "probe=after")
    assert after["level"] == "DEBUG"
    assert first.terminate()[0] == 0

    again = server_factory(
        data_dir, tmp_path / "again.log", APP_API_KEY=TEST_API_KEY, LOG_LEVEL="INFO"
    )
    again.wait_ready()
    assert get(again, "/api/v1/logs/level").json() == {"level": "DEBUG"}
    get(again, "/status", probe="restarted")
    wait_until(lambda: access_lines(again, "probe=restarted"), "the access line after the restart")
    assert again.terminate()[0] == 0
