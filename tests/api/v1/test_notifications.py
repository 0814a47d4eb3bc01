"""The notification routes: Apprise URLs saved masked, refused when not understood, tested."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app_logger import RedactSecrets
from config import get_settings
from core.base.database.manager.notification import NotificationTargetManager
from core.notify.bus import ConnectEvent, ConnectEventKind
from core.notify.bus import bus as connect_bus
from tests.utils.api import TEST_API_KEY, assert_4xx
from tests.utils.net import free_port
from tests.utils.notify_receiver import NotifyReceiver
from tests.utils.wait import wait_until

SECRET = "hunter2-but-longer"
READ_FIELDS = {"id", "name", "url", "enabled", "events", "added_at", "updated_at"}


@pytest.fixture
def quick_batches(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's dispatcher closes a batch after a short quiet time (set before it starts)."""
    monkeypatch.setenv("NOTIFY_BATCH_SECONDS", "0.3")
    get_settings.cache_clear()


@pytest.fixture
def api(quick_batches: None, client: TestClient) -> Iterator[TestClient]:
    yield client


def body(url: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Webhook", "url": url, "events": ["downloaded"]}
    data.update(overrides)
    return data


def stored_url(target_id: int) -> str:
    return NotificationTargetManager().read(target_id).url


def secret_url(receiver: NotifyReceiver, path: str = "/hook") -> str:
    return receiver.url(path, user="trailarr", password=SECRET)


def dead_url() -> str:
    return f"json://trailarr:{SECRET}@127.0.0.1:{free_port()}/gone"


# Saved targets: no test message is sent, so no receiver is needed ---------------------------


def test_create_answers_the_target_with_its_url_masked(api: TestClient) -> None:
    url = f"json://trailarr:{SECRET}@127.0.0.1:8080/hook"
    response = api.post(
        "/api/v1/notifications",
        json=body(url, events=["task_failed", "downloaded", "downloaded"], enabled=False),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == READ_FIELDS
    assert created["name"] == "Webhook"
    assert created["enabled"] is False
    assert created["events"] == ["downloaded", "task_failed"]
    assert created["url"].startswith("json://trailarr:****@127.0.0.1:8080/hook")
    assert stored_url(created["id"]) == url

    listed = api.get("/api/v1/notifications")
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()] == [created["id"]]
    assert listed.json()[0]["url"] == created["url"]
    assert api.get(f"/api/v1/notifications/{created['id']}").json()["url"] == created["url"]
    assert SECRET not in response.text + listed.text


def test_enabled_defaults_to_true_and_every_event_can_be_chosen(api: TestClient) -> None:
    events = ["downloaded", "download_failed", "trailer_missing", "task_failed", "health"]
    created = api.post("/api/v1/notifications", json=body("json://127.0.0.1:8080/x", events=events))
    assert created.status_code == 201, created.text
    assert created.json()["enabled"] is True
    assert created.json()["events"] == events


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"nosuchservice://{SECRET}@example", "nosuchservice://"),
        ("json://", "JSON"),
        (f"just text {SECRET}", "Not an Apprise URL"),
    ],
)
def test_a_url_apprise_does_not_understand_is_a_422_that_says_so(
    api: TestClient, url: str, says: str
) -> None:
    detail = assert_4xx(api.post("/api/v1/notifications", json=body(url)), 422)
    assert says in detail
    assert SECRET not in detail
    assert api.get("/api/v1/notifications").json() == []


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": "x" * 201},
        {"url": "json://h/" + "x" * 4096},
        {"events": ["trailer_deleted"]},
        {"events": None},
    ],
)
def test_invalid_fields_are_a_422(api: TestClient, bad: dict[str, Any]) -> None:
    assert_4xx(api.post("/api/v1/notifications", json={**body("json://h:1/x"), **bad}), 422)
    assert api.get("/api/v1/notifications").json() == []


def test_a_patch_with_the_masked_url_keeps_the_stored_one(api: TestClient) -> None:
    url = f"json://trailarr:{SECRET}@127.0.0.1:8080/hook"
    created = api.post("/api/v1/notifications", json=body(url)).json()
    answer = api.patch(
        f"/api/v1/notifications/{created['id']}",
        json={"name": "Renamed", "url": created["url"], "events": ["health"]},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == "Renamed"
    assert answer.json()["events"] == ["health"]
    assert answer.json()["url"] == created["url"]
    assert answer.json()["updated_at"] >= created["updated_at"]
    assert stored_url(created["id"]) == url


def test_a_patch_with_a_new_url_replaces_it_once_understood(api: TestClient) -> None:
    created = api.post("/api/v1/notifications", json=body("json://127.0.0.1:8080/a")).json()
    path = f"/api/v1/notifications/{created['id']}"
    assert_4xx(api.patch(path, json={"url": "nosuchservice://x"}), 422)
    assert stored_url(created["id"]) == "json://127.0.0.1:8080/a"

    replaced = api.patch(path, json={"url": f"json://u:{SECRET}@127.0.0.1:9090/b"})
    assert replaced.status_code == 200, replaced.text
    assert stored_url(created["id"]) == f"json://u:{SECRET}@127.0.0.1:9090/b"
    assert SECRET not in replaced.text
    only_enabled = api.patch(path, json={"enabled": False})
    assert only_enabled.json()["enabled"] is False
    assert only_enabled.json()["events"] == ["downloaded"]


def test_delete_removes_the_target(api: TestClient) -> None:
    created = api.post("/api/v1/notifications", json=body("json://127.0.0.1:8080/a")).json()
    assert api.delete(f"/api/v1/notifications/{created['id']}").status_code == 204
    assert api.get("/api/v1/notifications").json() == []
    assert_4xx(api.get(f"/api/v1/notifications/{created['id']}"), 404)
    assert_4xx(api.delete(f"/api/v1/notifications/{created['id']}"), 404)
    assert_4xx(api.patch(f"/api/v1/notifications/{created['id']}", json={}), 404)


def test_saved_urls_never_reach_the_logs(api: TestClient) -> None:
    url = f"json://trailarr:{SECRET}@127.0.0.1:8080/hook"
    api.post("/api/v1/notifications", json=body(url))
    line = RedactSecrets().redact(f"sending to {url}; the password is {SECRET}")
    assert SECRET not in line
    assert url not in line


def test_every_route_needs_the_api_key(anonymous: TestClient) -> None:
    for method, path in [
        ("GET", "/api/v1/notifications"),
        ("POST", "/api/v1/notifications"),
        ("PATCH", "/api/v1/notifications/1"),
        ("DELETE", "/api/v1/notifications/1"),
        ("POST", "/api/v1/notifications/test"),
        ("POST", "/api/v1/notifications/1/test"),
    ]:
        assert anonymous.request(method, path, json=body("json://h:1/x")).status_code == 401


# Test messages and events: a real local receiver -------------------------------------------


@pytest.mark.slow
def test_a_test_message_arrives(api: TestClient, notify_receiver: NotifyReceiver) -> None:
    answer = api.post("/api/v1/notifications/test", json=body(secret_url(notify_receiver)))
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "error": None}
    [post] = notify_receiver.wait_for(1, "/hook")
    assert post["title"] == "Trailarr test notification"
    assert post["authorized"] is True
    assert api.get("/api/v1/notifications").json() == []  # a test saves nothing


@pytest.mark.slow
def test_a_test_of_a_dead_or_unknown_target_is_ok_false_with_the_reason(
    api: TestClient,
) -> None:
    dead = api.post("/api/v1/notifications/test", json=body(dead_url()))
    assert dead.status_code == 200
    assert dead.json()["ok"] is False
    assert "127.0.0.1" in dead.json()["error"]
    unknown = api.post("/api/v1/notifications/test", json=body(f"nosuch://{SECRET}"))
    assert unknown.status_code == 200
    assert unknown.json()["ok"] is False
    assert "nosuch://" in unknown.json()["error"]
    assert SECRET not in dead.text + unknown.text


@pytest.mark.slow
def test_a_saved_target_is_tested_with_its_stored_url(
    api: TestClient, notify_receiver: NotifyReceiver
) -> None:
    created = api.post(
        "/api/v1/notifications", json=body(secret_url(notify_receiver, "/saved"))
    ).json()
    path = f"/api/v1/notifications/{created['id']}/test"

    assert api.post(path).json() == {"ok": True, "error": None}  # no body
    masked = api.post(path, json={"url": created["url"]})  # the form's masked URL
    assert masked.json() == {"ok": True, "error": None}
    [first, second] = notify_receiver.wait_for(2, "/saved")
    assert first["authorized"] is True and second["authorized"] is True

    edited = api.post(path, json={"url": notify_receiver.url("/edited")})  # not saved yet
    assert edited.json() == {"ok": True, "error": None}
    notify_receiver.wait_for(1, "/edited")
    assert stored_url(created["id"]) == secret_url(notify_receiver, "/saved")
    assert_4xx(api.post("/api/v1/notifications/999/test"), 404)


@pytest.mark.slow
def test_the_app_sends_bus_events_to_its_targets(
    api: TestClient, notify_receiver: NotifyReceiver
) -> None:
    api.post("/api/v1/notifications", json=body(notify_receiver.url("/events")))
    connect_bus.publish(
        ConnectEvent(
            kind=ConnectEventKind.DOWNLOADED,
            message="Trailer downloaded for Alien (1979)",
            media_id=1,
            media_title="Alien (1979)",
        )
    )
    [post] = notify_receiver.wait_for(1, "/events")
    assert (post["title"], post["message"]) == (
        "Trailer downloaded",
        "Trailer downloaded for Alien (1979)",
    )


def test_stored_urls_are_hidden_from_the_logs_from_the_start(data_dir: Path) -> None:
    from core.base.database.models.notification import (
        NotificationEvent,
        NotificationTargetCreate,
    )
    from main import app

    secret = f"never-seen-{uuid.uuid4().hex}"
    url = f"json://trailarr:{secret}@127.0.0.1:8080/hook"
    NotificationTargetManager().create(
        NotificationTargetCreate(name="Stored", url=url, events=[NotificationEvent.HEALTH])
    )
    redact = RedactSecrets().redact
    assert secret in redact(f"password {secret}")  # saved behind the app's back: not known yet
    with TestClient(app, headers={"X-API-KEY": TEST_API_KEY}):
        wait_until(lambda: secret not in redact(f"password {secret}"), "the secret remembered")
    assert secret not in redact(f"posting to {url}")
