"""A stand-in Radarr or Sonarr: a real HTTP server on 127.0.0.1 speaking the v3 API's shapes.

In tests: `ArrStandIn("radarr", root="/movies", items=3)` (or the `arr_standin` fixture,
which closes it), then change what it serves: `add(...)`, `update(id, ...)`, `remove(id)`,
`latency = 2.0`, `app_name = "Sonarr"`; `requests[path]` counts the requests per path.

As a program (the browser end-to-end tests use it), from the repository root:

    python -m tests.utils.arr_standin --app radarr --port 0 --items 3 \\
        --root /some/dir --api-key KEY

prints `PORT=<n>` once it listens, then serves until it is killed.

The JSON fields follow the v3 resources of the apps' published API documents
(SystemResource, RootFolderResource, MovieResource, SeriesResource): every field a real
answer has, with plausible values. Posters at /MediaCover/<id>/poster.jpg are small real
JPEGs made with Pillow. Every request needs the API key (header `X-Api-Key` or query
`apikey`), as the apps do; a wrong or missing key gets 401.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.utils.net import closing_factory, serve_until_stopped

DEFAULT_KEY = "standin-api-key-0123456789abcdef"
OPEN_MOVIES = [
    ("Big Buck Bunny", 2008),
    ("Sintel", 2010),
    ("Tears of Steel", 2012),
    ("Elephants Dream", 2006),
    ("Cosmos Laundromat", 2015),
    ("Spring", 2019),
    ("Agent 327", 2017),
    ("Caminandes", 2013),
]
VERSIONS = {"radarr": "5.14.0.9383", "sonarr": "4.0.11.2680"}
APP_NAMES = {"radarr": "Radarr", "sonarr": "Sonarr"}
ADDED = "2020-01-01T00:00:00Z"


def system_status(app: str, *, app_name: str | None = None) -> dict[str, Any]:
    """GET /api/v3/system/status."""
    return {
        "appName": app_name or APP_NAMES[app],
        "instanceName": APP_NAMES[app],
        "version": VERSIONS[app],
        "buildTime": "2024-11-30T12:00:00Z",
        "isDebug": False,
        "isProduction": True,
        "isAdmin": False,
        "isUserInteractive": False,
        "startupPath": f"/app/{app}/bin",
        "appData": "/config",
        "osName": "alpine",
        "osVersion": "3.20.3",
        "isNetCore": True,
        "isLinux": True,
        "isOsx": False,
        "isWindows": False,
        "isDocker": True,
        "mode": "console",
        "branch": "master" if app == "radarr" else "main",
        "authentication": "forms",
        "sqliteVersion": "3.45.3",
        "databaseType": "sqLite",
        "databaseVersion": "3.45.3",
        "migrationVersion": 241 if app == "radarr" else 214,
        "urlBase": "",
        "runtimeVersion": "6.0.35",
        "runtimeName": ".NET",
        "startTime": "2026-12-01T08:00:00Z",
        "packageVersion": VERSIONS[app],
        "packageAuthor": "[hotio](https://hotio.dev)",
        "packageUpdateMechanism": "docker",
        "packageUpdateMechanismMessage": "",
    }


def root_folder(id: int, path: str) -> dict[str, Any]:
    """One entry of GET /api/v3/rootfolder."""
    return {
        "id": id,
        "path": path,
        "accessible": True,
        "freeSpace": 512_000_000_000,
        "totalSpace": 2_000_000_000_000,
        "unmappedFolders": [],
    }


def _images(id: int, *, series: bool) -> list[dict[str, Any]]:
    kind = "tv" if series else "movie"
    return [
        {
            "coverType": cover,
            "url": f"/MediaCover/{id}/{cover}.jpg?lastWrite=638680000000000000",
            "remoteUrl": f"https://image.tmdb.org/t/p/original/{kind}{id}-{cover}.jpg",
        }
        for cover in ("poster", "fanart")
    ]


def _title_of(index: int, *, series: bool) -> tuple[str, int]:
    if index < len(OPEN_MOVIES):
        title, year = OPEN_MOVIES[index]
        return (f"{title} Series" if series else title), year
    return (f"Series {index + 1}" if series else f"Movie {index + 1}"), 1950 + index % 70


def radarr_movie(id: int, title: str, year: int, root: str, **overrides: Any) -> dict[str, Any]:
    """One MovieResource of GET /api/v3/movie; `overrides` replace fields."""
    folder = f"{title} ({year})"
    has_file = overrides.get("hasFile", id % 2 == 1)
    movie: dict[str, Any] = {
        "id": id,
        "title": title,
        "originalTitle": title,
        "originalLanguage": {"id": 1, "name": "English"},
        "alternateTitles": [],
        "secondaryYearSourceId": 0,
        "sortTitle": title.lower(),
        "sizeOnDisk": 1_500_000_000 if has_file else 0,
        "status": "released",
        "overview": f"{title} is an open movie.",
        "inCinemas": f"{year}-04-10T00:00:00Z",
        "physicalRelease": f"{year}-09-01T00:00:00Z",
        "digitalRelease": f"{year}-08-01T00:00:00Z",
        "images": _images(id, series=False),
        "website": "",
        "year": year,
        "hasFile": has_file,
        "youTubeTrailerId": f"tr{id:09d}",
        "studio": "Blender Studio",
        "path": f"{root.rstrip('/')}/{folder}",
        "qualityProfileId": 1,
        "monitored": True,
        "minimumAvailability": "released",
        "isAvailable": True,
        "folderName": f"{root.rstrip('/')}/{folder}",
        "runtime": 12,
        "cleanTitle": "".join(c for c in title.lower() if c.isalnum()),
        "imdbId": f"tt{1_000_000 + id}",
        "tmdbId": 10_000 + id,
        "titleSlug": f"{10_000 + id}",
        "rootFolderPath": root,
        "certification": "PG",
        "genres": ["Animation", "Short"],
        "tags": [],
        "added": ADDED,
        "ratings": {
            "imdb": {"votes": 1000, "value": 6.5, "type": "user"},
            "tmdb": {"votes": 800, "value": 6.4, "type": "user"},
        },
        "popularity": 5.2,
        "statistics": {
            "movieFileCount": 1 if has_file else 0,
            "sizeOnDisk": 1_500_000_000 if has_file else 0,
            "releaseGroups": [],
        },
    }
    if has_file:
        movie["movieFile"] = {
            "id": id,
            "movieId": id,
            "relativePath": f"{folder}.mkv",
            "path": f"{movie['path']}/{folder}.mkv",
            "size": 1_500_000_000,
            "dateAdded": ADDED,
            "indexerFlags": 0,
            "quality": {
                "quality": {
                    "id": 7,
                    "name": "Bluray-1080p",
                    "source": "bluray",
                    "resolution": 1080,
                    "modifier": "none",
                },
                "revision": {"version": 1, "real": 0, "isRepack": False},
            },
            "languages": [{"id": 1, "name": "English"}],
            "qualityCutoffNotMet": False,
        }
    movie.update(overrides)
    return movie


def sonarr_series(id: int, title: str, year: int, root: str, **overrides: Any) -> dict[str, Any]:
    """One SeriesResource of GET /api/v3/series; `overrides` replace fields."""
    files = overrides.pop("episodeFileCount", 10 if id % 2 == 1 else 0)
    path = f"{root.rstrip('/')}/{title} ({year})"
    series: dict[str, Any] = {
        "id": id,
        "title": title,
        "alternateTitles": [],
        "sortTitle": title.lower(),
        "status": "ended",
        "ended": True,
        "overview": f"{title} is an open series.",
        "network": "Blender",
        "airTime": "20:00",
        "images": _images(id, series=True),
        "originalLanguage": {"id": 1, "name": "English"},
        "seasons": [
            {
                "seasonNumber": 1,
                "monitored": True,
                "statistics": {
                    "episodeFileCount": files,
                    "episodeCount": 10,
                    "totalEpisodeCount": 10,
                    "sizeOnDisk": files * 500_000_000,
                    "releaseGroups": [],
                    "percentOfEpisodes": files * 10.0,
                },
            }
        ],
        "year": year,
        "path": path,
        "qualityProfileId": 1,
        "seasonFolder": True,
        "monitored": True,
        "monitorNewItems": "all",
        "useSceneNumbering": False,
        "runtime": 25,
        "tvdbId": 300_000 + id,
        "tvRageId": 0,
        "tvMazeId": 20_000 + id,
        "tmdbId": 90_000 + id,
        "firstAired": f"{year}-01-15T00:00:00Z",
        "lastAired": f"{year}-03-20T00:00:00Z",
        "seriesType": "standard",
        "cleanTitle": "".join(c for c in title.lower() if c.isalnum()),
        "imdbId": f"tt{2_000_000 + id}",
        "titleSlug": title.lower().replace(" ", "-"),
        "rootFolderPath": root,
        "certification": "TV-PG",
        "genres": ["Animation"],
        "tags": [],
        "added": ADDED,
        "ratings": {"votes": 100, "value": 7.5},
        "statistics": {
            "seasonCount": 1,
            "episodeFileCount": files,
            "episodeCount": 10,
            "totalEpisodeCount": 10,
            "sizeOnDisk": files * 500_000_000,
            "releaseGroups": [],
            "percentOfEpisodes": files * 10.0,
        },
    }
    series.update(overrides)
    return series


def poster_jpeg(id: int) -> bytes:
    """A small real JPEG (200x300), its colour from the id."""
    from PIL import Image

    colour = ((id * 67) % 256, (id * 131) % 256, (id * 29) % 256)
    buffer = io.BytesIO()
    Image.new("RGB", (200, 300), colour).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timeout test) is no error of the stand-in."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ArrStandIn:
    """A Radarr (`app="radarr"`) or Sonarr (`app="sonarr"`) on 127.0.0.1 until `close()`."""

    def __init__(
        self,
        app: str = "radarr",
        *,
        root: str = "/movies",
        items: int = 0,
        api_key: str = DEFAULT_KEY,
        port: int = 0,
    ) -> None:
        if app not in APP_NAMES:
            raise ValueError(f"app must be radarr or sonarr, not {app!r}")
        self.app = app
        self.api_key = api_key
        self.roots = [root]
        self.latency = 0.0
        """Seconds every API answer waits before it is sent."""
        self.app_name: str | None = None
        """Answer system/status with this appName (e.g. "Sonarr" from a Radarr)."""
        self.requests: Counter[str] = Counter()
        self._items: dict[int, dict[str, Any]] = {}
        self._body: bytes | None = None
        self._posters: dict[int, bytes] = {}
        self._lock = threading.Lock()
        for index in range(items):
            title, year = _title_of(index, series=self.is_sonarr)
            self.add(title, year)
        self._server = _QuietServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def is_sonarr(self) -> bool:
        return self.app == "sonarr"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def list_path(self) -> str:
        return "/api/v3/series" if self.is_sonarr else "/api/v3/movie"

    def add(self, title: str, year: int, **fields: Any) -> dict[str, Any]:
        """Add a movie (or series) in the first root; `fields` replace its JSON fields."""
        with self._lock:
            new_id = max(self._items, default=0) + 1
            make = sonarr_series if self.is_sonarr else radarr_movie
            item = make(new_id, title, year, self.roots[0], **fields)
            self._items[new_id] = item
            self._body = None
            return item

    def update(self, id: int, **fields: Any) -> dict[str, Any]:
        with self._lock:
            self._items[id].update(fields)
            self._body = None
            return self._items[id]

    def remove(self, id: int) -> None:
        with self._lock:
            del self._items[id]
            self._body = None

    def set_raw_items(self, items: list[Any]) -> None:
        """Serve exactly this list (bad data for robustness tests)."""
        with self._lock:
            self._items = {}
            self._body = json.dumps(items).encode()

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._items.values()]

    def _list_body(self) -> bytes:
        with self._lock:
            if self._body is None:
                self._body = json.dumps(list(self._items.values())).encode()
            return self._body

    def _poster(self, id: int) -> bytes | None:
        with self._lock:
            if id not in self._items:
                return None
            if id not in self._posters:
                self._posters[id] = poster_jpeg(id)
            return self._posters[id]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> ArrStandIn:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _answer(self, path: str, key: str | None) -> tuple[int, str, bytes]:
        with self._lock:
            self.requests[path] += 1
        if self.latency:
            time.sleep(self.latency)
        if key != self.api_key:
            return HTTPStatus.UNAUTHORIZED, "text/plain", b"Unauthorized"
        if path == "/api/v3/system/status":
            body = system_status(self.app, app_name=self.app_name)
            return HTTPStatus.OK, "application/json", json.dumps(body).encode()
        if path == "/api/v3/rootfolder":
            roots = [root_folder(i + 1, p) for i, p in enumerate(self.roots)]
            return HTTPStatus.OK, "application/json", json.dumps(roots).encode()
        if path == self.list_path:
            return HTTPStatus.OK, "application/json", self._list_body()
        parts = path.strip("/").split("/")
        if path.startswith(f"{self.list_path}/") and len(parts) == 4 and parts[3].isdigit():
            with self._lock:  # GET /api/v3/movie/{id}, /api/v3/series/{id}
                item = self._items.get(int(parts[3]))
            if item is not None:
                return HTTPStatus.OK, "application/json", json.dumps(item).encode()
        if len(parts) == 3 and parts[0] == "MediaCover" and parts[1].isdigit():
            image = self._poster(int(parts[1])) if parts[2] == "poster.jpg" else None
            if image is not None:
                return HTTPStatus.OK, "image/jpeg", image
        return HTTPStatus.NOT_FOUND, "application/json", b'{"message": "NotFound"}'

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                key = self.headers.get("X-Api-Key") or next(
                    iter(parse_qs(parts.query).get("apikey", [])), None
                )
                status, content_type, body = standin._answer(parts.path, key)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def arr_standin() -> Iterator[type[ArrStandIn]]:
    """`arr_standin("radarr", root=..., items=...)` makes stand-ins, closed after the test."""
    yield from closing_factory(ArrStandIn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--app", choices=sorted(APP_NAMES), default="radarr")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--root", default="/movies")
    parser.add_argument("--api-key", default=DEFAULT_KEY)
    args = parser.parse_args(argv)
    standin = ArrStandIn(
        args.app, root=args.root, items=args.items, api_key=args.api_key, port=args.port
    )
    return serve_until_stopped(standin)


if __name__ == "__main__":
    sys.exit(main())
