"""Media changes with the folder rules applied: what the API routes and the sync call.

The manager (core/base/database/manager/base.py) stores what it is given; this module
decides what may be stored:

- a media folder is absolute and normalised (`folders.normalise_folder`), lies inside a
  library root, and is no other media's folder;
- a `trailer_url` passes the source policy's parsing (`parse_source`, no I/O): a YouTube
  link or id is stored as `youtube_trailer_id` (and `trailer_url` cleared), any other
  http(s) URL as `trailer_url`. The DNS check of the policy runs when it is downloaded;
- a removed media leaves a `media_removed` event behind (see `remove_media`).

Every function takes `_session` like a manager method: a caller's unit of work (the sync)
passes its session and commits once; without one, each call is its own transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from sqlmodel import Session

from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.root import RootManager
from core.base.database.manager.session import manage_session
from core.base.database.models.download import DownloadRead
from core.base.database.models.media import (
    MediaCreate,
    MediaRead,
    MediaSyncCreate,
    MediaSyncUpdate,
    MediaUpdate,
)
from core.download.sources import parse_source
from core.exceptions import InvalidInputError, SourceRefusedError
from core.library.folders import (
    FolderError,
    check_real_folder,
    containing_root_path,
    normalise_folder,
    outside_roots_message,
)

media_manager = MediaDatabaseManager()
root_manager = RootManager()
event_manager = EventManager()

BULK_MAX = 1000
"""The most media ids one bulk change takes."""


def check_folder(folder: str, root_paths: Iterable[str]) -> str:
    """`folder` normalised, if it lies inside one of `root_paths`; FolderError otherwise.

    Pure: the sync checks a whole library against the roots it read once.
    """
    normal = normalise_folder(folder)
    if containing_root_path(normal, root_paths) is None:
        raise FolderError(outside_roots_message(normal))
    return normal


def _check_unique_folder(session: Session, folder: str, media_id: int | None) -> None:
    other = media_manager.find_by_folder(folder, exclude_id=media_id, _session=session)
    if other is not None:
        raise FolderError(
            f"The folder {folder} is already the folder of {other.title} ({other.year})"
            f" [{other.id}]"
        )


def trailer_fields(trailer_url: str | None) -> dict[str, str | None]:
    """The fields to store for a `trailer_url` sent by the user; 422 for a refused one.

    None clears `trailer_url`. A YouTube id or link becomes `youtube_trailer_id` (and
    clears `trailer_url`); any other http(s) URL is kept as `trailer_url`.
    """
    if trailer_url is None:
        return {"trailer_url": None}
    try:
        source = parse_source(trailer_url)
    except SourceRefusedError as exc:
        raise InvalidInputError(f"trailer_url is refused: {exc.detail}") from exc
    if source.is_youtube:
        return {"trailer_url": None, "youtube_trailer_id": source.video_id}
    return {"trailer_url": source.url}


def create_media(
    media: MediaCreate | MediaSyncCreate, *, _session: Session | None = None
) -> MediaRead:
    """Add a media whose folder passes the rules (FolderError, 422, says why not)."""
    with manage_session(_session, write=True) as session:
        folder = check_folder(media.folder_path, root_manager.paths(_session=session))
        _check_unique_folder(session, folder, None)
        values: dict[str, object] = {"folder_path": folder}
        if media.trailer_url is not None:
            values.update(trailer_fields(media.trailer_url))
        return media_manager.create(media.model_copy(update=values), _session=session)


def update_media(
    media_id: int, update: MediaUpdate | MediaSyncUpdate, *, _session: Session | None = None
) -> MediaRead:
    """Apply a partial update; a new folder is checked like a new media's.

    The status follows `monitor` (refreshed by the manager's update).
    """
    with manage_session(_session, write=True) as session:
        media_manager.read(media_id, _session=session)  # NotFoundError first
        sent = update.model_fields_set
        values: dict[str, object] = {}
        if "folder_path" in sent:
            if update.folder_path is None:
                raise FolderError("folder_path must not be null")
            folder = check_folder(update.folder_path, root_manager.paths(_session=session))
            _check_unique_folder(session, folder, media_id)
            values["folder_path"] = folder
        if "trailer_url" in sent:
            values.update(trailer_fields(update.trailer_url))
        changes = update.model_copy(update=values)
        changes.model_fields_set.update(values)
        return media_manager.update(media_id, changes, _session=session)


def set_monitor(media_ids: list[int], monitor: bool, *, _session: Session | None = None) -> int:
    """Monitor (or not) the media of `media_ids`; how many there were. Status refreshed."""
    if len(media_ids) > BULK_MAX:
        raise InvalidInputError(f"At most {BULK_MAX} media can be changed at once")
    with manage_session(_session, write=True) as session:
        return media_manager.set_monitor(media_ids, monitor, _session=session)


def remove_media(
    media_id: int, reason: str, *, _session: Session | None = None
) -> list[DownloadRead]:
    """Delete a media gone from its source, leaving a `media_removed` event that says so.

    Its download records go with it (cascade); the files stay. Returns the records it had.
    """
    with manage_session(_session, write=True) as session:
        media = media_manager.read(media_id, _session=session)
        downloads = media_manager.delete(media_id, _session=session)
        event_manager.record_media_removed(
            f"{media.title} ({media.year})", reason, _session=session
        )
        return downloads


def check_media_folder_on_disk(media: MediaRead) -> None:
    """Refuse to write into a media folder that lies outside its root on disk. Blocking.

    The folder must be inside a library root by its path, exist (a missing one is never
    created: "is the drive mounted?"), and, its links resolved, lie inside its root with the
    root's links resolved: a media folder that is a link to elsewhere is refused. Raises
    FolderError with the reason.
    """
    try:
        folder = normalise_folder(media.folder_path)
    except FolderError as exc:
        raise FolderError(f"the media folder is refused: {exc.detail}") from exc
    root = root_manager.containing_root(folder)
    if root is None:
        raise FolderError(outside_roots_message(folder))
    if not os.path.isdir(folder):
        raise FolderError(f"media folder not found (is the drive mounted?): {folder}")
    check_real_folder(folder, root.path, what="the media folder", where="its library root")
