"""A small typed client of the Radarr and Sonarr v3 API, on httpx.

Why not pyarr (the PyPI client): it is built on `requests`, returns untyped dicts, and
raises its own exception classes for only some failures, so every caller would still have to
map connection errors, timeouts and non-JSON answers to reasons a user can act on. We use
four GET endpoints (`system/status`, `rootfolder`, `movie`, `series`) and the poster
images; httpx (already used by the app) and typed models of the fields we read cover that in
one short module, with a timeout on every call.

The models are msgspec Structs rather than pydantic models: the movie list of a 10,000-movie
Radarr is about 20 MB of JSON. Measured on it, pydantic's `validate_json` took 0.3-0.5 s and
held over 60 MB more than the bytes (its parsed tree and 10,000 models); msgspec decodes
straight into compact Structs in 0.08 s and 9 MB, which is what keeps a sync with no changes
under a second and the process under 150 MB.

Every failure is an `ArrError` whose `detail` says what to do: the app cannot be reached,
the API key is wrong (401), the answer does not come from the expected app, it took too
long, or it answered with another HTTP status. The API key travels in the `X-Api-Key`
header only, never in a URL, so it appears in no log line and no error message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import msgspec
from pydantic import BaseModel

from app_logger import remember_secret
from core.base.database.manager.connection import ConnectionManager
from core.base.database.models.connection import ArrType
from core.exceptions import AppError

if TYPE_CHECKING:
    import httpx

CONNECT_TIMEOUT = 5.0
STATUS_TIMEOUT = 10.0
"""Seconds to wait for the small calls (system/status, rootfolder) and for each image."""
LIST_TIMEOUT = 120.0
"""Seconds to wait between bytes of a movie or series list (a large library is slow)."""
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_SMALL_BYTES = 5 * 1024 * 1024
"""The most a system status or root folder list may take."""
MAX_LIST_BYTES = 1024 * 1024 * 1024

APP_NAMES = {ArrType.RADARR: "Radarr", ArrType.SONARR: "Sonarr"}


class ArrErrorKind(StrEnum):
    UNREACHABLE = "unreachable"
    UNAUTHORIZED = "unauthorized"
    WRONG_APP = "wrong_app"
    TIMEOUT = "timeout"
    HTTP = "http"


class ArrError(AppError):
    """Radarr or Sonarr could not be used; `detail` is the reason, for the user."""

    status_code = 502

    def __init__(self, kind: ArrErrorKind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


class _ArrStruct(msgspec.Struct, rename="camel", omit_defaults=True):
    """Fields as the v3 API spells them (camelCase); unknown fields are ignored."""


class SystemStatus(_ArrStruct):
    app_name: str | None = None
    instance_name: str | None = None
    version: str | None = None


class RootFolder(_ArrStruct):
    path: str
    id: int | None = None
    accessible: bool = True
    free_space: int | None = None


class ArrImage(_ArrStruct):
    cover_type: str
    url: str | None = None
    remote_url: str | None = None


class ArrItem(_ArrStruct):
    """Fields shared by a movie and a series."""

    id: int
    title: str
    year: int = 0
    path: str | None = None
    monitored: bool = False
    added: datetime | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    images: list[ArrImage] = []

    def poster_url(self) -> str | None:
        """The poster's address on the *arr app (`url`, e.g. /MediaCover/1/poster.jpg)."""
        for image in self.images:
            if image.cover_type == "poster" and image.url:
                return image.url
        return None


class ArrMovie(ArrItem):
    has_file: bool = False
    you_tube_trailer_id: str | None = None


class SeriesStatistics(_ArrStruct):
    episode_file_count: int = 0


class ArrSeries(ArrItem):
    tvdb_id: int | None = None
    statistics: SeriesStatistics | None = None


@dataclass
class ItemList[T: ArrItem]:
    """The items of a list that could be read, and a reason for each that could not."""

    items: list[T] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)
    """The ids of every item the app listed, readable or not (a bad item is not 'gone')."""


class _Loose(msgspec.Struct):
    """What can still be read of a bad item: its id and title, if they are usable."""

    id: Any = None
    title: Any = None


def _describe(url: str, exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return f"{text} ({url})"


class ArrClient:
    """GET requests to one Radarr or Sonarr; use it as a context manager or `close()` it."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx  # loaded with the first client, not at start-up

        self.base_url = url.rstrip("/")
        remember_secret(api_key)
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={"X-Api-Key": api_key, "Accept": "application/json"},
            follow_redirects=False,
            transport=transport,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    @contextmanager
    def _request(self, path: str, read_timeout: float) -> Iterator[httpx.Response]:
        """The app's answer to GET `path` (streamed), its failures turned into ArrError."""
        import httpx

        url = f"{self.base_url}{path}"
        timeout = httpx.Timeout(read_timeout, connect=CONNECT_TIMEOUT)
        try:
            with self._client.stream("GET", path, timeout=timeout) as response:
                if response.status_code in (401, 403):
                    raise ArrError(
                        ArrErrorKind.UNAUTHORIZED,
                        f"{response.status_code} Unauthorized: wrong API key "
                        "(see Settings → General in the app)",
                    )
                if response.status_code >= 300:
                    raise ArrError(
                        ArrErrorKind.HTTP,
                        f"HTTP {response.status_code} from {url}: "
                        "is this the address of Radarr or Sonarr?",
                    )
                yield response
        except httpx.TimeoutException as exc:
            raise ArrError(
                ArrErrorKind.TIMEOUT,
                f"No answer from {url} in time: is the app busy or the address wrong?",
            ) from exc
        except (httpx.ConnectError, httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ArrError(
                ArrErrorKind.UNREACHABLE,
                "Cannot reach the app (connection refused or host not found): "
                + _describe(url, exc),
            ) from exc
        except httpx.HTTPError as exc:
            raise ArrError(
                ArrErrorKind.UNREACHABLE, "Cannot reach the app: " + _describe(url, exc)
            ) from exc

    def _get(
        self, path: str, *, limit: int = MAX_SMALL_BYTES, read_timeout: float | None = None
    ) -> bytearray:
        """The body of GET `path`, at most `limit` bytes (one buffer: a list of 20 MB is
        not copied again)."""
        with self._request(path, read_timeout or STATUS_TIMEOUT) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise ArrError(ArrErrorKind.HTTP, f"The answer to {path} is too large")
            return body

    def system_status(self) -> SystemStatus:
        """The app's name and version; WRONG_APP when the answer is not an *arr's."""
        body = self._get("/api/v3/system/status")
        try:
            status = msgspec.json.decode(body, type=SystemStatus)
        except msgspec.ValidationError as exc:
            raise ArrError(
                ArrErrorKind.WRONG_APP, f"Unreadable system status from the app: {exc}"
            ) from exc
        except msgspec.DecodeError as exc:
            raise ArrError(
                ArrErrorKind.WRONG_APP,
                "The address does not answer like Radarr or Sonarr (no v3 system status)",
            ) from exc
        if not status.app_name:
            raise ArrError(
                ArrErrorKind.WRONG_APP,
                "The address does not answer like Radarr or Sonarr (no app name)",
            )
        return status

    def check(self, arr_type: ArrType) -> SystemStatus:
        """The system status, when it comes from the app `arr_type` names."""
        status = self.system_status()
        expected = APP_NAMES[arr_type]
        if (status.app_name or "").lower() != expected.lower():
            raise ArrError(
                ArrErrorKind.WRONG_APP,
                f"This is {status.app_name}, not {expected}: "
                "check the address and the connection's type",
            )
        return status

    def root_folders(self) -> list[RootFolder]:
        body = self._get("/api/v3/rootfolder")
        try:
            return msgspec.json.decode(body, type=list[RootFolder])
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            raise ArrError(ArrErrorKind.WRONG_APP, f"Unreadable root folder list: {exc}") from exc

    def movies(self) -> ItemList[ArrMovie]:
        return self._items("/api/v3/movie", ArrMovie)

    def series(self) -> ItemList[ArrSeries]:
        return self._items("/api/v3/series", ArrSeries)

    def movie(self, movie_id: int) -> ArrMovie:
        """GET /api/v3/movie/{id}: one movie (an HTTP error for one the app has not)."""
        return self._item(f"/api/v3/movie/{movie_id}", ArrMovie, movie_id)

    def one_series(self, series_id: int) -> ArrSeries:
        """GET /api/v3/series/{id}: one series (an HTTP error for one the app has not)."""
        return self._item(f"/api/v3/series/{series_id}", ArrSeries, series_id)

    def _item[T: ArrItem](self, path: str, model: type[T], item_id: int) -> T:
        body = self._get(path)
        try:
            item = msgspec.json.decode(body, type=model)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            raise ArrError(ArrErrorKind.WRONG_APP, f"Unreadable answer from {path}: {exc}") from exc
        if item.id != item_id:
            raise ArrError(ArrErrorKind.WRONG_APP, f"{path} answered item {item.id}, not {item_id}")
        return item

    def _items[T: ArrItem](self, path: str, model: type[T]) -> ItemList[T]:
        """Every item of the list; one bad item is reported, not fatal.

        The list is decoded at once; when that fails, each item is decoded on its own.
        """
        body = self._get(path, limit=MAX_LIST_BYTES, read_timeout=LIST_TIMEOUT)
        try:
            items: list[T] = msgspec.json.decode(body, type=list[model])  # type: ignore[valid-type]
        except msgspec.ValidationError:
            pass
        except msgspec.DecodeError as exc:
            raise ArrError(ArrErrorKind.WRONG_APP, f"Unreadable list from {path}: {exc}") from exc
        else:
            return ItemList(items=items, ids={item.id for item in items})
        try:
            raws = msgspec.json.decode(body, type=list[msgspec.Raw])
        except msgspec.DecodeError as exc:
            raise ArrError(ArrErrorKind.WRONG_APP, f"{path} did not answer a list: {exc}") from exc
        result: ItemList[T] = ItemList()
        for raw in raws:
            try:
                item = msgspec.json.decode(raw, type=model)
            except msgspec.DecodeError as exc:
                loose = _loose(raw)
                if isinstance(loose.id, int) and not isinstance(loose.id, bool):
                    result.ids.add(loose.id)
                name = loose.title if isinstance(loose.title, str) else f"item {loose.id!r:.20}"
                result.errors.append(f"{name}: {exc}")
            else:
                result.items.append(item)
                result.ids.add(item.id)
        return result

    def image(self, url: str) -> bytes:
        """An image of the app (a path like /MediaCover/1/poster.jpg), at most 20 MiB."""
        if not url.startswith("/") or url.startswith("//"):
            raise ArrError(ArrErrorKind.HTTP, "Only images served by the app itself are fetched")
        return bytes(self._get(url, limit=MAX_IMAGE_BYTES))


def _loose(raw: msgspec.Raw) -> _Loose:
    try:
        return msgspec.json.decode(raw, type=_Loose)
    except msgspec.DecodeError:
        return _Loose()


class ConnectionCheck(BaseModel):
    """The answer of POST /api/v1/connections/test."""

    ok: bool
    app_name: str | None = None
    version: str | None = None
    error: str | None = None


def check_connection(
    url: str, api_key: str, arr_type: ArrType, *, transport: httpx.BaseTransport | None = None
) -> ConnectionCheck:
    """Whether the app answers at `url` with this key and is the app `arr_type` names.

    Blocking (run it in a thread from async code); never raises for a failure of the app.
    """
    try:
        with ArrClient(url, api_key, transport=transport) as client:
            status = client.check(arr_type)
    except ArrError as exc:
        return ConnectionCheck(ok=False, error=exc.detail)
    return ConnectionCheck(ok=True, app_name=status.app_name, version=status.version)


def remember_connection_keys() -> None:
    """Hide every saved connection's API key from the logs from now on (a key is also
    remembered each time an `ArrClient` uses one). Blocking: reads the database."""
    for connection in ConnectionManager().read_all():
        remember_secret(connection.api_key)
