"""A stand-in Plex, Jellyfin or Emby: a real HTTP server on 127.0.0.1 speaking their shapes.

In tests: `MediaServerStandIn("plex", library=["/data/movies", "/data/tv"])` (or the
`mediaserver_standin` fixture, which closes them), then read `refreshes` (the rescans asked
for, in order) or `refreshed_folders()` (the folder of each).

As a program (the browser end-to-end tests use it), from the repository root:

    python -m tests.utils.mediaserver_standin --kind plex --port 0 --token TOKEN \\
        [--library /data/movies --library /data/tv]

prints `PORT=<n>` once it listens, then serves until it is killed. `GET /standin/refreshes`
answers the rescans it got as a JSON list (`DELETE` empties it); these two need no token.

The answers follow the published API documents, with every field a real answer has and
plausible values:
- Plex: `GET /` (the server's MediaContainer, `friendlyName` and `version` among its
  attributes), `GET /identity` (no token needed, as on a real server), `GET /library/sections`
  (a Directory per library, each with its Location folders) and
  `GET|POST /library/sections/{key}/refresh?path=...` (200, empty). The token is read from
  the `X-Plex-Token` header or query parameter. JSON when asked for with
  `Accept: application/json` (the stand-in speaks JSON only).
- Jellyfin and Emby: `GET /System/Info` (SystemInfo), `GET /System/Info/Public` (no token
  needed) and `POST /Library/Media/Updated` (`{"Updates": [{"Path", "UpdateType"}]}`; Jellyfin
  answers 204, Emby 200 with an empty body, as their documents say). The API key is read
  from `X-Emby-Token`, `X-MediaBrowser-Token`, `Authorization: MediaBrowser Token="..."` or
  the `api_key` query parameter.
A wrong or missing token gets 401.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.utils.net import closing_factory, serve_until_stopped

DEFAULT_TOKEN = "standin-media-token-0123456789abcdef"
KINDS = ("plex", "jellyfin", "emby")
VERSIONS = {"plex": "1.41.3.9314-a0bfb8370", "jellyfin": "10.10.3", "emby": "4.8.10.0"}
SERVER_NAMES = {"plex": "Stand-in Plex", "jellyfin": "Stand-in Jellyfin", "emby": "Stand-in Emby"}
MACHINE_ID = "6a646027a56abb6dbdf72484564db8567c737430"
SERVER_ID = "f3b5c1d2a4e64b1f9c0d8e7a6b5c4d3e"
UPDATED_AT = 1764662400  # 2025-12-02, as Plex's Unix seconds
_MEDIABROWSER_TOKEN = re.compile(r'Token="([^"]*)"')


def plex_server(name: str) -> dict[str, Any]:
    """GET / on Plex: the server's capabilities."""
    return {
        "MediaContainer": {
            "size": 3,
            "allowCameraUpload": False,
            "allowChannelAccess": True,
            "allowMediaDeletion": True,
            "allowSharing": True,
            "allowSync": True,
            "allowTuners": True,
            "backgroundProcessing": True,
            "certificate": True,
            "companionProxy": True,
            "countryCode": "usa",
            "diagnostics": "logs,databases,streaminglogs",
            "eventStream": True,
            "friendlyName": name,
            "hubSearch": True,
            "itemClusters": True,
            "livetv": 7,
            "machineIdentifier": MACHINE_ID,
            "mediaProviders": True,
            "multiuser": True,
            "musicAnalysis": 2,
            "myPlex": True,
            "myPlexMappingState": "mapped",
            "myPlexSigninState": "ok",
            "myPlexSubscription": False,
            "myPlexUsername": "owner@example.com",
            "offlineTranscode": 1,
            "ownerFeatures": "federated-auth,hardware_transcoding,news",
            "platform": "Linux",
            "platformVersion": "6.1.0",
            "pluginHost": True,
            "pushNotifications": False,
            "readOnlyLibraries": False,
            "streamingBrainABRVersion": 3,
            "streamingBrainVersion": 2,
            "sync": True,
            "transcoderActiveVideoSessions": 0,
            "transcoderAudio": True,
            "transcoderLyrics": True,
            "transcoderPhoto": True,
            "transcoderSubtitles": True,
            "transcoderVideo": True,
            "transcoderVideoBitrates": "64,96,208,320,720,1500,2000,3000,4000,8000,10000,12000",
            "transcoderVideoQualities": "0,1,2,3,4,5,6,7,8,9,10,11,12",
            "transcoderVideoResolutions": "128,128,160,240,320,480,768,720,720,1080,1080,1080",
            "updatedAt": UPDATED_AT,
            "updater": True,
            "version": VERSIONS["plex"],
            "voiceSearch": True,
            "Directory": [
                {"count": 1, "key": "activities", "title": "activities"},
                {"count": 1, "key": "library", "title": "library"},
                {"count": 1, "key": "system", "title": "system"},
            ],
        }
    }


def plex_identity() -> dict[str, Any]:
    """GET /identity on Plex (answered without a token)."""
    return {
        "MediaContainer": {
            "size": 0,
            "claimed": True,
            "machineIdentifier": MACHINE_ID,
            "version": VERSIONS["plex"],
        }
    }


def plex_section(key: int, folder: str) -> dict[str, Any]:
    """One Directory of GET /library/sections: a library with one Location folder."""
    show = any(word in folder.lower() for word in ("tv", "show", "series"))
    kind = "show" if show else "movie"
    title = folder.rstrip("/\\").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].title() or "Library"
    return {
        "allowSync": True,
        "art": f"/:/resources/{kind}-fanart.jpg",
        "composite": f"/library/sections/{key}/composite/{UPDATED_AT}",
        "filters": True,
        "refreshing": False,
        "thumb": f"/:/resources/{kind}.png",
        "key": str(key),
        "type": kind,
        "title": title,
        "agent": "tv.plex.agents.series" if show else "tv.plex.agents.movie",
        "scanner": "Plex TV Series" if show else "Plex Movie",
        "language": "en-US",
        "uuid": f"c3337a1d-6053-4807-85e2-7bb3f00131{key:02d}",
        "updatedAt": UPDATED_AT,
        "createdAt": UPDATED_AT - 86_400,
        "scannedAt": UPDATED_AT,
        "content": True,
        "directory": True,
        "contentChangedAt": 3155,
        "hidden": 0,
        "Location": [{"id": key, "path": folder}],
    }


def plex_sections(folders: list[str]) -> dict[str, Any]:
    """GET /library/sections on Plex."""
    return {
        "MediaContainer": {
            "size": len(folders),
            "allowSync": False,
            "title1": "Plex Library",
            "Directory": [plex_section(i + 1, folder) for i, folder in enumerate(folders)],
        }
    }


def jellyfin_system_info(name: str, port: int) -> dict[str, Any]:
    """GET /System/Info on Jellyfin (SystemInfo)."""
    return {
        "LocalAddress": f"http://127.0.0.1:{port}",
        "ServerName": name,
        "Version": VERSIONS["jellyfin"],
        "ProductName": "Jellyfin Server",
        "OperatingSystem": "",
        "Id": SERVER_ID,
        "StartupWizardCompleted": True,
        "OperatingSystemDisplayName": "",
        "PackageName": "jellyfin-docker",
        "HasPendingRestart": False,
        "IsShuttingDown": False,
        "SupportsLibraryMonitor": True,
        "WebSocketPortNumber": port,
        "CompletedInstallations": [],
        "CanSelfRestart": True,
        "CanLaunchWebBrowser": False,
        "ProgramDataPath": "/config/data",
        "WebPath": "/jellyfin/jellyfin-web",
        "ItemsByNamePath": "/config/metadata",
        "CachePath": "/cache",
        "LogPath": "/config/log",
        "InternalMetadataPath": "/config/metadata",
        "TranscodingTempPath": "/cache/transcodes",
        "CastReceiverApplications": [
            {"Id": "F007D354", "Name": "Stable"},
            {"Id": "6F511C87", "Name": "Unstable"},
        ],
        "HasUpdateAvailable": False,
        "EncoderLocation": "System",
        "SystemArchitecture": "X64",
    }


def emby_system_info(name: str, port: int) -> dict[str, Any]:
    """GET /System/Info on Emby (SystemInfo)."""
    return {
        "SystemUpdateLevel": "Release",
        "OperatingSystemDisplayName": "Linux",
        "PackageName": "emby-server-docker",
        "HasPendingRestart": False,
        "IsShuttingDown": False,
        "HasImageEnhancers": False,
        "OperatingSystem": "Linux",
        "SupportsLibraryMonitor": True,
        "SupportsLocalPortConfiguration": True,
        "SupportsWakeServer": False,
        "WebSocketPortNumber": port,
        "CompletedInstallations": [],
        "CanSelfRestart": True,
        "CanSelfUpdate": False,
        "CanLaunchWebBrowser": False,
        "ProgramDataPath": "/config",
        "ItemsByNamePath": "/config/metadata",
        "CachePath": "/config/cache",
        "LogPath": "/config/logs",
        "InternalMetadataPath": "/config/metadata",
        "TranscodingTempPath": "/config/transcoding-temp",
        "HttpServerPortNumber": port,
        "SupportsHttps": False,
        "HttpsPortNumber": 8920,
        "HasUpdateAvailable": False,
        "SupportsAutoRunAtStartup": False,
        "HardwareAccelerationRequiresPremiere": True,
        "LocalAddress": f"http://127.0.0.1:{port}",
        "LocalAddresses": [f"http://127.0.0.1:{port}"],
        "WanAddress": "",
        "RemoteAddresses": [],
        "ServerName": name,
        "Version": VERSIONS["emby"],
        "Id": SERVER_ID,
    }


def public_system_info(kind: str, name: str, port: int) -> dict[str, Any]:
    """GET /System/Info/Public on Jellyfin or Emby (answered without a token)."""
    info: dict[str, Any] = {
        "LocalAddress": f"http://127.0.0.1:{port}",
        "ServerName": name,
        "Version": VERSIONS[kind],
        "Id": SERVER_ID,
    }
    if kind == "jellyfin":
        info.update(ProductName="Jellyfin Server", OperatingSystem="", StartupWizardCompleted=True)
    else:
        info.update(LocalAddresses=[info["LocalAddress"]], RemoteAddresses=[], WanAddress="")
    return info


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is no error of the stand-in."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


Answer = tuple[int, str, bytes]


def _json(body: Any, status: int = HTTPStatus.OK) -> Answer:
    return status, "application/json; charset=utf-8", json.dumps(body).encode()


class MediaServerStandIn:
    """A Plex, Jellyfin or Emby on 127.0.0.1 until `close()`."""

    def __init__(
        self,
        kind: str = "plex",
        *,
        token: str = DEFAULT_TOKEN,
        library: list[str] | None = None,
        name: str | None = None,
        port: int = 0,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        self.kind = kind
        self.token = token
        self.name = name or SERVER_NAMES[kind]
        self.library = list(library) if library else ["/data/movies", "/data/tv"]
        """Plex's library folders, one library each (section keys 1, 2, ...)."""
        self.refreshes: list[dict[str, Any]] = []
        """The rescans asked for: {"method", "path", "query", "body"}, in order."""
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def recorded(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(call) for call in self.refreshes]

    def refreshed_folders(self) -> list[str]:
        """The folder of each rescan asked for, in order (as the server sees it)."""
        folders: list[str] = []
        for call in self.recorded():
            if self.kind == "plex":
                folders.append(call["query"].get("path", ""))
            else:
                folders.extend(update.get("Path", "") for update in call["body"]["Updates"])
        return folders

    def clear(self) -> None:
        with self._lock:
            self.refreshes.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> MediaServerStandIn:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _token_of(self, headers: Any, query: dict[str, list[str]]) -> str | None:
        if self.kind == "plex":
            return headers.get("X-Plex-Token") or next(iter(query.get("X-Plex-Token", [])), None)
        for header in ("X-Emby-Token", "X-MediaBrowser-Token"):
            if value := headers.get(header):
                return str(value)
        authorization = headers.get("Authorization") or headers.get("X-Emby-Authorization") or ""
        match = _MEDIABROWSER_TOKEN.search(authorization)
        if self.kind == "jellyfin" and authorization.startswith("MediaBrowser ") and match:
            return match[1]
        return next(iter(query.get("api_key", [])), None)

    def _unauthorized(self) -> Answer:
        if self.kind == "plex":
            html = (
                b"<html><head><title>Unauthorized</title></head>"
                b"<body><h1>401 Unauthorized</h1></body></html>"
            )
            return HTTPStatus.UNAUTHORIZED, "text/html", html
        if self.kind == "emby":
            return HTTPStatus.UNAUTHORIZED, "text/plain", b"Access token is invalid or expired."
        return HTTPStatus.UNAUTHORIZED, "text/plain", b""

    def answer(self, method: str, target: str, headers: Any, body: bytes) -> Answer:
        """The answer to one request."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/standin/refreshes":
            if method == "DELETE":
                self.clear()
                return HTTPStatus.NO_CONTENT, "text/plain", b""
            return _json(self.recorded())
        if self.kind == "plex" and path in ("/identity", "/identity/") and method == "GET":
            return _json(plex_identity())
        if self.kind != "plex" and path.lower() == "/system/info/public" and method == "GET":
            return _json(public_system_info(self.kind, self.name, self.port))
        if self._token_of(headers, query) != self.token:
            return self._unauthorized()
        if self.kind == "plex":
            return self._plex(method, path, query)
        return self._emby(method, path, body)

    def _plex(self, method: str, path: str, query: dict[str, list[str]]) -> Answer:
        if path == "/" and method == "GET":
            return _json(plex_server(self.name))
        if path == "/library/sections" and method == "GET":
            return _json(plex_sections(self.library))
        match = re.fullmatch(r"/library/sections/(\d+)/refresh", path)
        if match and method in ("GET", "POST"):
            if not 1 <= int(match[1]) <= len(self.library):
                return HTTPStatus.NOT_FOUND, "text/html", b"<html><body>Not Found</body></html>"
            call = {
                "method": method,
                "path": path,
                "query": {
                    key: values[-1] for key, values in query.items() if key != "X-Plex-Token"
                },
                "body": None,
            }
            with self._lock:
                self.refreshes.append(call)
            return HTTPStatus.OK, "text/html", b""
        return HTTPStatus.NOT_FOUND, "text/html", b"<html><body>Not Found</body></html>"

    def _emby(self, method: str, path: str, body: bytes) -> Answer:
        lowered = path.lower()
        if lowered == "/system/info" and method == "GET":
            make = jellyfin_system_info if self.kind == "jellyfin" else emby_system_info
            return _json(make(self.name, self.port))
        if lowered == "/library/media/updated" and method == "POST":
            try:
                sent = json.loads(body or b"null")
                updates = sent["Updates"]
                if not isinstance(updates, list) or not all(
                    isinstance(u, dict) and isinstance(u.get("Path"), str) for u in updates
                ):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                return HTTPStatus.BAD_REQUEST, "text/plain", b"Invalid MediaUpdateInfoDto"
            call = {"method": method, "path": path, "query": {}, "body": sent}
            with self._lock:
                self.refreshes.append(call)
            if self.kind == "jellyfin":
                return HTTPStatus.NO_CONTENT, "text/plain", b""
            return HTTPStatus.OK, "text/plain", b""
        return HTTPStatus.NOT_FOUND, "text/plain", b""

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, content_type, answer = standin.answer(
                    self.command, self.path, self.headers, body
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    if status != HTTPStatus.NO_CONTENT:
                        self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    if status != HTTPStatus.NO_CONTENT:
                        self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _serve
            do_POST = _serve
            do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def mediaserver_standin() -> Iterator[type[MediaServerStandIn]]:
    """`mediaserver_standin("plex", library=[...])` makes stand-ins, closed after the test."""
    yield from closing_factory(MediaServerStandIn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kind", choices=KINDS, default="plex")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--library",
        action="append",
        help="a library folder as the server sees it (Plex: one library each); repeatable",
    )
    parser.add_argument("--name", default=None, help="the server's name")
    args = parser.parse_args(argv)
    standin = MediaServerStandIn(
        args.kind, token=args.token, library=args.library, name=args.name, port=args.port
    )
    return serve_until_stopped(standin)


if __name__ == "__main__":
    sys.exit(main())
