"""The library sync: a Radarr or Sonarr connection's movies or series, made media.

`sync_connection(id)` reads the app's root folders and items (all HTTP first, with no
database lock held), then in ONE write transaction: makes the connection's library roots
the app's root folders (through the path mappings), adds the items that are new, updates
the fields that changed (only changed rows are written), and removes the media the app no
longer lists (their download records cascade; trailer files stay on disk; a
`media_removed` event keeps their title). All of it is bulk statements, so 10,000 movies
sync in a few seconds and a sync without changes writes nothing but the roots.

An item is skipped (counted, logged with what to do) when its folder, after the path
mappings, is not an absolute folder inside a library root, or is the folder of a media of
another connection. A media added by hand in the same folder is taken over (it gets the
connection and the app's id) rather than duplicated. An item with bad data (no year, a
title too long...) is counted as an error; no single item stops the sync.

Monitor modes decide `monitor` of a media when it is added: `none` -> False, `missing` ->
True (a new media has no trailer yet), `new` -> True only for items the app added after the
connection was made, `sync` -> the app's `monitored` flag, which `sync` also follows on
every later sync. The media's status follows from `derive_status`.

`sync_item(id, arr_id)` does the same for ONE movie or series (a Radarr/Sonarr webhook's):
it reads the app's root folders and that item (`/api/v3/movie/{id}`, `/api/v3/series/{id}`)
and writes it through the same planning and write code, without removing anything else.
An item the app no longer has is removed as the full sync removes it; `remove_item` removes
one on the app's word that it is gone. Both wait for a full sync of the connection that is
running (they would otherwise race with its list of items) rather than refuse.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from app_logger import ModuleLogger
from core.arr.client import ArrClient, ArrError, ArrErrorKind, ArrMovie, ArrSeries, ItemList
from core.arr.paths import map_path
from core.base.database.manager.arr_sync import SYNCED_FIELDS, ArrSyncManager, SyncedMedia
from core.base.database.manager.connection import ConnectionManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.root import RootManager
from core.base.database.manager.session import manage_session
from core.base.database.models.base import as_utc, utc_now
from core.base.database.models.connection import ArrType, ConnectionRead, MonitorMode
from core.base.database.models.media import YOUTUBE_ID_RE, MonitorStatus, derive_status
from core.exceptions import AppError, ConflictError
from core.history.reconcile import StopRequested
from core.library.folders import FolderError, containing_root_path, normalise_folder

if TYPE_CHECKING:
    import httpx

logger = ModuleLogger("ArrSync")

LOGGED_PROBLEMS = 20
"""Skipped or bad items logged one by one per sync; the rest are only counted."""
KEPT_PROBLEMS = 50
"""Reasons kept in the summary."""
TITLE_MAX = 500
ID_MAX = 32


class SyncSummary(BaseModel):
    """What a sync of one connection did."""

    connection_id: int
    connection_name: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    roots: list[str] = []
    problems: list[str] = []
    """Why items were skipped or could not be read (the first KEPT_PROBLEMS)."""


class AllSyncSummary(BaseModel):
    """What the sync of every connection did."""

    connections: list[SyncSummary] = []
    failed: dict[str, str] = {}
    """Connection name -> why its sync did not run (the app unreachable, a sync running...)."""


class _ItemProblem(Exception):
    """One item that cannot be made a media; `skip` for a folder problem, else bad data."""

    def __init__(self, reason: str, *, skip: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.skip = skip


_running: set[int] = set()
_running_lock = threading.Lock()


ITEM_WAIT_SECONDS = 600.0
"""How long a single-item sync waits for a running sync of its connection to end."""
_CLAIM_POLL_SECONDS = 0.1


@contextmanager
def _claim(connection_id: int, *, wait: float = 0.0) -> Iterator[None]:
    """The connection's sync slot; ConflictError when it is taken (after `wait` seconds)."""
    deadline = time.monotonic() + wait
    while True:
        with _running_lock:
            if connection_id not in _running:
                _running.add(connection_id)
                break
        if time.monotonic() >= deadline:
            raise ConflictError(f"A sync of connection {connection_id} is already running")
        time.sleep(_CLAIM_POLL_SECONDS)
    try:
        yield
    finally:
        with _running_lock:
            _running.discard(connection_id)


def is_syncing(connection_id: int) -> bool:
    with _running_lock:
        return connection_id in _running


def _check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise StopRequested("The app is shutting down")


def _id_text(value: int | None) -> str | None:
    return str(value) if value else None


def _imdb(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > ID_MAX:
        raise _ItemProblem(f"imdb id too long: {value[:40]!r}", skip=False)
    return value


class _Planner:
    """Turns the app's items into media field values; pure (no I/O)."""

    def __init__(
        self,
        connection: ConnectionRead,
        root_paths: Sequence[str],
    ) -> None:
        self.connection = connection
        self.root_paths = list(root_paths)
        self.added_at = as_utc(connection.added_at)

    def folder(self, item: ArrMovie | ArrSeries) -> str:
        if not item.path:
            raise _ItemProblem("the app reports no folder", skip=True)
        mapped = map_path(item.path, self.connection.path_mappings)
        try:
            folder = normalise_folder(mapped)
        except FolderError as exc:
            raise _ItemProblem(
                f"folder {item.path!r} maps to {mapped!r}, which is not usable ({exc.detail}): "
                "add a path mapping for it to the connection",
                skip=True,
            ) from exc
        if containing_root_path(folder, self.root_paths) is None:
            raise _ItemProblem(
                f"folder {item.path!r} (as Trailarr sees it: {folder!r}) is outside every "
                "library root: add a path mapping to the connection or a library root",
                skip=True,
            )
        return folder

    def fields(self, item: ArrMovie | ArrSeries) -> dict[str, Any]:
        title = item.title.strip()
        if not title or len(title) > TITLE_MAX:
            raise _ItemProblem(f"unusable title {item.title[:60]!r}", skip=False)
        if not 1800 <= item.year <= 3000:
            raise _ItemProblem(f"no usable year ({item.year})", skip=False)
        values: dict[str, Any] = {
            "title": title,
            "year": item.year,
            "folder_path": self.folder(item),
            "imdb_id": _imdb(item.imdb_id),
            "tmdb_id": _id_text(item.tmdb_id),
            "poster_url": item.poster_url(),
        }
        if len(values["poster_url"] or "") > 2048:
            values["poster_url"] = None
        if isinstance(item, ArrMovie):
            trailer = (item.you_tube_trailer_id or "").strip()
            values.update(
                is_movie=True,
                tvdb_id=None,
                youtube_trailer_id=trailer if YOUTUBE_ID_RE.match(trailer) else None,
                media_exists=item.has_file,
            )
        else:
            files = item.statistics.episode_file_count if item.statistics else 0
            values.update(
                is_movie=False,
                tvdb_id=_id_text(item.tvdb_id),
                youtube_trailer_id=None,
                media_exists=files > 0,
            )
        return values

    def monitor_on_add(self, item: ArrMovie | ArrSeries) -> bool:
        mode = self.connection.monitor
        if mode == MonitorMode.NONE:
            return False
        if mode == MonitorMode.MISSING:
            return True  # a media just added has no trailer yet
        if mode == MonitorMode.NEW:
            return item.added is not None and as_utc(item.added) > self.added_at
        return item.monitored


def _fetch(
    connection: ConnectionRead, transport: httpx.BaseTransport | None
) -> tuple[list[str], ItemList[ArrMovie] | ItemList[ArrSeries]]:
    with ArrClient(connection.url, connection.api_key, transport=transport) as client:
        client.check(connection.arr_type)
        roots = client.root_folders()
        items: ItemList[ArrMovie] | ItemList[ArrSeries] = (
            client.movies() if connection.arr_type == ArrType.RADARR else client.series()
        )
    return [root.path for root in roots], items


class _Counter:
    def __init__(self, summary: SyncSummary) -> None:
        self.summary = summary
        self.logged = 0

    def problem(self, name: str, reason: str, *, skip: bool) -> None:
        if skip:
            self.summary.skipped += 1
        else:
            self.summary.errors += 1
        text = f"{name}: {reason}"
        if len(self.summary.problems) < KEPT_PROBLEMS:
            self.summary.problems.append(text)
        if self.logged < LOGGED_PROBLEMS:
            self.logged += 1
            verb = "Skipped" if skip else "Could not read"
            logger.warning(f"{self.summary.connection_name}: {verb} {text}")


def _map_roots(connection: ConnectionRead, reported: Sequence[str], counter: _Counter) -> list[str]:
    roots: list[str] = []
    for path in reported:
        mapped = map_path(path, connection.path_mappings)
        try:
            roots.append(normalise_folder(mapped))
        except FolderError as exc:
            counter.problem(
                f"root folder {path!r}",
                f"maps to {mapped!r}, not usable ({exc.detail}): add a path mapping for it",
                skip=True,
            )
    return sorted(set(roots))


def sync_connection(
    connection_id: int,
    *,
    stop: threading.Event | None = None,
    transport: httpx.BaseTransport | None = None,
) -> SyncSummary:
    """Sync one connection's movies or series into media; blocking (run it in a thread).

    Raises NotFoundError for an unknown connection, ConflictError while a sync of it runs,
    ArrError when the app cannot be read (nothing is changed then).
    """
    with _claim(connection_id):
        connection = ConnectionManager().read(connection_id)
        summary = SyncSummary(connection_id=connection_id, connection_name=connection.name)
        counter = _Counter(summary)
        reported_roots, items = _fetch(connection, transport)
        _check_stop(stop)
        for reason in items.errors:
            counter.problem("an item", reason, skip=False)
        summary.roots = _map_roots(connection, reported_roots, counter)
        removed_titles = _write(connection, summary, counter, items)
    logger.info(
        f"Synced {connection.name}: {summary.added} added, {summary.updated} updated, "
        f"{summary.removed} removed, {summary.unchanged} unchanged, {summary.skipped} skipped, "
        f"{summary.errors} errors"
    )
    if summary.skipped:
        logger.warning(
            f"{connection.name}: {summary.skipped} items skipped; their folders are outside "
            "every library root or taken: check the connection's path mappings"
        )
    for title in removed_titles[:LOGGED_PROBLEMS]:
        logger.info(f"{connection.name}: removed {title} (gone from the app; files kept)")
    return summary


def _write(
    connection: ConnectionRead,
    summary: SyncSummary,
    counter: _Counter,
    items: ItemList[ArrMovie] | ItemList[ArrSeries] | ItemList[ArrMovie | ArrSeries],
    *,
    remove_gone: bool = True,
) -> list[str]:
    """The one write transaction of a sync; the titles of the media it removed.

    Without `remove_gone` (a single-item sync) the connection's media that `items` does
    not list are left alone.
    """
    data = ArrSyncManager()
    now = utc_now()
    with manage_session(None, write=True) as session:
        RootManager().replace_connection_roots(connection.id, summary.roots, _session=session)
        all_roots = RootManager().paths(_session=session)
        planner = _Planner(connection, all_roots)
        existing = {
            m.arr_id: m for m in data.read_connection_media(connection.id, _session=session)
        }
        others: dict[str, SyncedMedia] = {
            m.folder_path: m for m in data.read_other_media(connection.id, _session=session)
        }
        taken: set[str] = set()
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[SyncedMedia, dict[str, Any]]] = []
        for item in items.items:
            try:
                values = planner.fields(item)
                folder = values["folder_path"]
                if folder in taken:
                    raise _ItemProblem(
                        f"folder {folder!r} is also the folder of another item of the app",
                        skip=True,
                    )
                current = existing.get(item.id)
                other = others.get(folder)
                if current is None and other is not None:
                    if other.connection_id is not None:
                        raise _ItemProblem(
                            f"folder {folder!r} is already the folder of {other.title} "
                            f"({other.year}) from another connection",
                            skip=True,
                        )
                    current = other  # a media added by hand: this connection takes it over
                elif current is not None and other is not None and other.id != current.id:
                    raise _ItemProblem(
                        f"folder {folder!r} is already the folder of {other.title} ({other.year})",
                        skip=True,
                    )
            except _ItemProblem as problem:
                counter.problem(f"{item.title!r} (id {item.id})", problem.reason, skip=problem.skip)
                continue
            taken.add(folder)
            if current is None:
                monitor = planner.monitor_on_add(item)
                status = derive_status(in_flight=False, present=False, monitor=monitor)
                values.update(
                    monitor=monitor,
                    status=status,
                    connection_id=connection.id,
                    arr_id=item.id,
                    added_at=now,
                    updated_at=now,
                )
                inserts.append(values)
                continue
            if connection.monitor == MonitorMode.SYNC:
                values["monitor"] = item.monitored
            changes = {
                name: value
                for name, value in values.items()
                if getattr(current, name) != value and name in SYNCED_FIELDS
            }
            if current.arr_id != item.id or current.connection_id != connection.id:
                changes.update(arr_id=item.id, connection_id=connection.id)
            if changes:
                updates.append((current, changes))
            else:
                summary.unchanged += 1
        _update(data, session, updates, now)
        summary.added = data.insert_many(inserts, _session=session)
        summary.updated = len(updates)
        if not remove_gone:
            return []
        gone = [m for arr_id, m in existing.items() if arr_id not in items.ids]
        removed_titles = _remove(connection, gone, summary, session)
    return removed_titles


def _remove(
    connection: ConnectionRead, gone: Sequence[SyncedMedia], summary: SyncSummary, session: Any
) -> list[str]:
    """Remove media gone from the app (their records cascade, their files stay), each with
    a `media_removed` event; their titles."""
    events = EventManager()
    reason = f"gone from {connection.name} ({connection.arr_type.value.capitalize()})"
    removed_titles = []
    for media in gone:
        title = f"{media.title} ({media.year})"
        events.record_media_removed(title, reason, _session=session)
        removed_titles.append(title)
    summary.removed = ArrSyncManager().delete_many([m.id for m in gone], _session=session)
    return removed_titles


def _update(
    data: ArrSyncManager,
    session: Any,
    updates: list[tuple[SyncedMedia, dict[str, Any]]],
    now: datetime,
) -> None:
    """Write the changed rows; a changed `monitor` re-derives the status from the records."""
    monitor_changed = [current.id for current, changes in updates if "monitor" in changes]
    present = data.with_present_trailer(monitor_changed, _session=session)
    rows: list[dict[str, Any]] = []
    for current, changes in updates:
        if "monitor" in changes:
            status = derive_status(
                in_flight=current.status == MonitorStatus.DOWNLOADING,
                present=current.id in present,
                monitor=changes["monitor"],
            )
            if status != current.status:
                changes["status"] = status
        rows.append({"id": current.id, **changes, "updated_at": now})
    data.update_many(rows, _session=session)


def sync_all_connections(*, stop: threading.Event | None = None) -> AllSyncSummary:
    """Sync every connection in turn; one that fails is reported and the others go on."""
    result = AllSyncSummary()
    for connection in ConnectionManager().read_all():
        _check_stop(stop)
        try:
            result.connections.append(sync_connection(connection.id, stop=stop))
        except StopRequested:
            raise
        except AppError as exc:
            result.failed[connection.name] = exc.detail
            logger.warning(f"Sync of {connection.name} did not run: {exc.detail}")
        except Exception as exc:  # one connection's failure never stops the others
            result.failed[connection.name] = f"{type(exc).__name__}: {exc}"
            logger.exception(f"Sync of {connection.name} failed: {exc}")
    return result


ItemOutcome = Literal[
    "added", "updated", "unchanged", "skipped", "error", "removed", "absent", "kept"
]


class ItemSyncResult(BaseModel):
    """What the sync (or removal) of one movie or series did."""

    connection_id: int
    connection_name: str
    arr_id: int
    outcome: ItemOutcome
    """added, updated, unchanged: the media is in the library; skipped, error: the item
    could not be made a media (`reason` says why); removed: gone from the app, so removed
    here; absent: gone from the app and not in the library either; kept: the app still
    lists it, so it was not removed."""
    media_id: int | None = None
    title: str | None = None
    """`Title (year)` of the media, or the app's title of an item that is none."""
    monitor: bool = False
    reason: str | None = None


def _fetch_item(
    connection: ConnectionRead,
    arr_id: int,
    transport: httpx.BaseTransport | None,
    *,
    roots: bool,
) -> tuple[list[str], ArrMovie | ArrSeries | None]:
    """The app's root folders (when `roots`) and its item `arr_id`, None when it is gone.

    An error answer for the item is taken for "gone" only when the app (checked to be the
    one the connection names) no longer lists it: a proxy's error page or a wrong address
    never removes a media. That check reads the whole list, which only happens then.
    """
    radarr = connection.arr_type == ArrType.RADARR
    with ArrClient(connection.url, connection.api_key, transport=transport) as client:
        reported = [root.path for root in client.root_folders()] if roots else []
        try:
            item = client.movie(arr_id) if radarr else client.one_series(arr_id)
        except ArrError as exc:
            if exc.kind != ArrErrorKind.HTTP:
                raise
            client.check(connection.arr_type)
            listed = client.movies().ids if radarr else client.series().ids
            if arr_id in listed:
                raise
            return reported, None
    return reported, item


def _media_of(connection_id: int, arr_id: int) -> SyncedMedia | None:
    media = ArrSyncManager().read_connection_media(connection_id)
    return next((m for m in media if m.arr_id == arr_id), None)


def _remove_gone(connection: ConnectionRead, arr_id: int) -> ItemSyncResult:
    """Remove the media of an item the app no longer has, as the full sync does."""
    summary = SyncSummary(connection_id=connection.id, connection_name=connection.name)
    with manage_session(None, write=True) as session:
        gone = [
            m
            for m in ArrSyncManager().read_connection_media(connection.id, _session=session)
            if m.arr_id == arr_id
        ]
        titles = _remove(connection, gone, summary, session)
    result = ItemSyncResult(
        connection_id=connection.id,
        connection_name=connection.name,
        arr_id=arr_id,
        outcome="removed" if titles else "absent",
        title=titles[0] if titles else None,
    )
    if titles:
        logger.info(f"{connection.name}: removed {titles[0]} (gone from the app; files kept)")
    else:
        logger.info(f"{connection.name}: item {arr_id} is gone from the app and not in the library")
    return result


def sync_item(
    connection_id: int,
    arr_id: int,
    *,
    transport: httpx.BaseTransport | None = None,
    wait: float = ITEM_WAIT_SECONDS,
) -> ItemSyncResult:
    """Sync ONE movie or series of a connection into a media; blocking (run it in a thread).

    As in the full sync, the connection's library roots become the app's root folders and
    the item is added or updated by the same rules (path mappings, roots, monitor mode,
    taken folders); no other media is touched. An item the app no longer lists is removed
    as the full sync removes it. Raises NotFoundError for an unknown connection,
    ConflictError when a sync of it still runs after `wait` seconds, ArrError when the app
    cannot be read (nothing is changed then).
    """
    with _claim(connection_id, wait=wait):
        connection = ConnectionManager().read(connection_id)
        reported_roots, item = _fetch_item(connection, arr_id, transport, roots=True)
        if item is None:
            return _remove_gone(connection, arr_id)
        summary = SyncSummary(connection_id=connection_id, connection_name=connection.name)
        counter = _Counter(summary)
        summary.roots = _map_roots(connection, reported_roots, counter)
        one = ItemList(items=[item], ids={item.id})
        _write(connection, summary, counter, one, remove_gone=False)
    outcome: ItemOutcome
    if summary.added:
        outcome = "added"
    elif summary.updated:
        outcome = "updated"
    elif summary.unchanged:
        outcome = "unchanged"
    else:
        outcome = "skipped" if summary.skipped else "error"
    media = (
        _media_of(connection_id, arr_id) if outcome in {"added", "updated", "unchanged"} else None
    )
    result = ItemSyncResult(
        connection_id=connection_id,
        connection_name=connection.name,
        arr_id=arr_id,
        outcome=outcome,
        media_id=media.id if media else None,
        title=f"{media.title} ({media.year})" if media else f"{item.title} ({item.year})",
        monitor=media.monitor if media else False,
        reason=summary.problems[0] if summary.problems else None,
    )
    if media is not None:
        logger.info(f"{connection.name}: {outcome} {result.title} (item {arr_id})")
    return result


def remove_item(
    connection_id: int,
    arr_id: int,
    *,
    transport: httpx.BaseTransport | None = None,
    wait: float = ITEM_WAIT_SECONDS,
) -> ItemSyncResult:
    """Remove the media of an item the app deleted, as the full sync removes media gone
    from the app (a `media_removed` event, trailer files kept); blocking.

    The app is asked first: while it still lists the item (another instance's event, or
    a delete undone), nothing is removed (`kept`). Raises as `sync_item` does.
    """
    with _claim(connection_id, wait=wait):
        connection = ConnectionManager().read(connection_id)
        _roots, item = _fetch_item(connection, arr_id, transport, roots=False)
        if item is None:
            return _remove_gone(connection, arr_id)
    logger.info(
        f"{connection.name}: {item.title} ({item.year}) (item {arr_id}) is still in the app;"
        " not removed"
    )
    return ItemSyncResult(
        connection_id=connection_id,
        connection_name=connection.name,
        arr_id=arr_id,
        outcome="kept",
        title=f"{item.title} ({item.year})",
        reason="the app still lists it",
    )
