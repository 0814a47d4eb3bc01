"""The `trailarr` command: settings errors, failed and refused upgrades, a real run.

Most tests run the command as a child process, as a user or a container would.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import cli
from core.base.database.migrate import SCRIPT_LOCATION_ENV, revision_state
from tests.conftest import on_postgresql
from tests.utils.db import contents, execute, insert_media, postgresql_url, rows, set_journal_mode
from tests.utils.migrations import (
    FAILING_BODY,
    TEST_REVISION,
    current_revision,
    head,
    script_copy_with_revision,
)
from tests.utils.server import HTTP_TIMEOUT, Server, cli_env, run_cli


@pytest.mark.slow
@pytest.mark.parametrize("port", ["70000", "abc"])
def test_bad_app_port_stops_start_up_with_one_line(tmp_path: Path, port: str) -> None:
    result = run_cli(cli_env(tmp_path / "cli-data", APP_PORT=port))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "APP_PORT" in lines[0]
    assert port in lines[0]
    assert not (tmp_path / "cli-data" / "trailarr.db").exists()


@pytest.mark.slow
def test_unusable_app_data_dir_stops_start_up_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli(cli_env(blocker / "data"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "APP_DATA_DIR" in lines[0]


def child_database(db: Path) -> dict[str, str]:
    """The environment that points a `trailarr` child at the test's database `db`: on
    PostgreSQL its DATABASE_URL (on SQLite the child finds the file in its data folder)."""
    url = postgresql_url(db)
    return {"DATABASE_URL": url} if url is not None else {}


def revision(db: Path) -> str | None:
    """The alembic revision of the test's database `db`."""
    [(version,)] = rows(db, "SELECT version_num FROM alembic_version")
    return str(version)


@pytest.mark.slow
def test_failed_migration_exits_non_zero_and_leaves_the_database_as_it_was(
    tmp_path: Path, data_dir: Path, db_file: Path
) -> None:
    insert_media(db_file, "Untouched")
    if postgresql_url(db_file) is None:
        set_journal_mode(db_file, "wal")
    original = contents(db_file)
    location = script_copy_with_revision(tmp_path, FAILING_BODY)

    env = cli_env(data_dir, **child_database(db_file), **{SCRIPT_LOCATION_ENV: str(location)})
    result = run_cli(env)

    assert result.returncode != 0
    assert "database migration failed: boom from the test migration" in result.stderr
    assert contents(db_file) == original
    assert revision(db_file) == head() != TEST_REVISION
    # The backup taken before it: a copy of the SQLite file, or pg_dump's.
    backup = "*.db" if postgresql_url(db_file) is None else "*.pgdump"
    assert len(list((data_dir / "backups").glob(backup))) == 1


@pytest.mark.usefixtures("restore_logging")
def test_database_at_an_unknown_revision_is_refused(
    db_file: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    execute(db_file, "UPDATE alembic_version SET version_num = 'ffffffffffff'")
    original = contents(db_file)

    code = cli.main([])  # in-process: it returns before serving

    assert code != 0
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("trailarr: the database is at revision ffffffffffff")
    assert "does not know" in message
    assert contents(db_file) == original
    assert not (data_dir / "backups").exists()


@pytest.mark.slow
def test_real_start_serves_stops_on_sigterm_and_keeps_data_on_restart(
    tmp_path: Path, server_factory: type[Server], request: pytest.FixtureRequest
) -> None:
    data = tmp_path / "empty-data"
    data.mkdir()
    # On PostgreSQL, an empty database of its own (no tables yet).
    env = {"DATABASE_URL": request.getfixturevalue("empty_postgres_url")} if on_postgresql() else {}

    first = server_factory(data, tmp_path / "first.log", **env)
    first.wait_ready()
    if env:
        assert revision_state(env["DATABASE_URL"]).current == head()
        assert not (data / "trailarr.db").exists()  # no SQLite file beside PostgreSQL
    else:
        assert current_revision(data / "trailarr.db") == head()
    key = (data / "api_key").read_text().strip()
    assert key
    status = httpx.get(f"{first.base}/status", timeout=HTTP_TIMEOUT)
    assert status.json()["status"] == "ok"
    docs = httpx.get(f"{first.base}/docs", timeout=HTTP_TIMEOUT)
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert httpx.get(f"{first.base}/api/v1/media", timeout=HTTP_TIMEOUT).status_code == 401
    headers = {"X-API-KEY": key}
    library = tmp_path / "library"
    library.mkdir()
    root = httpx.post(
        f"{first.base}/api/v1/roots",
        json={"path": str(library)},
        headers=headers,
        timeout=HTTP_TIMEOUT,
    )
    assert root.status_code == 201, root.text
    created = httpx.post(
        f"{first.base}/api/v1/media",
        json={
            "title": "Survivor",
            "year": 2021,
            "is_movie": True,
            "folder_path": str(library / "Survivor (2021)"),
        },
        headers=headers,
        timeout=HTTP_TIMEOUT,
    )
    assert created.status_code == 201, created.text
    profiles = httpx.get(
        f"{first.base}/api/v1/trailerprofiles", headers=headers, timeout=HTTP_TIMEOUT
    )
    assert [p["name"] for p in profiles.json()] == ["Default"]
    code, took = first.terminate()
    assert code == 0, first.log.read_text(errors="replace")
    assert took < 60  # it stops on its own, well before it would be killed
    assert (data / "logs" / "trailarr.log").stat().st_size > 0

    second = server_factory(data, tmp_path / "second.log", **env)
    second.wait_ready()
    media = httpx.get(
        f"{second.base}/api/v1/media/{created.json()['id']}", headers=headers, timeout=HTTP_TIMEOUT
    )
    assert media.status_code == 200
    assert media.json()["title"] == "Survivor"
    profiles = httpx.get(
        f"{second.base}/api/v1/trailerprofiles", headers=headers, timeout=HTTP_TIMEOUT
    )
    assert [p["name"] for p in profiles.json()] == ["Default"]
    code, _ = second.terminate()
    assert code == 0
    assert not (data / "backups").exists()  # never pending: a new database, then at head


@pytest.mark.slow
def test_real_start_offers_a_setup_token(
    tmp_path: Path, server_factory: type[Server], db_file: Path
) -> None:
    """Only the owner, who can read the log or the data folder, can make the account."""
    data = tmp_path / "server-data"
    data.mkdir()
    server = server_factory(data, tmp_path / "server.log", **child_database(db_file))
    server.wait_ready()
    token_file = data / "setup_token"
    token = token_file.read_text().strip()
    assert token_file.stat().st_mode & 0o777 == 0o600
    line = (
        f"First-run setup: open http://127.0.0.1:{server.port}/ and enter the setup token "
        f"{token} (also in {token_file})"
    )
    assert line in server.log.read_text(errors="replace")
    assert line in (data / "logs" / "trailarr.log").read_text(errors="replace")

    setup = f"{server.base}/api/v1/auth/setup"
    body = {"username": "admin", "password": "long enough"}
    refused = httpx.post(setup, json=body, timeout=HTTP_TIMEOUT)
    assert refused.status_code == 403
    made = httpx.post(setup, json=body | {"setup_token": token}, timeout=HTTP_TIMEOUT)
    assert made.status_code == 201, made.text
    assert not token_file.exists()
    code, _ = server.terminate()
    assert code == 0


@pytest.mark.slow
def test_real_start_leaves_x_forwarded_for_to_the_app(
    tmp_path: Path, server_factory: type[Server], db_file: Path
) -> None:
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 by default: it must not rewrite the peer."""
    from core.auth.throttle import MAX_FAILURES

    data = tmp_path / "server-data"
    data.mkdir()
    server = server_factory(data, tmp_path / "server.log", **child_database(db_file))
    server.wait_ready()
    key = {"X-API-KEY": (data / "api_key").read_text().strip()}
    body = {"username": "admin", "password": "long enough"}
    made = httpx.post(
        f"{server.base}/api/v1/auth/setup", json=body, headers=key, timeout=HTTP_TIMEOUT
    )
    assert made.status_code == 201, made.text

    login = f"{server.base}/api/v1/auth/login"
    wrong = body | {"password": "guessing"}
    for n in range(MAX_FAILURES):
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert (
            httpx.post(login, json=wrong, headers=headers, timeout=HTTP_TIMEOUT).status_code == 401
        )
    escaped = [
        httpx.post(
            login, json=body, headers={"X-Forwarded-For": f"198.51.100.{n}"}, timeout=HTTP_TIMEOUT
        ).status_code
        for n in range(12)
    ]
    assert escaped == [429] * 12
    code, _ = server.terminate()
    assert code == 0
