"""Trailer files: naming, moving into the media folder, deleting."""

from __future__ import annotations

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


def _reserve(folder: Path, stem: str, ext: str) -> Path:
    """Create an empty file under the first free name, so no other file is overwritten."""
    for name in _candidate_names(stem, ext):
        target = folder / name
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            continue
        os.close(fd)
        return target
    raise FileExistsError(f"no free file name for {stem}{ext} in {folder}")


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
    existing file is never overwritten (" (2)", " (3)", ... are tried). Works across file
    systems: the file is copied next to its target first, then renamed into place.
    Blocking: call it from a worker thread.
    """
    source = Path(output_file)
    folder = trailer_folder(media, profile)
    folder.mkdir(parents=True, exist_ok=True)
    stem = render_file_stem(media, profile, info=info, video_id=video_id)
    target = _reserve(folder, stem, source.suffix.lower())
    try:
        if source.stat().st_dev == folder.stat().st_dev:
            os.replace(source, target)
        else:
            staging = folder / f".trailarr-{uuid.uuid4().hex}.part"
            try:
                shutil.copy2(source, staging)
                os.replace(staging, target)
            finally:
                staging.unlink(missing_ok=True)
            source.unlink()
    except BaseException:
        if target.exists() and target.stat().st_size == 0:
            target.unlink()
        raise
    logger.info(f"Moved trailer for {media.title} [{media.id}] to {target}")
    return str(target)


def delete_files(paths: list[str], *, within: str | None = None) -> int:
    """Delete the files that exist; returns how many were deleted. Blocking.

    With `within`, a path outside that folder is left alone (and logged): a record can only
    take files from its own media folder with it.
    """
    deleted = 0
    root = Path(within).resolve() if within else None
    for path in paths:
        if root is not None and not Path(path).resolve().is_relative_to(root):
            logger.warning(f"Not deleting {path}: it is outside the media folder {root}")
            continue
        try:
            Path(path).unlink()
            deleted += 1
            logger.info(f"Deleted trailer file {path}")
        except FileNotFoundError:
            continue
        except OSError as exc:
            logger.warning(f"Could not delete trailer file {path}: {exc.strerror}")
    return deleted
