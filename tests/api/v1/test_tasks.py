"""The task routes and the runner: start, state, one run at a time, start-up reconciliation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.base.database.manager.base import MediaDatabaseManager
from core.history.fingerprint import file_fingerprint
from core.history.reconcile import StopRequested
from core.tasks.registry import task_runner
from tests.utils.api import TEST_API_KEY
from tests.utils.db import rows
from tests.utils.factories import make_download, make_media
from tests.utils.wait import WAIT_SECONDS, wait_until

TASKS = "/api/v1/tasks"


def wait_idle(client: TestClient, name: str) -> dict[str, Any]:
    """The task's state once it is not running."""

    def idle_state() -> dict[str, Any] | None:
        state: dict[str, Any] = client.get(f"{TASKS}/{name}").json()
        return None if state["running"] else state

    return wait_until(idle_state, f"the end of task {name}", interval=0.02)


class Gate:
    """A task function that runs until the test opens the gate (or the app stops)."""

    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.result = result
        self.error = error

    def __call__(self, stop: threading.Event) -> Any:
        self.entered.set()
        while not self.opened.wait(0.02):
            if stop.is_set():
                raise StopRequested("stopped")
        if self.error is not None:
            raise self.error
        return self.result


def test_tasks_are_listed(client: TestClient) -> None:
    response = client.get(TASKS)
    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == [
        "reconcile",
        "backfill",
        "sync",
        "download_missing",
        "cleanup",
        "backup",
    ]
    assert set(response.json()[0]) == {
        "name",
        "description",
        "enabled",
        "interval_minutes",
        "running",
        "last_started_at",
        "last_finished_at",
        "last_duration_s",
        "next_run_at",
        "last_summary",
        "last_error",
    }
    by_name = {t["name"]: t for t in response.json()}
    assert by_name["sync"]["interval_minutes"] == 60
    assert by_name["reconcile"]["interval_minutes"] == 60
    assert by_name["backfill"]["interval_minutes"] == 24 * 60
    assert by_name["cleanup"]["interval_minutes"] == 24 * 60
    for state in by_name.values():
        assert state["enabled"] is True
        assert datetime.fromisoformat(state["next_run_at"]) > datetime.now(UTC)


def test_a_schedule_change_is_applied_and_survives_a_restart(data_dir: Path, db_file: Path) -> None:
    from main import app

    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as client:
        off = client.patch(f"{TASKS}/backfill", json={"enabled": False})
        assert off.status_code == 200, off.text
        assert off.json()["enabled"] is False and off.json()["next_run_at"] is None
        changed = client.patch(f"{TASKS}/sync", json={"interval_minutes": 180})
        assert changed.json()["interval_minutes"] == 180
        due = datetime.fromisoformat(changed.json()["next_run_at"]) - datetime.now(UTC)
        assert timedelta(minutes=179) < due <= timedelta(minutes=180)
    schedule = "SELECT name, enabled, interval_minutes FROM scheduledtask ORDER BY id"
    assert rows(db_file, schedule) == [
        ("reconcile", True, 60),
        ("backfill", False, 1440),
        ("sync", True, 180),
        ("download_missing", True, 60),
        ("cleanup", True, 1440),
        ("backup", True, 7 * 1440),
    ]

    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as client:
        tasks = {t["name"]: t for t in client.get(TASKS).json()}
        assert tasks["backfill"]["enabled"] is False and tasks["backfill"]["next_run_at"] is None
        assert tasks["sync"]["interval_minutes"] == 180
        assert tasks["sync"]["next_run_at"] is not None
        # Reconcile ran at this start and at the one before: its last run is on record.
        wait_idle(client, "reconcile")
        [(started, finished, duration)] = rows(
            db_file,
            "SELECT last_started_at, last_finished_at, last_duration_s FROM scheduledtask"
            " WHERE name = 'reconcile'",
        )
        assert started is not None and finished is not None and duration >= 0
        again = client.patch(f"{TASKS}/backfill", json={"enabled": True})
        assert again.json()["next_run_at"] is not None


def test_a_bad_schedule_is_refused_with_the_reason(client: TestClient) -> None:
    for body in ({"interval_minutes": 1}, {"interval_minutes": 60 * 24 * 31}, {"enabled": "x"}):
        answer = client.patch(f"{TASKS}/sync", json=body)
        assert answer.status_code == 422, body
    too_short = client.patch(f"{TASKS}/sync", json={"interval_minutes": 1})
    assert "interval_minutes" in str(too_short.json()["detail"])
    assert client.patch(f"{TASKS}/defrag", json={"enabled": False}).status_code == 404
    assert client.get(f"{TASKS}/sync").json()["interval_minutes"] == 60


def test_start_shows_running_then_the_summary(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(result={"recorded": 7})
    monkeypatch.setitem(task_runner.registry, "backfill", gate)
    before = datetime.now(UTC)

    started = client.post(f"{TASKS}/backfill")

    assert started.status_code == 202
    assert started.json()["running"] is True
    assert datetime.fromisoformat(started.json()["last_started_at"]) >= before
    assert gate.entered.wait(WAIT_SECONDS)
    assert client.get(f"{TASKS}/backfill").json()["running"] is True
    conflict = client.post(f"{TASKS}/backfill")
    assert conflict.status_code == 409
    assert "already running" in conflict.json()["detail"]

    gate.opened.set()
    state = wait_idle(client, "backfill")

    assert state["last_summary"] == {"recorded": 7}
    assert state["last_error"] is None
    finished = datetime.fromisoformat(state["last_finished_at"])
    assert finished >= datetime.fromisoformat(state["last_started_at"])
    assert finished.tzinfo is not None
    assert client.post(f"{TASKS}/backfill").status_code == 202  # free again
    wait_idle(client, "backfill")


def test_a_failing_task_keeps_its_error_and_the_app_goes_on(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(error=ValueError("disk on fire"))
    gate.opened.set()
    monkeypatch.setitem(task_runner.registry, "backfill", gate)

    assert client.post(f"{TASKS}/backfill").status_code == 202
    state = wait_idle(client, "backfill")

    assert state["last_error"] == "ValueError: disk on fire"
    assert state["last_summary"] is None
    assert client.get("/status").status_code == 200


def test_unknown_task_is_404(client: TestClient) -> None:
    for response in (client.get(f"{TASKS}/defrag"), client.post(f"{TASKS}/defrag")):
        assert response.status_code == 404
        assert "reconcile" in response.json()["detail"]


def test_tasks_need_the_api_key(client: TestClient) -> None:
    assert client.post(f"{TASKS}/reconcile", headers={"X-API-KEY": "wrong"}).status_code == 401
    assert client.get(TASKS, headers={"X-API-KEY": ""}).status_code == 401


def test_the_app_start_runs_a_reconciliation(data_dir: Path, tmp_path: Path) -> None:
    from main import app

    folder = tmp_path / "Movie"
    (folder / "Trailers").mkdir(parents=True)
    (folder / "movie.mkv").write_bytes(b"movie")
    trailer = folder / "Trailers" / "t.mkv"
    trailer.write_bytes(b"trailer" * 1000)
    media = make_media(folder)
    make_download(media.id, path=str(trailer), fingerprint=file_fingerprint(trailer))
    trailer.unlink()
    before = datetime.now(UTC)

    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as client:
        state = wait_idle(client, "reconcile")

    assert datetime.fromisoformat(state["last_started_at"]) >= before
    assert state["last_error"] is None
    assert state["last_summary"]["checked"] == 1
    assert state["last_summary"]["missing"] == 1
    [record] = MediaDatabaseManager().read_downloads(media.id)
    assert record.file_exists is False


def test_wait_returns_once_the_run_has_ended(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(result={"done": 1})
    monkeypatch.setitem(task_runner.registry, "backfill", gate)
    assert client.post(f"{TASKS}/backfill").status_code == 202
    assert gate.entered.wait(WAIT_SECONDS)
    threading.Timer(0.2, gate.opened.set).start()

    assert client.portal is not None
    state = client.portal.call(task_runner.wait, "backfill")

    assert state.running is False and state.last_summary == {"done": 1}


def test_a_real_reconciliation_through_the_api(client: TestClient, tmp_path: Path) -> None:
    wait_idle(client, "reconcile")  # the one the start-up began
    folder = tmp_path / "Movie"
    (folder / "Trailers").mkdir(parents=True)
    (folder / "movie.mkv").write_bytes(b"movie")
    trailer = folder / "Trailers" / "t.mkv"
    trailer.write_bytes(b"trailer" * 1000)
    media = make_media(folder)
    make_download(media.id, path=str(trailer), fingerprint=file_fingerprint(trailer))
    trailer.rename(folder / "Trailers" / "renamed.mkv")

    assert client.post(f"{TASKS}/reconcile").status_code == 202
    state = wait_idle(client, "reconcile")

    assert state["last_summary"]["renamed"] == 1
    [record] = MediaDatabaseManager().read_downloads(media.id)
    assert record.file_name == "renamed.mkv"


def test_shutdown_stops_a_running_task(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    from main import app

    gate = Gate(result="never")
    monkeypatch.setitem(task_runner.registry, "backfill", gate)
    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}) as client:
        assert client.post(f"{TASKS}/backfill").status_code == 202
        assert gate.entered.wait(WAIT_SECONDS)
    # The app has stopped: the task was asked to stop and has ended.
    state = task_runner.state("backfill")
    assert state.running is False
    assert state.last_error is not None and "Stopped" in state.last_error
    assert state.last_summary is None
