"""Connection routes that talk to Radarr/Sonarr: test, save, root folders, refresh, the sync
task; and the API key, never shown in full."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app_logger import ModuleLogger, configure_logging
from config import get_settings
from core.arr import client as arr_client
from tests.api.v1.test_connections import connection_body
from tests.utils.arr_standin import ArrStandIn
from tests.utils.db import rows
from tests.utils.net import free_port
from tests.utils.wait import wait_until

pytestmark = pytest.mark.slow

CONNECTIONS = "/api/v1/connections"


def body(standin: ArrStandIn, **overrides: Any) -> dict[str, Any]:
    mapping = [{"path_from": standin.roots[0], "path_to": f"/media{standin.roots[0]}"}]
    fields: dict[str, Any] = {
        "arr_type": standin.app,
        "path_mappings": mapping,
        "monitor": "sync",
    }
    return connection_body(standin, **(fields | overrides))


def test_the_test_route_answers_ok_with_name_and_version(
    client: TestClient, arr_standin: type[ArrStandIn]
) -> None:
    radarr = arr_standin("radarr")
    answer = client.post(f"{CONNECTIONS}/test", json=body(radarr))
    assert answer.status_code == 200
    assert answer.json() == {
        "ok": True,
        "app_name": "Radarr",
        "version": "5.14.0.9383",
        "error": None,
    }


def test_the_test_route_gives_the_reason_never_a_5xx(
    client: TestClient, arr_standin: type[ArrStandIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    radarr = arr_standin("radarr")
    slow = arr_standin("radarr")
    slow.latency = 5.0
    monkeypatch.setattr(arr_client, "STATUS_TIMEOUT", 0.2)
    cases = {
        "Cannot reach": connection_body(url=f"http://127.0.0.1:{free_port()}"),
        "wrong API key": body(radarr, api_key="wrong-key-000000"),
        "This is Radarr, not Sonarr": body(radarr, arr_type="sonarr"),
        "in time": body(slow),
    }
    for reason, sent in cases.items():
        answer = client.post(f"{CONNECTIONS}/test", json=sent)
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert result["ok"] is False and reason in result["error"], (reason, result)


def test_saving_tests_the_connection(
    client: TestClient, arr_standin: type[ArrStandIn], db_file: Path
) -> None:
    radarr = arr_standin("radarr")
    refused = client.post(CONNECTIONS, json=body(radarr, api_key="wrong-key-000000"))
    assert refused.status_code == 422
    assert "wrong API key" in refused.json()["detail"]
    assert rows(db_file, "SELECT count(*) FROM connection") == [(0,)]
    saved = client.post(CONNECTIONS, json=body(radarr)).json()
    changed = client.patch(f"{CONNECTIONS}/{saved['id']}", json={"arr_type": "sonarr"})
    assert changed.status_code == 422 and "not Sonarr" in changed.json()["detail"]
    # Only the name: the app is not asked (it may be down meanwhile).
    radarr.latency = 0.0
    radarr.close()
    renamed = client.patch(f"{CONNECTIONS}/{saved['id']}", json={"name": "Films"})
    assert renamed.status_code == 200


def test_the_api_key_is_masked_and_a_masked_key_sent_back_keeps_it(
    client: TestClient,
    arr_standin: type[ArrStandIn],
    db_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    radarr = arr_standin("radarr")
    created = client.post(CONNECTIONS, json=body(radarr)).json()
    cid = created["id"]
    assert created["api_key"] == "********" + radarr.api_key[-4:]
    for shown in (client.get(f"{CONNECTIONS}/{cid}").json(), client.get(CONNECTIONS).json()[0]):
        assert shown["api_key"] == created["api_key"]
    updated = client.put(
        f"{CONNECTIONS}/{cid}", json={"api_key": created["api_key"], "name": "Again"}
    )
    assert updated.status_code == 200, updated.text
    assert rows(db_file, "SELECT api_key FROM connection") == [(radarr.api_key,)]
    assert client.post(f"{CONNECTIONS}/{cid}/refresh").status_code == 202
    assert radarr.api_key not in caplog.text
    assert radarr.api_key not in client.get("/openapi.json").text


@pytest.mark.usefixtures("restore_logging")
def test_connection_keys_never_reach_the_log_files(
    client: TestClient, arr_standin: type[ArrStandIn], tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    configure_logging("INFO", logs)
    radarr = arr_standin("radarr")
    tried = "an-unsaved-key-tried-0123"
    assert client.post(f"{CONNECTIONS}/test", json=body(radarr, api_key=tried)).status_code == 200
    assert client.post(CONNECTIONS, json=body(radarr)).status_code == 201
    # Any line that carries a key, however it got there (an app's error text, a URL...).
    log = ModuleLogger("Connections")
    log.warning(f"Radarr said: bad request for key {radarr.api_key}")
    log.error(f"GET {radarr.url}/api/v3/movie/{tried}/x failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (logs / "trailarr.log").read_text(encoding="utf-8")
    assert "Radarr said: bad request for key ***" in text
    assert "/api/v3/movie/***/x failed" in text
    assert radarr.api_key not in text and tried not in text


def test_root_folders_with_their_mapped_paths(
    client: TestClient, arr_standin: type[ArrStandIn]
) -> None:
    radarr = arr_standin("radarr", root="/movies")
    radarr.roots.append("/movies-4k")  # not inside /movies: no mapping applies
    sent = body(radarr)
    sent["path_mappings"] = [
        {"path_from": "/movies", "path_to": "/media/movies"},
        {"path_from": "/", "path_to": "/mnt"},
    ]
    cid = client.post(CONNECTIONS, json=sent).json()["id"]
    answer = client.get(f"{CONNECTIONS}/{cid}/rootfolders")
    assert answer.status_code == 200
    assert answer.json() == [
        {
            "path": "/movies",
            "mapped_path": "/media/movies",
            "accessible": True,
            "free_space": 512_000_000_000,
        },
        {
            "path": "/movies-4k",
            "mapped_path": "/mnt/movies-4k",
            "accessible": True,
            "free_space": 512_000_000_000,
        },
    ]
    radarr.close()
    failed = client.get(f"{CONNECTIONS}/{cid}/rootfolders")
    assert failed.status_code == 502 and "Cannot reach" in failed.json()["detail"]


def test_refresh_syncs_in_the_background_and_409_while_it_runs(
    client: TestClient, arr_standin: type[ArrStandIn]
) -> None:
    radarr = arr_standin("radarr", items=3)
    cid = client.post(CONNECTIONS, json=body(radarr)).json()["id"]
    radarr.latency = 1.0
    started = client.post(f"{CONNECTIONS}/{cid}/refresh")
    assert started.status_code == 202
    assert client.post(f"{CONNECTIONS}/{cid}/refresh").status_code == 409
    media = wait_until(
        lambda: client.get("/api/v1/media").json()["total"] == 3 and client,
        "the refresh",
    )
    assert media
    titles = sorted(m["title"] for m in client.get("/api/v1/media").json()["records"])
    assert titles == ["Big Buck Bunny", "Sintel", "Tears of Steel"]
    assert client.post(f"{CONNECTIONS}/999999/refresh").status_code == 404


def test_the_sync_task_syncs_every_connection(
    client: TestClient, arr_standin: type[ArrStandIn]
) -> None:
    radarr = arr_standin("radarr", items=2)
    sonarr = arr_standin("sonarr", root="/tv", items=1)
    client.post(CONNECTIONS, json=body(radarr))
    client.post(CONNECTIONS, json=body(sonarr, name="Sonarr"))
    assert client.post("/api/v1/tasks/sync").status_code == 202

    def finished() -> dict[str, Any] | None:
        state: dict[str, Any] = client.get("/api/v1/tasks/sync").json()
        return None if state["running"] or state["last_finished_at"] is None else state

    state = wait_until(finished, "the sync task")
    assert state["last_error"] is None, state
    summary = state["last_summary"]
    assert [c["added"] for c in summary["connections"]["connections"]] == [2, 1]
    assert "local" in summary
    assert client.get("/api/v1/media").json()["total"] == 3


@pytest.mark.parametrize("how", ["refresh", "sync task"])
def test_media_a_sync_brings_in_start_the_engine(
    client: TestClient,
    arr_standin: type[ArrStandIn],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    """With DOWNLOAD_ON_MONITOR, a new user connects Radarr with a monitor mode and the
    engine starts without a click. (No profile is enabled here: the run itself has nothing
    to fetch, so the stand-in's YouTube ids are never tried.)"""
    monkeypatch.setenv("DOWNLOAD_ON_MONITOR", "true")
    get_settings.cache_clear()
    for profile in client.get("/api/v1/trailerprofiles").json():
        client.patch(f"/api/v1/trailerprofiles/{profile['id']}", json={"enabled": False})
    before = client.get("/api/v1/tasks/download_missing").json()["last_started_at"]
    radarr = arr_standin("radarr", items=2)
    cid = client.post(CONNECTIONS, json=body(radarr, monitor="missing")).json()["id"]

    if how == "refresh":
        assert client.post(f"{CONNECTIONS}/{cid}/refresh").status_code == 202
    else:
        assert client.post("/api/v1/tasks/sync").status_code == 202

    started = wait_until(
        lambda: (
            (at := client.get("/api/v1/tasks/download_missing").json()["last_started_at"]) != before
            and at
        ),
        "the engine's start",
    )
    assert started
    monitored = [m["monitor"] for m in client.get("/api/v1/media").json()["records"]]
    assert monitored == [True, True]
