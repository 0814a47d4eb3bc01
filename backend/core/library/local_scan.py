"""Local library roots scanned into media: one media per subfolder of a root.

A local root (`connection_id` None) with `scan` on holds one folder per movie or series
(`is_movie` of the root; None counts as movies):

- the name gives the title and the year: `Title (Year)`, optionally followed by id tags
  such as `{imdb-tt0133093}`, `[imdbid-tt0133093]`, `{tmdb-603}`, `[tmdbid-603]`,
  `{tvdb-81189}` or `[tvdbid-81189]`; the ids are stored when present;
- a name without a year (`Title`, usual for series) takes the year of the folder's
  modification time: the model needs a year, and the user can correct it (PATCH);
- `media_exists` is true when a video file (by extension) lies in the folder or in its
  subfolders (series seasons), trailers and the trailer subfolders left out;
- new media are added unmonitored (`monitor` false): a scan never starts downloads by
  itself; monitor them in the Library (bulk) or through the `missing` rules;
- a media whose folder name now gives another title or year is updated;
- a media whose folder is gone is removed, with a `media_removed` event, but only when the
  root folder exists and holds something: an unmounted drive (a missing or empty mount
  point) never wipes the library.

Skipped, with a log line and counted in the summary, never raised: names that are not
UTF-8 or hold control characters, subfolders that are links leading out of the root, and
folders that cannot be read. Hidden folders (".name") are ignored. Media of a connection
that happen to lie in a local root are left alone.

Blocking: run it in a worker thread. One scan at a time (a lock), so that the `sync` task
and `POST /api/v1/roots/{id}/scan` never scan at once.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from app_logger import ModuleLogger
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.root import RootManager
from core.base.database.manager.session import manage_session
from core.base.database.models.media import MediaRead, MediaSyncCreate, MediaSyncUpdate
from core.base.database.models.root import LibraryRootRead
from core.history.backfill import TRAILER_STEM_SUFFIXES, is_video_name
from core.history.reconcile import check_stop, is_utf8_path, readable_path
from core.library import media_service
from core.library.folders import real_within

logger = ModuleLogger("LocalScan")

_scan_lock = threading.Lock()

_YEAR_RE = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)(?P<rest>.*)$")
_TAG_RE = re.compile(
    r"[\[{]\s*(?P<key>imdb|tmdb|tvdb)(?:id)?\s*[-=:]\s*(?P<value>[^\]}\s]+)\s*[\]}]", re.IGNORECASE
)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
MEDIA_DEPTH = 3
"""How deep under a media folder videos are looked for (a series' season folders)."""
NOT_MEDIA_FOLDERS = frozenset({"trailers", "extras", "featurettes", "behind the scenes"})
"""Subfolders whose videos are not the movie or episode files."""


class ScanSummary(BaseModel):
    """What a scan of local roots found and changed.

    `unavailable_roots`: roots missing or empty (nothing removed from them); `skipped`:
    subfolders left out (bad names, links leading out of the root, unreadable).
    """

    roots: int = 0
    unavailable_roots: int = 0
    folders: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    skipped: int = 0
    errors: int = 0


@dataclass(frozen=True)
class FolderName:
    """What a media folder's name says."""

    title: str
    year: int | None
    imdb_id: str | None = None
    tmdb_id: str | None = None
    tvdb_id: str | None = None


def parse_folder_name(name: str) -> FolderName | None:
    """Title, year and ids from `Title (Year) {imdb-tt…}`-style names; None when no title."""
    ids: dict[str, str] = {}
    for tag in _TAG_RE.finditer(name):
        ids.setdefault(f"{tag['key'].lower()}_id", tag["value"][:32])
    bare = _TAG_RE.sub(" ", name)
    year: int | None = None
    match = _YEAR_RE.match(bare)
    if match and 1800 <= int(match["year"]) <= 3000:
        year = int(match["year"])
        bare = match["title"]
    title = " ".join(bare.split()).strip(" -")
    if not title:
        return None
    return FolderName(title=title[:500], year=year, **ids)


def _has_video(folder: str, depth: int = MEDIA_DEPTH) -> bool:
    """Whether a movie or episode file lies in `folder` (links to folders not followed)."""
    try:
        with os.scandir(folder) as entries:
            found = list(entries)
    except OSError:
        return False
    subfolders: list[str] = []
    for entry in found:
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name.lower() not in NOT_MEDIA_FOLDERS and not entry.name.startswith("."):
                    subfolders.append(entry.path)
                continue
            stem = os.path.splitext(entry.name)[0]
            if (
                is_video_name(entry.name)
                and not stem.lower().endswith(TRAILER_STEM_SUFFIXES)
                and entry.is_file()
            ):
                return True
        except OSError:
            continue
    return depth > 1 and any(_has_video(sub, depth - 1) for sub in subfolders)


@dataclass(frozen=True)
class _Found:
    path: str
    name: FolderName
    exists: bool


def _year_of(path: str) -> int:
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime, UTC).year
    except (OSError, OverflowError, ValueError):
        return datetime.now(UTC).year


def _list_root(root: LibraryRootRead, summary: ScanSummary) -> list[_Found] | None:
    """The media folders of the root; None when the root is missing, empty or unreadable."""
    try:
        with os.scandir(root.path) as entries:
            found = list(entries)
    except OSError as exc:
        logger.warning(
            f"The library root {root.path} cannot be read ({exc.strerror}): is the drive"
            " mounted? Nothing in it is changed"
        )
        return None
    if not found:
        logger.warning(
            f"The library root {root.path} is empty: is the drive mounted? Nothing in it is changed"
        )
        return None
    folders: list[_Found] = []
    for entry in sorted(found, key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        shown = readable_path(entry.path)
        try:
            if not entry.is_dir():
                continue
            if not is_utf8_path(entry.path) or _CONTROL_RE.search(entry.name):
                summary.skipped += 1
                logger.warning(f"Skipped {shown}: its name is not UTF-8 text; rename the folder")
                continue
            if entry.is_symlink() and not real_within(entry.path, root.path):
                summary.skipped += 1
                logger.warning(
                    f"Skipped {shown}: it is a link that leads outside the library root {root.path}"
                )
                continue
            name = parse_folder_name(entry.name)
            if name is None:
                summary.skipped += 1
                logger.warning(f"Skipped {shown}: no title in its name")
                continue
            folders.append(_Found(entry.path, name, _has_video(entry.path)))
        except OSError as exc:
            summary.skipped += 1
            logger.warning(f"Skipped {shown}: {exc.strerror}")
    summary.folders += len(folders)
    return folders


def _changes(media: MediaRead, found: _Found, year: int) -> MediaSyncUpdate | None:
    values: dict[str, object] = {}
    if media.title != found.name.title:
        values["title"] = found.name.title
    if media.year != year:
        values["year"] = year
    if media.media_exists != found.exists:
        values["media_exists"] = found.exists
    for key in ("imdb_id", "tmdb_id", "tvdb_id"):
        value = getattr(found.name, key)
        if value and getattr(media, key) != value:
            values[key] = value
    return MediaSyncUpdate.model_validate(values) if values else None


def scan_root(root: LibraryRootRead, stop: threading.Event | None = None) -> ScanSummary:
    """Scan one local root into media (see the module's docstring). Blocking."""
    summary = ScanSummary(roots=1)
    with _scan_lock:
        _scan_root(root, stop, summary)
    return summary


def _scan_root(root: LibraryRootRead, stop: threading.Event | None, summary: ScanSummary) -> None:
    is_movie = root.is_movie is not False
    folders = _list_root(root, summary)
    if folders is None:
        summary.unavailable_roots += 1
        return
    check_stop(stop)
    manager = MediaDatabaseManager()
    by_folder = {f.path: f for f in folders}
    with manage_session(write=True) as session:
        known = [
            m
            for m in manager.read_in_folder(root.path, _session=session)
            if m.connection_id is None and os.path.dirname(m.folder_path) == root.path
        ]
        known_folders = {m.folder_path for m in known}
        for media in known:
            check_stop(stop)
            found = by_folder.get(media.folder_path)
            if found is None:
                if os.path.lexists(media.folder_path):
                    continue  # skipped above (a bad name, a link), not gone
                title = f"{media.title} ({media.year})"
                media_service.remove_media(
                    media.id,
                    f"its folder {media.folder_path} is gone from the library root {root.path}",
                    _session=session,
                )
                logger.info(f"Removed {title} [{media.id}]: its folder is gone")
                summary.removed += 1
                continue
            year = found.name.year or media.year
            change = _changes(media, found, year)
            if change is not None:
                manager.update(media.id, change, _session=session)
                summary.updated += 1
        for found in folders:
            if found.path in known_folders:
                continue
            check_stop(stop)
            try:
                media_service.create_media(
                    MediaSyncCreate(
                        title=found.name.title,
                        year=found.name.year or _year_of(found.path),
                        is_movie=is_movie,
                        folder_path=found.path,
                        imdb_id=found.name.imdb_id,
                        tmdb_id=found.name.tmdb_id,
                        tvdb_id=found.name.tvdb_id,
                        monitor=False,
                        media_exists=found.exists,
                    ),
                    _session=session,
                )
            except Exception as exc:  # one bad folder never stops the scan
                summary.errors += 1
                logger.warning(f"Could not add {readable_path(found.path)}: {exc}")
                continue
            summary.added += 1
    logger.info(
        f"Scanned the library root {root.path}: {summary.added} added, {summary.updated}"
        f" updated, {summary.removed} removed, {summary.skipped} skipped"
    )


def scan_local_roots(stop: threading.Event) -> ScanSummary:
    """Scan every local root whose `scan` is on; the summary adds up all of them. Blocking."""
    total = ScanSummary()
    roots = [r for r in RootManager().read_all() if r.connection_id is None and r.scan]
    for root in roots:
        check_stop(stop)
        one = scan_root(root, stop)
        for field in ScanSummary.model_fields:
            setattr(total, field, getattr(total, field) + getattr(one, field))
    return total
