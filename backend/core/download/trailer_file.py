"""Trailer files: naming, moving into the media folder, deleting."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path

from app_logger import ModuleLogger
from core.base.database.models.media import MediaRead
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download.video_analysis import VideoInfo
from core.library.folders import real_within

logger = ModuleLogger("TrailerFile")

NAME_MAX_BYTES = 255
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")


def sanitize_file_name(name: str) -> str:
    """A name that every common file system accepts: no separators, reserved or control
    characters, no leading/trailing dots or spaces; "trailer" when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = _FORBIDDEN.sub(" ", name)
    name = _SPACES.sub(" ", name).strip(" .")
    return name or "trailer"


def truncate_utf8(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` of UTF-8, never in the middle of a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip(" .")


def _resolution_label(info: VideoInfo | None) -> str:
    video = info.video_stream if info else None
    height = (video.height or video.coded_height) if video else 0
    return f"{height}p" if height else ""


def _codec(info: VideoInfo | None, codec_type: str) -> str:
    if info is None:
        return ""
    audio = next(iter(info.audio_streams), None)
    stream = info.video_stream if codec_type == "video" else audio
    return stream.codec_name if stream else ""


def render_file_stem(
    media: MediaRead,
    profile: TrailerProfileRead,
    *,
    info: VideoInfo | None = None,
    video_id: str | None = None,
) -> str:
    """The profile's file name template filled for this media and file, sanitised."""
    values = {
        "title": media.title,
        "year": str(media.year),
        "resolution": _resolution_label(info),
        "vcodec": _codec(info, "video"),
        "acodec": _codec(info, "audio"),
        "youtube_id": video_id or "",
        "imdb_id": media.imdb_id or "",
        "tmdb_id": media.tmdb_id or "",
        "tvdb_id": media.tvdb_id or "",
        "media_type": "movie" if media.is_movie else "series",
        "profile": profile.name,
    }
    return sanitize_file_name(profile.file_name.format(**values))


def trailer_folder(media: MediaRead, profile: TrailerProfileRead) -> Path:
    """Where the profile puts this media's trailer."""
    folder = Path(media.folder_path)
    return folder / profile.folder_name if profile.folder_enabled else folder


def _candidate_names(stem: str, ext: str) -> Iterator[str]:
    """`stem.ext`, then `stem (2).ext`, `stem (3).ext` ..., each within NAME_MAX_BYTES."""
    for n in range(1, 1000):
        suffix = "" if n == 1 else f" ({n})"
        room = NAME_MAX_BYTES - len((suffix + ext).encode("utf-8"))
        yield truncate_utf8(stem, room) + suffix + ext


STAGING_PREFIX = ".trailarr-"
STAGING_SUFFIX = ".part"
"""A file named `.trailarr-<hex>.part` is Trailarr's own copy in progress, never a trailer."""

_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}
)
"""What `os.link` raises where the file system has no hard links (FAT, some SMB/FUSE mounts)."""


def is_staging_name(name: str) -> bool:
    """True for the name of one of Trailarr's staging files (a copy not yet in place)."""
    return (
        name.startswith(STAGING_PREFIX)
        and name.endswith(STAGING_SUFFIX)
        and len(name) > len(STAGING_PREFIX) + len(STAGING_SUFFIX)
    )


def _staging_name() -> str:
    return f"{STAGING_PREFIX}{uuid.uuid4().hex}{STAGING_SUFFIX}"


def _ensure_trailer_folder(media: MediaRead, profile: TrailerProfileRead) -> tuple[Path, bool]:
    """The trailer folder, and whether it was created now.

    The media folder itself is never created: when it is missing, its drive is most likely
    not mounted, and a trailer written there would hide under the mount point. The trailer
    folder, its links resolved, must lie inside the media folder (PermissionError if not).
    """
    if not os.path.isdir(media.folder_path):
        raise FileNotFoundError(
            f"media folder not found (is the drive mounted?): {media.folder_path}"
        )
    folder = trailer_folder(media, profile)
    try:
        os.mkdir(folder)
    except FileExistsError:
        created = False
    else:
        created = True
    # A trailer folder that is a link (or lies under one) leading out of the media folder
    # is refused: nothing is written outside the media's folder.
    if not real_within(str(folder), media.folder_path):
        if created:
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        raise PermissionError(
            f"the trailer folder {folder} leads outside the media folder {media.folder_path}"
            " (a symbolic link?); nothing is written there"
        )
    return folder, created


def _link_to_free_name(source: Path, folder: Path, stem: str, ext: str) -> Path:
    """Hard-link `source` under the first free candidate name; never overwrites."""
    for name in _candidate_names(stem, ext):
        target = folder / name
        try:
            os.link(source, target)
        except FileExistsError:
            continue
        return target
    raise FileExistsError(f"no free file name for {stem}{ext} in {folder}")


def _rename_to_free_name(source: Path, folder: Path, stem: str, ext: str) -> Path:
    """Rename `source` to the first candidate name that does not exist yet.

    For file systems without hard links. Checking and renaming are two steps: a file that
    another program creates under the same name in between is replaced.
    """
    for name in _candidate_names(stem, ext):
        target = folder / name
        if os.path.lexists(target):
            continue
        os.rename(source, target)
        return target
    raise FileExistsError(f"no free file name for {stem}{ext} in {folder}")


def _sync_folder(folder: Path) -> None:
    """Make the folder's new entries durable; best effort (not every file system can)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        logger.debug(f"Could not sync the folder {folder}: {exc.strerror}")


def _remove_source(source: Path) -> None:
    """Remove the work file; one that is already gone is fine."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(source)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _place_on_same_file_system(source: Path, folder: Path, stem: str, ext: str) -> Path:
    """Link the work file into place (or rename it, without hard links), then remove it."""
    try:
        target = _link_to_free_name(source, folder, stem, ext)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        target = _rename_to_free_name(source, folder, stem, ext)
        _sync_folder(folder)
        return target
    try:
        _sync_folder(folder)
        _remove_source(source)
    except BaseException:
        _unlink_quietly(target)
        raise
    return target


def _place_by_copy(source: Path, folder: Path, stem: str, ext: str) -> Path:
    """Copy the work file into a staging file beside its target, then link it into place."""
    staging = folder / _staging_name()
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    target: Path | None = None
    try:
        with os.fdopen(fd, "wb") as copy, open(source, "rb") as original:
            shutil.copyfileobj(original, copy)
            copy.flush()
            shutil.copystat(source, staging)
            os.fsync(copy.fileno())
        try:
            target = _link_to_free_name(staging, folder, stem, ext)
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            target = _rename_to_free_name(staging, folder, stem, ext)
        else:
            os.unlink(staging)
        _sync_folder(folder)
        _remove_source(source)
    except BaseException:
        if target is not None:
            _unlink_quietly(target)
        _unlink_quietly(staging)
        raise
    return target


def move_trailer_to_folder(
    output_file: str | Path,
    media: MediaRead,
    profile: TrailerProfileRead,
    *,
    info: VideoInfo | None = None,
    video_id: str | None = None,
) -> str:
    """Move a finished trailer into the media's folder and return its final path.

    The name comes from the profile's template, sanitised and kept within 255 bytes; an
    existing file is never overwritten (" (2)", " (3)", ... are tried). The trailer appears
    under its final name only when complete, so that a media server never reads half a file
    and a crash never leaves an empty or truncated trailer:

    - on the work file's file system, the final name is created as a hard link to the work
      file, which is then removed;
    - on another file system, the file is copied into a staging file beside its target
      (`.trailarr-<hex>.part`, see `is_staging_name`), synced to disk, hard-linked under the
      final name, and the staging file removed;
    - where hard links are not supported, the complete file is renamed to a name checked to
      be free just before: a file another program creates under that name in the instant
      between the check and the rename would be replaced.

    Killed at any point, the call leaves no file under the final name or a complete one, the
    work file unless the trailer is complete in place, and perhaps a staging file, which
    `remove_staging_files` clears. On failure, what this call created is removed (the trailer
    subfolder too when it is still empty) and the error re-raised; the work file stays.

    The media folder must exist (FileNotFoundError otherwise: its drive may not be mounted);
    only the profile's trailer subfolder is created. Blocking: call it from a worker thread.
    """
    source = Path(output_file)
    folder, created = _ensure_trailer_folder(media, profile)
    stem = render_file_stem(media, profile, info=info, video_id=video_id)
    ext = source.suffix.lower()
    try:
        target: Path | None = None
        if source.stat().st_dev == folder.stat().st_dev:
            try:
                target = _place_on_same_file_system(source, folder, stem, ext)
            except OSError as exc:
                # Same device, different mount points (bind mounts): copy instead.
                if exc.errno != errno.EXDEV:
                    raise
        if target is None:
            target = _place_by_copy(source, folder, stem, ext)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        raise
    logger.info(f"Moved trailer for {media.title} [{media.id}] to {target}")
    return str(target)


def remove_staging_files(folder: str | Path) -> list[str]:
    """Remove Trailarr's staging files directly in `folder`; returns their paths. Blocking.

    Only regular files with a staging name (`is_staging_name`) go: links, folders and other
    files are left alone, and subfolders are not searched. A folder that is missing or cannot
    be read is logged, never raised.
    """
    removed: list[str] = []
    try:
        with os.scandir(folder) as entries:
            found = [entry for entry in entries if is_staging_name(entry.name)]
    except OSError as exc:
        logger.warning(f"Could not look for unfinished trailer copies in {folder}: {exc}")
        return removed
    for entry in found:
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            os.unlink(entry.path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            logger.warning(f"Could not remove the unfinished trailer copy {entry.path}: {exc}")
            continue
        logger.info(f"Removed the unfinished trailer copy {entry.path}")
        removed.append(entry.path)
    return removed


def removal_refused(path: str, folder: str, *, resolve: bool = True) -> str | None:
    """Why `path` may not be removed as a trailer of the media in `folder`; None if it may.

    Links are resolved first: a path, or a link, that leads outside the folder is refused.
    `resolve=False` judges the path as written, without touching the disk (inside a
    transaction); the removal itself judges again with the links resolved.
    """
    if resolve:
        inside = Path(path).resolve().is_relative_to(Path(folder).resolve())
    else:
        inside = Path(os.path.normpath(os.path.abspath(path))).is_relative_to(
            os.path.normpath(os.path.abspath(folder))
        )
    if not inside:
        return f"Not deleting {path}: it is outside the media folder {folder}"
    return None


def remove_trailer_file(path: str, *, within: str) -> str | None:
    """Remove a trailer file of the media in `within`. Blocking.

    Returns None when the file is gone (removed now, or already), else why it is not.
    """
    refused = removal_refused(path, within)
    if refused is not None:
        logger.warning(refused)
        return refused
    try:
        Path(path).unlink()
    except FileNotFoundError:
        return None
    except OSError as exc:
        reason = f"Could not delete {path}: {exc.strerror}"
        logger.warning(reason)
        return reason
    logger.info(f"Deleted trailer file {path}")
    return None


def delete_files(paths: list[str], *, within: str) -> int:
    """Delete the files of `paths` that exist inside `within`; how many went. Blocking."""
    deleted = 0
    for path in paths:
        existed = os.path.lexists(path)
        if remove_trailer_file(path, within=within) is None and existed:
            deleted += 1
    return deleted
