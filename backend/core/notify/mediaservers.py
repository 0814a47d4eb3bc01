"""Plex, Jellyfin and Emby: ask a media server who it is, and to rescan one folder.

Why no client library: `plexapi` (PyPI) is synchronous on `requests` and loads a whole
object model, and the Jellyfin/Emby clients are large generated SDKs; we need two calls per
kind of server. httpx (already used by the app) and small msgspec models of the fields we
read cover them in one module, with a timeout on every call:

- Plex: the token in `X-Plex-Token`, JSON asked for with `Accept: application/json`.
  `GET /` gives the server's `friendlyName` and `version`; `GET /library/sections` lists the
  libraries with their `Location` folders; `GET /library/sections/{key}/refresh?path=...`
  scans that one folder of the library that holds it ("partial scan").
- Jellyfin and Emby (Jellyfin is a fork of Emby and kept its API for these calls): the API
  key in `X-Emby-Token`. `GET /System/Info` gives `ServerName` and `Version`;
  `POST /Library/Media/Updated` with `{"Updates": [{"Path": ..., "UpdateType": "Modified"}]}`
  makes the server rescan what lies in that folder.

The folder Trailarr knows is turned into the folder the server sees by the server's path
mappings (the longest matching `path_to` at a path boundary, replaced by its `path_from`).

Every failure is a `MediaServerError` whose `detail` says what to do: the server cannot be
reached, the token is wrong (401), the answer does not come from the expected server, it
took too long, no Plex library holds the folder. The token travels in a header only, never
in a URL, so it appears in no log line and no error message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import msgspec
from pydantic import BaseModel

from app_logger import remember_secret
from core.arr.paths import map_path
from core.base.database.manager.mediaserver import MediaServerManager
from core.base.database.models.connection import PathMappingRead
from core.base.database.models.mediaserver import (
    MediaServerKind,
    MediaServerPathMappingRead,
    MediaServerRead,
)
from core.exceptions import AppError

if TYPE_CHECKING:
    import httpx

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
"""Seconds to wait for each answer (a refresh only starts a scan: it answers at once)."""
MAX_ANSWER_BYTES = 5 * 1024 * 1024

PRODUCTS = {
    MediaServerKind.PLEX: "Plex",
    MediaServerKind.JELLYFIN: "Jellyfin",
    MediaServerKind.EMBY: "Emby",
}
TOKEN_HINTS = {
    MediaServerKind.PLEX: "use the X-Plex-Token of an account that administers the server",
    MediaServerKind.JELLYFIN: "make an API key in Jellyfin's Dashboard → API Keys",
    MediaServerKind.EMBY: "make an API key in Emby's Settings → Advanced → API Keys",
}


class MediaServerErrorKind(StrEnum):
    UNREACHABLE = "unreachable"
    UNAUTHORIZED = "unauthorized"
    WRONG_APP = "wrong_app"
    TIMEOUT = "timeout"
    HTTP = "http"
    NO_LIBRARY = "no_library"
    """No Plex library holds the folder."""


SERVER_WIDE = frozenset(
    {
        MediaServerErrorKind.UNREACHABLE,
        MediaServerErrorKind.UNAUTHORIZED,
        MediaServerErrorKind.WRONG_APP,
        MediaServerErrorKind.TIMEOUT,
    }
)
"""Failures that would fail every other folder on the same server too."""


class MediaServerError(AppError):
    """A media server could not be used; `detail` is the reason, for the user."""

    status_code = 502

    def __init__(self, kind: MediaServerErrorKind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


# The fields we read of each answer; unknown fields are ignored.


class _PlexServer(msgspec.Struct, rename="camel"):
    friendly_name: str | None = None
    version: str | None = None


class _PlexRoot(msgspec.Struct, rename={"container": "MediaContainer"}):
    container: _PlexServer


class _PlexLocation(msgspec.Struct):
    path: str


class _PlexSection(msgspec.Struct, rename={"locations": "Location"}):
    key: str | int
    title: str = ""
    locations: list[_PlexLocation] = []


class _PlexSectionList(msgspec.Struct, rename={"sections": "Directory"}):
    sections: list[_PlexSection] = []


class _PlexSections(msgspec.Struct, rename={"container": "MediaContainer"}):
    container: _PlexSectionList


class _EmbySystemInfo(msgspec.Struct, rename="pascal"):
    server_name: str | None = None
    version: str | None = None


class ServerIdentity(msgspec.Struct, frozen=True):
    name: str | None
    version: str | None


def server_path(path: str, mappings: Iterable[MediaServerPathMappingRead]) -> str:
    """`path` (a folder as Trailarr sees it) as the media server sees it.

    The longest `path_to` that holds `path` (whole path components only) is replaced by its
    `path_from`; without one the path is the same for both. This is `core.arr.paths.map_path`
    with each mapping turned around (it reads only `path_from` and `path_to`).
    """
    turned = [
        PathMappingRead(id=m.id, connection_id=0, path_from=m.path_to, path_to=m.path_from)
        for m in mappings
    ]
    return map_path(path, turned)


def folder_holds(root: str, path: str) -> bool:
    """`root` is `path` or one of its parent folders (whole path components, / or \\)."""
    prefix = root.rstrip("/\\") or root[:1]
    if path.rstrip("/\\") == prefix:
        return True
    if not prefix or not path.startswith(prefix):
        return False
    return prefix.endswith(("/", "\\")) or path[len(prefix)] in "/\\"


def _describe(url: str, exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return f"{text} ({url})"


class MediaServerClient:
    """One media server's API; `async with` it, or `await aclose()`."""

    def __init__(
        self,
        kind: MediaServerKind,
        url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        import httpx  # loaded with the first client, not at start-up

        self.kind = kind
        self.product = PRODUCTS[kind]
        self.base_url = url.rstrip("/")
        remember_secret(token)
        if kind is MediaServerKind.PLEX:
            headers = {"X-Plex-Token": token, "Accept": "application/json"}
        else:
            headers = {"X-Emby-Token": token, "Accept": "application/json"}
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
            follow_redirects=False,
            transport=transport,
        )
        self._plex_sections: list[_PlexSection] | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
    ) -> bytes:
        """The body of the server's answer, its failures turned into MediaServerError."""
        import httpx

        url = f"{self.base_url}{path}"
        try:
            async with self._client.stream(method, path, params=params, json=json) as response:
                if response.status_code in (401, 403):
                    raise MediaServerError(
                        MediaServerErrorKind.UNAUTHORIZED,
                        f"{response.status_code} Unauthorized: {self.product} refused the "
                        f"token ({TOKEN_HINTS[self.kind]})",
                    )
                if response.status_code >= 300:
                    raise MediaServerError(
                        MediaServerErrorKind.HTTP,
                        f"HTTP {response.status_code} from {url}: "
                        f"is this the address of {self.product}?",
                    )
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise MediaServerError(
                            MediaServerErrorKind.WRONG_APP, f"The answer to {path} is too large"
                        )
                return bytes(body)
        except httpx.TimeoutException as exc:
            raise MediaServerError(
                MediaServerErrorKind.TIMEOUT,
                f"No answer from {self.product} at {url} in time: "
                "is the server busy, or the address wrong?",
            ) from exc
        except (httpx.ConnectError, httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise MediaServerError(
                MediaServerErrorKind.UNREACHABLE,
                f"Cannot reach {self.product} (connection refused or host not found): is it "
                "running, and is the address right? " + _describe(url, exc),
            ) from exc
        except httpx.HTTPError as exc:
            raise MediaServerError(
                MediaServerErrorKind.UNREACHABLE,
                f"Cannot reach {self.product}: " + _describe(url, exc),
            ) from exc

    def _decode[T](self, body: bytes, model: type[T], what: str) -> T:
        try:
            return msgspec.json.decode(body, type=model)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            raise MediaServerError(
                MediaServerErrorKind.WRONG_APP,
                f"The address does not answer like {self.product} ({what} unreadable)",
            ) from exc

    async def identity(self) -> ServerIdentity:
        """The server's name and version; checks the token."""
        if self.kind is MediaServerKind.PLEX:
            root = self._decode(await self._call("GET", "/"), _PlexRoot, "server information")
            name, version = root.container.friendly_name, root.container.version
        else:
            info = self._decode(
                await self._call("GET", "/System/Info"), _EmbySystemInfo, "/System/Info"
            )
            name, version = info.server_name, info.version
        if not version:
            raise MediaServerError(
                MediaServerErrorKind.WRONG_APP,
                f"The address does not answer like {self.product} (no version)",
            )
        return ServerIdentity(name=name, version=version)

    async def plex_sections(self) -> list[_PlexSection]:
        """Plex's libraries with their folders (read once per client)."""
        if self._plex_sections is None:
            body = await self._call("GET", "/library/sections")
            self._plex_sections = self._decode(
                body, _PlexSections, "library list"
            ).container.sections
        return self._plex_sections

    async def refresh(self, folder: str) -> str:
        """Ask the server to rescan `folder` (as the server sees it); returns a description
        of what was asked, e.g. "Movies: /data/movies/Alien (1979)"."""
        if self.kind is not MediaServerKind.PLEX:
            body = {"Updates": [{"Path": folder, "UpdateType": "Modified"}]}
            await self._call("POST", "/Library/Media/Updated", json=body)
            return folder
        sections = await self.plex_sections()
        holding = [
            (len(location.path), section)
            for section in sections
            for location in section.locations
            if folder_holds(location.path, folder)
        ]
        if not holding:
            known = ", ".join(
                location.path for section in sections for location in section.locations
            )
            raise MediaServerError(
                MediaServerErrorKind.NO_LIBRARY,
                f"No Plex library holds the folder {folder} (Plex's library folders: "
                f"{known or 'none'}): add a path mapping from the folder as Plex sees it to "
                "the same folder as Trailarr sees it",
            )
        section = max(holding, key=lambda pair: pair[0])[1]
        await self._call("GET", f"/library/sections/{section.key}/refresh", params={"path": folder})
        return f"{section.title or section.key}: {folder}"


class MediaServerCheck(BaseModel):
    """The answer of POST /api/v1/mediaservers/test."""

    ok: bool
    server_name: str | None = None
    version: str | None = None
    error: str | None = None


async def check_media_server(
    kind: MediaServerKind,
    url: str,
    token: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> MediaServerCheck:
    """Whether the server answers at `url` with this token; never raises for a failure of
    the server."""
    try:
        async with MediaServerClient(kind, url, token, transport=transport) as client:
            identity = await client.identity()
    except MediaServerError as exc:
        return MediaServerCheck(ok=False, error=exc.detail)
    return MediaServerCheck(ok=True, server_name=identity.name, version=identity.version)


@dataclass(frozen=True)
class FolderRefresh:
    """What became of one folder's rescan on one server."""

    folder: str
    """As Trailarr sees it."""
    server_folder: str
    """As the media server sees it (through the path mappings)."""
    done: str | None = None
    """What the server was asked to rescan, when it accepted."""
    error: MediaServerError | None = None


async def refresh_folders(server: MediaServerRead, folders: Iterable[str]) -> list[FolderRefresh]:
    """Ask `server` to rescan each folder (as Trailarr sees it); never raises a
    MediaServerError: each folder's result says what became of it.

    After a failure that concerns the whole server (unreachable, wrong token, ...), the
    other folders are not tried: they carry the same error.
    """
    results: list[FolderRefresh] = []
    server_wide: MediaServerError | None = None
    async with MediaServerClient(server.kind, server.url, server.token) as client:
        for folder in folders:
            target = server_path(folder, server.path_mappings)
            if server_wide is not None:
                results.append(FolderRefresh(folder, target, error=server_wide))
                continue
            try:
                results.append(FolderRefresh(folder, target, done=await client.refresh(target)))
            except MediaServerError as exc:
                results.append(FolderRefresh(folder, target, error=exc))
                if exc.kind in SERVER_WIDE:
                    server_wide = exc
    return results


def remember_media_server_tokens() -> None:
    """Hide every saved media server's token from the logs from now on (a token is also
    remembered each time a client uses one). Blocking: reads the database."""
    for server in MediaServerManager().read_all():
        remember_secret(server.token)
