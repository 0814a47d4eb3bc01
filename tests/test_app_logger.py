"""Logging: to the console and a rotating file, configured once."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from app_logger import ModuleLogger, RedactSecrets, configure_logging
from tests.utils.server import HTTP_TIMEOUT, Server


@pytest.mark.usefixtures("restore_logging")
def test_logs_go_to_the_console_and_a_rotating_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs_dir = tmp_path / "logs"
    configure_logging("DEBUG", logs_dir)
    ModuleLogger("SettingsTest").info("hello %s", "file")
    ModuleLogger("SettingsTest").debug("debug line")
    for handler in logging.getLogger().handlers:
        handler.flush()

    text = (logs_dir / "trailarr.log").read_text()
    assert "trailarr.SettingsTest: hello file" in text
    assert "debug line" in text
    assert "hello file" in capsys.readouterr().err
    file_handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert len(file_handlers) == 1
    assert file_handlers[0].maxBytes > 0
    assert file_handlers[0].backupCount > 0


@pytest.mark.usefixtures("restore_logging")
def test_configuring_twice_does_not_duplicate_lines(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    configure_logging("INFO", logs_dir)
    configure_logging("INFO", logs_dir)
    ModuleLogger("Twice").warning("only once")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert (logs_dir / "trailarr.log").read_text().count("only once") == 1


@pytest.mark.usefixtures("restore_logging")
def test_module_logger_level_follows_configuration(tmp_path: Path) -> None:
    configure_logging("WARNING", tmp_path / "logs")
    ModuleLogger("Quiet").info("not written")
    ModuleLogger("Quiet").error("written")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (tmp_path / "logs" / "trailarr.log").read_text()
    assert "written" in text
    assert "not written" not in text


KEY = "k3y-0f-th3-app+/="
"""The app's API key in these tests; `+/=` change when URL-encoded."""


def read_logs(logs_dir: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "".join(p.read_text(encoding="utf-8") for p in sorted(logs_dir.iterdir()))


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("GET /api/v1/media?api_key=abc123&page=2", "GET /api/v1/media?api_key=***&page=2"),
        ("GET /ws?API_KEY=abc123 HTTP/1.1", "GET /ws?API_KEY=*** HTTP/1.1"),
        ("/x?apikey=abc123", "/x?apikey=***"),
        ("/x?token=abc123&access_token=abc123", "/x?token=***&access_token=***"),
        ("X-Api-Key: abc123", "X-Api-Key: ***"),
        ("headers {'x-api-key': 'abc123', 'accept': '*/*'}", "headers {'x-api-key': '***', "),
        ('body {"username": "ann", "password": "abc 123"}', '"username": "ann", "password": "***"'),
        ("password=abc123 secret=abc123", "password=*** secret=***"),
        ("client_secret = abc123", "client_secret = ***"),
    ],
)
def test_named_secrets_are_redacted(line: str, shown: str) -> None:
    redacted = RedactSecrets().redact(line)
    assert shown in redacted
    assert "abc" not in redacted


def test_the_app_key_is_redacted_wherever_it_is() -> None:
    redact = RedactSecrets(lambda: [KEY, ""]).redact
    assert redact(f"the key {KEY}, quoted {quote(KEY, safe='')}, plus {quote_plus(KEY)}.") == (
        "the key ***, quoted ***, plus ***."
    )
    assert redact("GET /api/v1/media?page=2 200") == "GET /api/v1/media?page=2 200"


@pytest.mark.usefixtures("restore_logging")
def test_every_logger_and_handler_redacts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs_dir = tmp_path / "logs"
    # DEBUG: uvicorn's access lines are DEBUG lines (tests/test_startup.py).
    configure_logging("DEBUG", logs_dir, secrets=lambda: [KEY])
    # As uvicorn writes its access log: the request line is an argument.
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:50000",
        "GET",
        f"/api/v1/media?api_key={quote(KEY, safe='')}&page=2",
        "1.1",
        200,
    )
    logging.getLogger("uvicorn.error").info('%s - "WebSocket %s" [accepted]', "c", "/ws?api_key=w1")
    ModuleLogger("Settings").warning("kept %s", KEY)
    try:
        raise ValueError(f"bad password={KEY}")
    except ValueError:
        ModuleLogger("Settings").exception("failed with X-API-KEY: %s", "h1")

    text = read_logs(logs_dir)
    console = capsys.readouterr().err
    for output in (text, console):
        assert KEY not in output
        assert quote(KEY, safe="") not in output
        assert "w1" not in output and "h1" not in output
        assert '"GET /api/v1/media?api_key=***&page=2 HTTP/1.1" 200' in output
        assert '"WebSocket /ws?api_key=***" [accepted]' in output
        assert "trailarr.Settings: kept ***" in output
        assert "failed with X-API-KEY: ***" in output
        assert "ValueError: bad password=***" in output  # the traceback too


PASSWORD = "correct-horse-battery-staple-42"


@pytest.mark.slow
def test_a_running_server_logs_requests_without_their_secrets(
    tmp_path: Path, server_factory: type[Server]
) -> None:
    data = tmp_path / "server-data"
    data.mkdir()
    # At DEBUG, where the access lines are (tests/test_startup.py: none at INFO).
    server = server_factory(data, tmp_path / "console.log", LOG_LEVEL="DEBUG")
    server.wait_ready()
    key = (data / "api_key").read_text(encoding="utf-8").strip()
    with httpx.Client(base_url=server.base, timeout=HTTP_TIMEOUT) as http:
        assert http.get("/api/v1/media", params={"api_key": key}).status_code == 200
        assert http.get("/api/v1/media", headers={"X-API-KEY": key}).status_code == 200
        wrong = http.get("/api/v1/media", params={"api_key": "wrong-key-also-hidden"})
        assert wrong.status_code == 401
        account = {"username": "ann", "password": PASSWORD}
        setup = http.post("/api/v1/auth/setup", json=account, headers={"X-API-KEY": key})
        assert setup.status_code == 201, setup.text
        assert http.post("/api/v1/auth/login", json=account).status_code == 200
    with ws_connect(f"ws://127.0.0.1:{server.port}/ws?api_key={key}", open_timeout=30) as ws:
        ws.ping().wait(30)  # accepted: a refused socket is closed before it answers
    code, _ = server.terminate()  # flushes and closes the log files
    assert code == 0

    logs = "".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted((data / "logs").rglob("*"))
        if path.is_file()
    )
    console = server.log.read_text(encoding="utf-8", errors="replace")
    for output in (logs, console):
        assert key not in output
        assert PASSWORD not in output
        assert "wrong-key-also-hidden" not in output
        # The requests are still there, with the values hidden.
        assert '"GET /api/v1/media?api_key=*** HTTP/1.1" 200' in output
        assert '"GET /api/v1/media?api_key=*** HTTP/1.1" 401' in output
        assert '"GET /api/v1/media HTTP/1.1" 200' in output
        assert '"POST /api/v1/auth/login HTTP/1.1" 200' in output
        assert '"WebSocket /ws?api_key=***" [accepted]' in output
