"""Crash recovery: put right, at start-up, what a previous process left half done.

A download runs in a work folder of its own (`APP_DATA_DIR/tmp/media-<id>-<hex>`) and sets
its media to "downloading". Before it places the verified trailer in the media folder it
writes a placement intent there (`intent.json`: media, profile, source, fingerprint). A
process killed at any moment can leave:

- media still "downloading" with nothing running;
- a work folder with partial downloads;
- a staging file (`.trailarr-*.part`) in a trailer folder, from a copy across file
  systems;
- a complete trailer under its final name with no record (killed between the placement
  and the commit of its record).

`recover_interrupted_downloads` runs before the app serves (from the lifespan): the
complete trailer of an intent is recorded with the intent's profile and source (found by
its fingerprint), staging files are removed, every "downloading" media gets the status its
records give and a "download interrupted" event, and the work folder is emptied. Each
action is logged. Blocking: call it from a worker thread.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import BaseModel

from app_logger import ModuleLogger
from config import get_settings
from core.base.database.engine import write_session
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.download import DownloadManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.database.models.event import EventCreate, EventType
from core.base.database.models.media import MediaRead
from core.download import trailer_file
from core.download.service import PathTakenError, build_download, record_download
from core.download.video_analysis import get_media_info
from core.exceptions import NotFoundError
from core.history.fingerprint import file_fingerprint, fingerprint_size
from core.history.reconcile import walk_files

logger = ModuleLogger("Recovery")

INTENT_FILE = "intent.json"


@dataclass(frozen=True)
class PlacementIntent:
    """What a download is about to place in a media folder, written before it does."""

    media_id: int
    profile_id: int
    video_id: str
    source_url: str | None
    fingerprint: str


class RecoverySummary(BaseModel):
    """What start-up recovery found and did."""

    interrupted_media: int = 0
    recorded: int = 0
    staging_removed: int = 0
    work_entries_removed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.interrupted_media} interrupted downloads, {self.recorded} complete trailers"
            f" recorded, {self.staging_removed} staging files and {self.work_entries_removed}"
            " work folder entries removed"
        )


def write_intent(work_dir: Path, intent: PlacementIntent) -> None:
    """Write the intent into the download's work folder, durably, before the placement."""
    path = work_dir / INTENT_FILE
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(asdict(intent), handle)
        handle.flush()
        os.fsync(handle.fileno())


def _read_intent(work_dir: Path) -> PlacementIntent | None:
    try:
        data = json.loads((work_dir / INTENT_FILE).read_text(encoding="utf-8"))
        return PlacementIntent(**data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        logger.warning(f"Ignored an unreadable placement intent in {work_dir}: {exc}")
        return None


def _find_placed(folder: Path, fingerprint: str) -> Path | None:
    """The file under `folder` whose content has this fingerprint (same size first)."""
    size = fingerprint_size(fingerprint)
    for path, found_size in walk_files(str(folder)):  # staging files are left out
        if found_size != size:
            continue
        try:
            if file_fingerprint(path) == fingerprint:
                return Path(path)
        except OSError:
            continue
    return None


def _record_placed(intent: PlacementIntent, media: MediaRead, path: Path) -> bool:
    """Record a complete trailer that its download placed but did not record."""
    info = get_media_info(str(path))
    if info is None:
        logger.warning(f"Recovery: {path} cannot be analysed; left for backfill to judge")
        return False
    download = build_download(
        media_id=media.id,
        profile_id=intent.profile_id,
        file_path=str(path),
        youtube_video_id=intent.video_id,
        stat=path.stat(),
        media_info=info,
        source_url=intent.source_url,
        fingerprint=intent.fingerprint,
    )
    try:
        with write_session() as session:
            record_download(
                session,
                download,
                message=f"Trailer recorded at start-up: it was placed at {path} just before"
                " Trailarr stopped",
                take_path=False,
                ends_download=False,  # the interruption itself is put right below
            )
    except PathTakenError:
        return False
    logger.info(f"Recovery: recorded the complete trailer at {path} for {media.title}")
    return True


def _recover_intent(intent: PlacementIntent, summary: RecoverySummary) -> None:
    try:
        media = MediaDatabaseManager().read(intent.media_id)
        profile = TrailerProfileManager().read(intent.profile_id)
    except NotFoundError:
        return  # deleted since: nothing to record
    folder = trailer_file.trailer_folder(media, profile)
    summary.staging_removed += len(trailer_file.remove_staging_files(folder))
    placed = _find_placed(folder, intent.fingerprint)
    if placed is None:
        return
    if DownloadManager().present_holder(str(placed)) is not None:
        return  # recorded before the stop
    if _record_placed(intent, media, placed):
        summary.recorded += 1


def _trailer_folders(media: MediaRead) -> list[Path]:
    """The media folder and every profile's trailer subfolder in it."""
    folder = Path(media.folder_path)
    names = {p.folder_name for p in TrailerProfileManager().read_all()}
    return [folder, *(folder / name for name in sorted(names))]


def _end_interrupted(media: MediaRead, summary: RecoverySummary) -> None:
    for folder in _trailer_folders(media):
        summary.staging_removed += len(trailer_file.remove_staging_files(folder))
    with write_session() as session:
        status = MediaDatabaseManager().refresh_status(media.id, in_flight=False, _session=session)
        EventManager().create(
            EventCreate(
                media_id=media.id,
                event_type=EventType.INTERRUPTED,
                message="Download interrupted: Trailarr stopped while it ran; the media is"
                f" {status} again",
            ),
            _session=session,
        )
    summary.interrupted_media += 1
    logger.warning(
        f"Recovery: the download for {media.title} [{media.id}] was interrupted by a stop;"
        f" its status is {status} again"
    )


def _empty_work_folder(work: Path, summary: RecoverySummary) -> None:
    try:
        entries = list(work.iterdir())
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        summary.work_entries_removed += 1
    if entries:
        logger.info(f"Recovery: removed {len(entries)} leftovers from the work folder {work}")


def recover_interrupted_downloads() -> RecoverySummary:
    """Put right what a previous process left half done (see the module). Blocking.

    Run it before any download starts: every download in flight on record is taken as
    interrupted. A problem with one media is logged and the others are still recovered.
    """
    summary = RecoverySummary()
    work = get_settings().temp_dir
    work_dirs = sorted(p for p in work.glob("media-*") if p.is_dir()) if work.is_dir() else []
    for work_dir in work_dirs:
        intent = _read_intent(work_dir)
        if intent is None:
            continue
        try:
            _recover_intent(intent, summary)
        except Exception as exc:
            logger.exception(f"Recovery of {work_dir} failed: {exc}")
    for media in MediaDatabaseManager().read_in_flight():
        try:
            _end_interrupted(media, summary)
        except Exception as exc:
            logger.exception(f"Recovery of media {media.id} failed: {exc}")
    _empty_work_folder(work, summary)
    if summary.interrupted_media or summary.recorded or summary.staging_removed:
        logger.info(f"Recovery: {summary}")
    return summary
