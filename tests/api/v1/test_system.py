"""GET /api/v1/system/status: about, health checks and disk space, with real ffmpeg, real
folders and the real database; what fails shows up as a failing check, never as an error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config import get_settings
from core.base import health as health_module
from core.base.database.engine import reset_engine
from core.base.database.manager.connection import ConnectionManager
from core.base.database.manager.root import RootManager
from core.base.database.models.connection import ConnectionCreate
from core.base.health import health
from core.system import status
from tests.conftest import on_postgresql
from tests.utils.api import TEST_API_KEY, media_body
from tests.utils.server import REPO, cli_env
from tests.utils.wait import WAIT_SECONDS

pytestmark = pytest.mark.slow  # the route runs ffmpeg -version and ffprobe -version

STATUS = "/api/v1/system/status"


@pytest.fixture(autouse=True)
def fresh_state() -> Iterator[None]:
    status.program_versions.clear()
    health.reset()
    yield
    status.program_versions.clear()
    health.reset()


def real_version(program: str) -> str:
    """The third word of `<program> -version`'s first line ("ffmpeg version 5.1.9-0 ...")."""
    out = subprocess.run(
        [program, "-version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return out.split()[2]


def read_status(client: TestClient) -> dict[str, Any]:
    response = client.get(STATUS)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def checks(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in answer["health"]}


def disks(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {disk["path"]: disk for disk in answer["disk_space"]}


def test_status_needs_the_api_key(anonymous: TestClient) -> None:
    assert anonymous.get(STATUS).status_code == 401


def test_about_health_and_disk_space(client: TestClient, data_dir: Path) -> None:
    before = datetime.now(UTC)
    answer = read_status(client)

    about = answer["about"]
    settings = get_settings()
    assert about["version"] == client.get("/status").json()["version"]
    assert about["python_version"] == ".".join(map(str, sys.version_info[:3]))
    assert about["platform"]
    assert about["database_engine"] == ("postgresql" if on_postgresql() else "sqlite")
    assert about["database_url"] == settings.db_url_without_password
    password = settings.db_url.partition("://")[2].partition("@")[0].partition(":")[2]
    if password:
        assert password not in about["database_url"]
    assert about["database_size"] > 0
    assert about["data_dir"] == str(data_dir.resolve())
    started = datetime.fromisoformat(about["started_at"])
    assert started <= before
    assert 0 <= about["uptime_seconds"] <= (datetime.now(UTC) - started).total_seconds() + 1
    assert about["ffmpeg_version"] == real_version("ffmpeg")
    assert about["ffprobe_version"] == real_version("ffprobe")
    assert about["ytdlp_version"] == metadata.version("yt-dlp")

    assert [c["name"] for c in answer["health"]] == ["Database", "ffmpeg", "ffprobe", "yt-dlp"]
    assert all(c["ok"] for c in answer["health"]), answer["health"]
    found = checks(answer)
    assert found["ffmpeg"]["message"].startswith(f"ffmpeg {real_version('ffmpeg')} (/")
    assert found["yt-dlp"]["message"].startswith(f"yt-dlp {metadata.version('yt-dlp')}")

    [data] = answer["disk_space"]
    assert (data["path"], data["label"]) == (str(data_dir.resolve()), "Data folder")
    assert data["error"] is None
    assert data["total"] > 0 and 0 <= data["free"] <= data["total"]


def test_a_root_that_is_gone_fails_its_check_and_the_rest_answers(
    client: TestClient, tmp_path: Path
) -> None:
    (tmp_path / "movies").mkdir()
    (tmp_path / "series").mkdir()
    for folder in ("movies", "series"):
        created = client.post("/api/v1/roots", json={"path": str(tmp_path / folder)})
        assert created.status_code == 201, created.text
    answer = read_status(client)
    assert all(c["ok"] for c in answer["health"]), answer["health"]

    (tmp_path / "series").rmdir()  # an unmounted drive
    answer = read_status(client)

    found = checks(answer)
    series = found[f"Library root {tmp_path / 'series'}"]
    assert not series["ok"]
    assert series["message"].startswith(f"{tmp_path / 'series'} does not exist: mount the drive")
    assert "Settings → Library roots" in series["message"]
    assert found[f"Library root {tmp_path / 'movies'}"]["ok"]
    assert found["ffmpeg"]["ok"] and found["Database"]["ok"]

    space = disks(answer)
    gone = space[str(tmp_path / "series")]
    assert (gone["total"], gone["free"]) == (None, None)
    assert gone["error"] == f"{tmp_path / 'series'} does not exist"
    movies = space[str(tmp_path / "movies")]
    assert movies["total"] > 0 and movies["free"] >= 0 and movies["error"] is None
    assert movies["label"] == "Library root"
    assert [d["label"] for d in answer["disk_space"]] == ["Data folder"] + ["Library root"] * 2


def test_a_connection_root_that_is_not_mapped_says_which_connection(
    client: TestClient, tmp_path: Path
) -> None:
    connection = ConnectionManager().create(
        ConnectionCreate(name="My Radarr", arr_type="radarr", url="http://r.local", api_key="k")
    )
    unmapped = str(tmp_path / "as-radarr-sees-it" / "movies")
    RootManager().replace_connection_roots(connection.id, [unmapped])

    answer = read_status(client)

    check = checks(answer)[f"Library root {unmapped}"]
    assert not check["ok"]
    assert "the path mapping of the connection My Radarr" in check["message"]
    assert disks(answer)[unmapped]["label"] == "Library root (My Radarr)"


def test_a_missing_ffmpeg_fails_its_check_and_the_rest_answers(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = str(tmp_path / "bin" / "ffmpeg")
    monkeypatch.setenv("FFMPEG_PATH", missing)
    get_settings.cache_clear()

    answer = read_status(client)

    found = checks(answer)
    assert not found["ffmpeg"]["ok"]
    assert found["ffmpeg"]["message"].startswith(f"{missing} was not found. Trailarr needs")
    assert "FFMPEG_PATH" in found["ffmpeg"]["message"]
    assert found["ffprobe"]["ok"] and found["yt-dlp"]["ok"] and found["Database"]["ok"]
    assert answer["about"]["ffmpeg_version"] is None
    assert answer["about"]["ffprobe_version"] == real_version("ffprobe")


def test_a_database_that_refuses_writes_is_a_failing_check(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health_module, "PROBE_INTERVAL_SECONDS", 3600.0)  # no probe meanwhile
    health.record_write_failure("database or disk is full")
    check = checks(read_status(client))["Database"]
    assert not check["ok"]
    assert check["message"].startswith("The database cannot be written (database or disk is full)")
    health.reset()
    assert checks(read_status(client))["Database"]["ok"]


@pytest.mark.sqlite_only(reason="a read-only SQLite file; a PostgreSQL server keeps its own files")
@pytest.mark.usefixtures("media_root")  # the folder of media_body lies in it
def test_a_really_read_only_database_shows_on_the_status_page(
    client: TestClient, db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health_module, "PROBE_INTERVAL_SECONDS", 0.0)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{db_file}?mode=ro&uri=true")
    reset_engine()
    get_settings.cache_clear()
    assert client.post("/api/v1/media", json=media_body()).status_code == 503

    answer = read_status(client)  # reads still work, and so does the page

    check = checks(answer)["Database"]
    assert not check["ok"]
    assert "attempt to write a readonly database" in check["message"]
    assert "PUID and PGID" in check["message"]
    assert answer["about"]["database_size"] > 0

    monkeypatch.delenv("DATABASE_URL")  # writable again: the next probe succeeds
    reset_engine()
    get_settings.cache_clear()
    assert checks(read_status(client))["Database"]["ok"]


def test_the_route_does_not_import_yt_dlp(data_dir: Path) -> None:
    """yt-dlp's version comes from its metadata: a fresh app answers without loading it."""
    code = (
        "import json, sys\n"
        "from fastapi.testclient import TestClient\n"
        "import main\n"
        "before = 'yt_dlp' in sys.modules\n"
        f"client = TestClient(main.app, headers={{'X-API-KEY': {TEST_API_KEY!r}}})\n"
        f"response = client.get({STATUS!r})\n"
        "version = response.json()['about']['ytdlp_version']\n"
        "print(json.dumps([response.status_code, version, before, 'yt_dlp' in sys.modules]))\n"
    )
    env = cli_env(data_dir, APP_API_KEY=TEST_API_KEY)
    if on_postgresql():
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO / "backend",
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=WAIT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    code_, version, before, after = json.loads(done.stdout.splitlines()[-1])
    assert (code_, version) == (200, metadata.version("yt-dlp"))
    assert (before, after) == (False, False)
