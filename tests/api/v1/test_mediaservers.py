"""The media server routes: saved servers with masked tokens and path mappings, the test
buttons, and the app's refresher rescanning a folder after a download event."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.v1.connections import mask_api_key
from app_logger import RedactSecrets
from core.base.database.manager.mediaserver import MediaServerManager
from core.base.database.models.mediaserver import MediaServerCreate
from core.notify.bus import ConnectEvent, ConnectEventKind
from core.notify.bus import bus as connect_bus
from core.notify.refresh import media_server_refresher
from tests.utils.api import assert_4xx
from tests.utils.mediaserver_standin import DEFAULT_TOKEN, VERSIONS, MediaServerStandIn
from tests.utils.net import free_port

URL = "/api/v1/mediaservers"


@pytest.fixture(autouse=True)
def short_refresh_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's refresher waits a fraction of a second for more events of a folder."""
    monkeypatch.setenv("MEDIA_SERVER_REFRESH_DELAY_SECONDS", "0.2")


FIELDS = {
    "id",
    "name",
    "kind",
    "url",
    "token",
    "enabled",
    "path_mappings",
    "added_at",
    "updated_at",
}


def body(**overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "name": "Living room",
        "kind": "plex",
        "url": "http://plex.local:32400/",
        "token": f"secret-{uuid.uuid4().hex}",
        "path_mappings": [{"path_from": "/data/movies", "path_to": "/mnt/movies"}],
    }
    value.update(overrides)
    return value


def test_create_list_read_update_delete_with_the_token_masked(client: TestClient) -> None:
    sent = body()
    token = sent["token"]
    created = client.post(URL, json=sent)
    assert created.status_code == 201, created.text
    server = created.json()
    assert set(server) == FIELDS
    assert server["token"] == mask_api_key(token) == "********" + token[-4:]
    assert server["url"] == "http://plex.local:32400"  # no trailing slash
    assert server["enabled"] is True
    assert [set(m) for m in server["path_mappings"]] == [{"id", "path_from", "path_to"}]
    assert server["path_mappings"][0]["path_from"] == "/data/movies"

    listed = client.get(URL)
    assert [s["id"] for s in listed.json()] == [server["id"]]
    one = client.get(f"{URL}/{server['id']}")
    for answer in (created, listed, one):
        assert token not in answer.text

    # The masked form sent back keeps the stored token; mappings sent replace the old ones.
    patched = client.patch(
        f"{URL}/{server['id']}",
        json={
            "token": server["token"],
            "enabled": False,
            "path_mappings": [
                {"path_from": "/data/tv", "path_to": "/mnt/tv"},
                {"path_from": "/data", "path_to": "/mnt"},
            ],
        },
    )
    assert patched.status_code == 200, patched.text
    assert token not in patched.text
    updated = patched.json()
    assert updated["enabled"] is False and updated["name"] == "Living room"
    assert [(m["path_from"], m["path_to"]) for m in updated["path_mappings"]] == [
        ("/data/tv", "/mnt/tv"),
        ("/data", "/mnt"),
    ]
    assert MediaServerManager().read(server["id"]).token == token

    # A new token replaces it.
    new_token = f"other-{uuid.uuid4().hex}"
    client.patch(f"{URL}/{server['id']}", json={"token": new_token, "kind": "jellyfin"})
    stored = MediaServerManager().read(server["id"])
    assert stored.token == new_token and stored.kind == "jellyfin"
    assert len(stored.path_mappings) == 2  # not sent: kept

    assert client.delete(f"{URL}/{server['id']}").status_code == 204
    assert_4xx(client.get(f"{URL}/{server['id']}"), 404)
    assert client.get(URL).json() == []


def test_bad_input_is_a_4xx(client: TestClient) -> None:
    assert_4xx(client.post(URL, json=body(kind="kodi")), 422)
    assert_4xx(client.post(URL, json=body(url="plex.local:32400")), 422)
    assert_4xx(client.post(URL, json=body(token="")), 422)
    assert_4xx(client.post(URL, json=body(name="")), 422)
    assert_4xx(client.post(URL, json=body(path_mappings=[{"path_from": "", "path_to": "/m"}])), 422)
    assert_4xx(client.patch(f"{URL}/999", json={"enabled": False}), 404)
    assert_4xx(client.delete(f"{URL}/999"), 404)
    assert_4xx(client.post(f"{URL}/999/test"), 404)
    assert client.get(URL).json() == []


def test_the_routes_need_the_api_key(anonymous: TestClient) -> None:
    assert anonymous.get(URL).status_code == 401
    assert anonymous.post(URL, json=body()).status_code == 401
    assert anonymous.post(f"{URL}/test", json=body()).status_code == 401


def test_a_saved_token_is_hidden_from_the_logs(client: TestClient) -> None:
    token = f"logged-{uuid.uuid4().hex}"
    client.post(URL, json=body(token=token))
    assert token not in RedactSecrets().redact(f"Plex answered for {token}")


def test_saved_tokens_are_hidden_from_the_logs_from_the_start(data_dir: Path) -> None:
    from main import app

    token = f"startup-{uuid.uuid4().hex}"
    MediaServerManager().create(MediaServerCreate.model_validate(body(token=token)))
    assert token in RedactSecrets().redact(token)  # saved beside the app: not known yet
    with TestClient(app):
        assert token not in RedactSecrets().redact(f"token {token}")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["plex", "jellyfin", "emby"])
def test_the_test_buttons_report_the_name_and_version(
    client: TestClient, mediaserver_standin: type[MediaServerStandIn], kind: str
) -> None:
    standin = mediaserver_standin(kind, name=f"Den {kind}")
    sent = body(kind=kind, url=standin.url, token=DEFAULT_TOKEN)
    answer = client.post(f"{URL}/test", json=sent)
    assert answer.status_code == 200
    assert answer.json() == {
        "ok": True,
        "server_name": f"Den {kind}",
        "version": VERSIONS[kind],
        "error": None,
    }
    saved = client.post(URL, json=sent).json()
    stored = client.post(f"{URL}/{saved['id']}/test")
    assert stored.json() == answer.json()


@pytest.mark.slow
def test_a_wrong_token_or_a_dead_server_is_ok_false_with_the_reason(
    client: TestClient, mediaserver_standin: type[MediaServerStandIn]
) -> None:
    standin = mediaserver_standin("jellyfin")
    wrong = client.post(
        f"{URL}/test", json=body(kind="jellyfin", url=standin.url, token="wrong-token-123456")
    )
    assert wrong.status_code == 200
    result = wrong.json()
    assert result["ok"] is False and result["server_name"] is None and result["version"] is None
    assert "401 Unauthorized" in result["error"] and "API key" in result["error"]
    assert "wrong-token-123456" not in wrong.text

    dead = client.post(f"{URL}/test", json=body(url=f"http://127.0.0.1:{free_port()}"))
    assert dead.status_code == 200
    assert dead.json()["ok"] is False
    assert "Cannot reach Plex" in dead.json()["error"]

    saved = client.post(URL, json=body(kind="jellyfin", url=standin.url, token="bad-key-987654"))
    stored = client.post(f"{URL}/{saved.json()['id']}/test")
    assert stored.status_code == 200 and stored.json()["ok"] is False


@pytest.mark.slow
def test_a_download_event_in_the_app_rescans_the_mapped_folder_once(
    client: TestClient,
    mediaserver_standin: type[MediaServerStandIn],
    caplog: pytest.LogCaptureFixture,
) -> None:
    plex = mediaserver_standin("plex", library=["/data/movies", "/data/tv"])
    jellyfin = mediaserver_standin("jellyfin")
    mappings = [{"path_from": "/data", "path_to": "/mnt/media"}]
    for standin in (plex, jellyfin):
        sent = body(kind=standin.kind, url=standin.url, token=DEFAULT_TOKEN)
        created = client.post(URL, json={**sent, "path_mappings": mappings})
        assert created.status_code == 201

    def publish() -> None:  # on the app's loop, as the core publishes after a commit
        for kind in (ConnectEventKind.TRAILER_DELETED, ConnectEventKind.DOWNLOADED):
            connect_bus.publish(
                ConnectEvent(kind=kind, message="m", folder_path="/mnt/media/tv/Lost", media_id=1)
            )

    with caplog.at_level(logging.INFO, logger="trailarr"):
        client.portal.call(publish)
        client.portal.call(media_server_refresher.wait_idle)

    assert plex.recorded() == [
        {
            "method": "GET",
            "path": "/library/sections/2/refresh",
            "query": {"path": "/data/tv/Lost"},
            "body": None,
        }
    ]
    assert jellyfin.refreshed_folders() == ["/data/tv/Lost"]
    assert any("rescans" in r.getMessage() for r in caplog.records)
    assert all(DEFAULT_TOKEN not in r.getMessage() for r in caplog.records)
