"""Media servers: the client (test, rescan of one folder through the path mappings) and the
refresher (bus events coalesced into one rescan per folder and server), against stand-in
Plex, Jellyfin and Emby servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from core.base.database.manager.mediaserver import MediaServerManager
from core.base.database.models.mediaserver import (
    MediaServerCreate,
    MediaServerKind,
    MediaServerPathMappingCreate,
    MediaServerPathMappingRead,
    MediaServerRead,
)
from core.notify.bus import ConnectBus, ConnectEvent, ConnectEventKind
from core.notify.mediaservers import check_media_server, folder_holds, server_path
from core.notify.refresh import MediaServerRefresher
from tests.utils.mediaserver_standin import DEFAULT_TOKEN, VERSIONS, MediaServerStandIn
from tests.utils.net import free_port

pytestmark = pytest.mark.anyio

FOLDER = "/mnt/library/movies/Alien (1979)"
"""A media folder as Trailarr sees it."""
SERVER_FOLDER = "/data/movies/Alien (1979)"
"""The same folder as the media servers see it (through MAPPINGS)."""
MAPPINGS = [
    MediaServerPathMappingCreate(path_from="/data", path_to="/mnt/library"),
    MediaServerPathMappingCreate(path_from="/data/movies", path_to="/mnt/library/movies"),
]


def _mapping(i: int, path_from: str, path_to: str) -> MediaServerPathMappingRead:
    return MediaServerPathMappingRead(id=i, path_from=path_from, path_to=path_to)


def test_the_longest_path_to_at_a_path_boundary_gives_the_server_s_folder() -> None:
    mappings = [
        _mapping(1, "/data", "/mnt/library"),
        _mapping(2, "/plex/films", "/mnt/library/movies"),
        _mapping(3, "/other", "/mnt/library/movies2"),
    ]
    assert server_path(FOLDER, mappings) == "/plex/films/Alien (1979)"
    assert server_path("/mnt/library/tv/Lost", mappings) == "/data/tv/Lost"
    assert server_path("/mnt/library/movies2/Brazil", mappings) == "/other/Brazil"
    # Not at a boundary: /mnt/library does not hold /mnt/library-old.
    assert server_path("/mnt/library-old/X", mappings) == "/mnt/library-old/X"
    assert server_path("/elsewhere/X", []) == "/elsewhere/X"
    assert server_path(FOLDER, [_mapping(1, "D:\\Movies", "/mnt/library/movies")]) == (
        "D:\\Movies\\Alien (1979)"
    )


def test_a_library_folder_holds_a_folder_only_at_a_path_boundary() -> None:
    assert folder_holds("/data/movies", "/data/movies/Alien (1979)")
    assert folder_holds("/data/movies/", "/data/movies/Alien (1979)")
    assert folder_holds("/data/movies", "/data/movies")
    assert folder_holds("/", "/data")
    assert folder_holds("D:\\Movies", "D:\\Movies\\Alien")
    assert not folder_holds("/data/movies", "/data/movies2/Alien")
    assert not folder_holds("/data/tv", "/data/movies/Alien")


def _save(
    standin: MediaServerStandIn | None,
    *,
    name: str,
    kind: str = "plex",
    enabled: bool = True,
    url: str | None = None,
    token: str = DEFAULT_TOKEN,
) -> MediaServerRead:
    return MediaServerManager().create(
        MediaServerCreate(
            name=name,
            kind=MediaServerKind(kind if standin is None else standin.kind),
            url=url or (standin.url if standin else "http://127.0.0.1:9"),
            token=token,
            enabled=enabled,
            path_mappings=MAPPINGS,
        )
    )


@pytest.fixture
async def refresher() -> AsyncIterator[tuple[ConnectBus, MediaServerRefresher]]:
    """A refresher on a bus of its own, with a short coalescing window."""
    bus = ConnectBus()
    bus.start(asyncio.get_running_loop())
    refresher = MediaServerRefresher(bus)
    await refresher.start(delay=0.2)
    yield bus, refresher
    await refresher.stop()
    bus.stop()


def _event(kind: ConnectEventKind = ConnectEventKind.DOWNLOADED, folder: str | None = FOLDER):
    return ConnectEvent(
        kind=kind, message="Trailer downloaded for Alien (1979)", folder_path=folder
    )


async def _settle(bus: ConnectBus, refresher: MediaServerRefresher, *events: ConnectEvent) -> None:
    """Publish `events` at once (on the loop) and wait until every rescan is done."""
    for event in events:
        bus.publish(event)
    await asyncio.wait_for(refresher.wait_idle(), 120)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["plex", "jellyfin", "emby"])
async def test_the_test_reports_the_server_s_name_and_version(
    kind: str, mediaserver_standin: type[MediaServerStandIn]
) -> None:
    standin = mediaserver_standin(kind, name=f"Living room {kind}")
    check = await check_media_server(MediaServerKind(kind), standin.url, DEFAULT_TOKEN)
    assert check.ok, check.error
    assert check.server_name == f"Living room {kind}"
    assert check.version == VERSIONS[kind]
    assert check.error is None
    assert standin.recorded() == []  # a test rescans nothing


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["plex", "jellyfin", "emby"])
async def test_a_wrong_token_is_reported_clearly(
    kind: str, mediaserver_standin: type[MediaServerStandIn]
) -> None:
    standin = mediaserver_standin(kind)
    wrong = "wrong-token-abcdef123456"
    check = await check_media_server(MediaServerKind(kind), standin.url, wrong)
    assert not check.ok
    assert check.error is not None
    assert "401 Unauthorized" in check.error and "token" in check.error
    assert wrong not in check.error
    assert check.server_name is None and check.version is None


async def test_an_unreachable_server_is_reported_clearly() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    check = await check_media_server(MediaServerKind.JELLYFIN, url, DEFAULT_TOKEN)
    assert not check.ok
    assert check.error is not None and "Cannot reach Jellyfin" in check.error
    assert url in check.error


@pytest.mark.slow
async def test_a_wrong_address_on_the_server_is_reported(
    mediaserver_standin: type[MediaServerStandIn],
) -> None:
    plex = mediaserver_standin("plex")
    check = await check_media_server(MediaServerKind.PLEX, plex.url + "/web", DEFAULT_TOKEN)
    assert not check.ok
    assert check.error == f"HTTP 404 from {plex.url}/web/: is this the address of Plex?"


async def test_an_answer_that_is_not_the_server_s_is_reported() -> None:
    def web_page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>a router's login page</html>")

    check = await check_media_server(
        MediaServerKind.PLEX,
        "http://127.0.0.1:1",
        DEFAULT_TOKEN,
        transport=httpx.MockTransport(web_page),
    )
    assert not check.ok
    assert check.error == "The address does not answer like Plex (server information unreadable)"


@pytest.mark.slow
async def test_a_download_rescans_exactly_that_folder_once_on_plex_and_on_jellyfin(
    mediaserver_standin: type[MediaServerStandIn],
    refresher: tuple[ConnectBus, MediaServerRefresher],
) -> None:
    bus, refresher_ = refresher
    plex = mediaserver_standin("plex", library=["/data/tv", "/data/movies"])
    jellyfin = mediaserver_standin("jellyfin")
    _save(plex, name="Plex")
    _save(jellyfin, name="Jellyfin")

    await _settle(bus, refresher_, _event())

    # Plex: the library whose Location holds the folder (the second, key 2), that folder only.
    assert plex.recorded() == [
        {
            "method": "GET",
            "path": "/library/sections/2/refresh",
            "query": {"path": SERVER_FOLDER},
            "body": None,
        }
    ]
    assert jellyfin.recorded() == [
        {
            "method": "POST",
            "path": "/Library/Media/Updated",
            "query": {},
            "body": {"Updates": [{"Path": SERVER_FOLDER, "UpdateType": "Modified"}]},
        }
    ]


@pytest.mark.slow
async def test_events_for_one_folder_within_the_window_make_one_rescan_per_server(
    mediaserver_standin: type[MediaServerStandIn],
    refresher: tuple[ConnectBus, MediaServerRefresher],
) -> None:
    bus, refresher_ = refresher
    plex = mediaserver_standin("plex")
    emby = mediaserver_standin("emby")
    _save(plex, name="Plex")
    _save(emby, name="Emby")

    other = "/mnt/library/tv/Lost"
    await _settle(
        bus,
        refresher_,
        _event(ConnectEventKind.TRAILER_DELETED),
        _event(ConnectEventKind.DOWNLOADED),
        _event(ConnectEventKind.TRAILER_MISSING),
        _event(ConnectEventKind.DOWNLOADED, other),
    )
    assert sorted(plex.refreshed_folders()) == sorted([SERVER_FOLDER, "/data/tv/Lost"])
    assert sorted(emby.refreshed_folders()) == sorted([SERVER_FOLDER, "/data/tv/Lost"])

    # A later change to the same folder is a new rescan.
    await _settle(bus, refresher_, _event())
    assert plex.refreshed_folders().count(SERVER_FOLDER) == 2


@pytest.mark.slow
async def test_other_events_and_events_without_a_folder_rescan_nothing(
    mediaserver_standin: type[MediaServerStandIn],
    refresher: tuple[ConnectBus, MediaServerRefresher],
) -> None:
    bus, refresher_ = refresher
    jellyfin = mediaserver_standin("jellyfin")
    _save(jellyfin, name="Jellyfin")
    await _settle(
        bus,
        refresher_,
        _event(ConnectEventKind.DOWNLOAD_FAILED),
        _event(ConnectEventKind.TASK_FAILED),
        _event(ConnectEventKind.HEALTH),
        _event(ConnectEventKind.DOWNLOADED, None),
    )
    # The marker proves the refresher ran after the events above.
    await _settle(bus, refresher_, _event(ConnectEventKind.DOWNLOADED, "/mnt/library/marker"))
    assert jellyfin.refreshed_folders() == ["/data/marker"]


@pytest.mark.slow
async def test_a_dead_server_does_not_stop_another_and_is_logged_with_what_to_do(
    mediaserver_standin: type[MediaServerStandIn],
    refresher: tuple[ConnectBus, MediaServerRefresher],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, refresher_ = refresher
    _save(None, name="Dead Plex", kind="plex", url=f"http://127.0.0.1:{free_port()}")
    wrong = _save(mediaserver_standin("emby"), name="Wrong key Emby", token="not-the-key-1234")
    jellyfin = mediaserver_standin("jellyfin")
    _save(jellyfin, name="Jellyfin")

    with caplog.at_level(logging.INFO, logger="trailarr"):
        await _settle(bus, refresher_, _event(), _event(folder="/mnt/library/tv/Lost"))

    assert sorted(jellyfin.refreshed_folders()) == sorted([SERVER_FOLDER, "/data/tv/Lost"])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    dead = [line for line in warnings if "Dead Plex" in line]
    assert dead and all("Cannot reach Plex" in line and "is it running" in line for line in dead)
    assert any(SERVER_FOLDER in line for line in dead)
    refused = [line for line in warnings if "Wrong key Emby" in line]
    assert refused and all("401 Unauthorized" in line for line in refused)
    assert all(wrong.token not in r.getMessage() for r in caplog.records)


@pytest.mark.slow
async def test_disabled_servers_get_nothing(
    mediaserver_standin: type[MediaServerStandIn],
    refresher: tuple[ConnectBus, MediaServerRefresher],
) -> None:
    bus, refresher_ = refresher
    disabled_plex = mediaserver_standin("plex")
    disabled_jellyfin = mediaserver_standin("jellyfin")
    enabled = mediaserver_standin("jellyfin")
    _save(disabled_plex, name="Off", enabled=False)
    _save(disabled_jellyfin, name="Off too", enabled=False)
    _save(enabled, name="On")

    await _settle(bus, refresher_, _event())
    assert enabled.refreshed_folders() == [SERVER_FOLDER]
    assert disabled_plex.recorded() == []
    assert disabled_jellyfin.recorded() == []


@pytest.mark.slow
async def test_a_folder_no_plex_library_holds_is_a_warning_naming_it(
    mediaserver_standin: type[MediaServerStandIn],
    refresher: tuple[ConnectBus, MediaServerRefresher],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, refresher_ = refresher
    plex = mediaserver_standin("plex", library=["/srv/films"])
    _save(plex, name="Plex")

    with caplog.at_level(logging.WARNING, logger="trailarr"):
        await _settle(bus, refresher_, _event())

    assert plex.recorded() == []
    lines = [r.getMessage() for r in caplog.records if "Plex" in r.getMessage()]
    assert any(
        f"No Plex library holds the folder {SERVER_FOLDER}" in line
        and "/srv/films" in line
        and "add a path mapping" in line
        and FOLDER in line
        for line in lines
    ), lines


@pytest.mark.slow
def test_the_stand_in_program_serves_and_reports_its_rescans() -> None:
    root = Path(__file__).resolve().parents[3]
    token = "program-token-123456"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.utils.mediaserver_standin",
            "--kind",
            "plex",
            "--port",
            "0",
            "--token",
            token,
            "--library",
            "/srv/films",
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("PORT="), line
        url = f"http://127.0.0.1:{int(line.removeprefix('PORT='))}"
        headers = {"X-Plex-Token": token, "Accept": "application/json"}
        with httpx.Client(base_url=url, timeout=30) as http:
            assert http.get("/library/sections").status_code == 401
            sections = http.get("/library/sections", headers=headers).json()
            directory = sections["MediaContainer"]["Directory"]
            assert [d["Location"][0]["path"] for d in directory] == ["/srv/films"]
            refresh = http.get(
                "/library/sections/1/refresh", params={"path": "/srv/films/A"}, headers=headers
            )
            assert refresh.status_code == 200
            assert http.get("/standin/refreshes").json() == [
                {
                    "method": "GET",
                    "path": "/library/sections/1/refresh",
                    "query": {"path": "/srv/films/A"},
                    "body": None,
                }
            ]
            assert http.delete("/standin/refreshes").status_code == 204
            assert http.get("/standin/refreshes").json() == []
    finally:
        process.kill()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
