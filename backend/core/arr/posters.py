"""Posters: fetched once through the media's connection, resized, cached in APP_DATA_DIR.

A media synced from Radarr/Sonarr keeps the app's poster address (`poster_url`, e.g.
`/MediaCover/1/poster.jpg?lastWrite=...`). The first request for the poster fetches it from
that app with the connection's API key (never from the internet: the `remoteUrl` the app
also reports is not used), shrinks it to at most `POSTER_WIDTH` pixels wide as a JPEG, and
keeps it under `APP_DATA_DIR/cache/posters/`. Later requests are served from there; a new
`poster_url` (the app's `lastWrite` changed) makes a new file. The cache holds at most
`CACHE_LIMIT_BYTES`: the least recently served files go first. A fetch that failed is not
tried again for `RETRY_SECONDS`, so a library page full of posters of an unreachable app
does not hammer it.

Fetched on the first request rather than after each sync: the library shows a page of
posters at a time, and prefetching 10,000 of them would load the *arr app for nothing.
Everything here blocks: call it from a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
import time
from pathlib import Path

from app_logger import ModuleLogger
from config import get_settings
from core.arr.client import ArrClient, ArrError
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.connection import ConnectionManager
from core.exceptions import NotFoundError

logger = ModuleLogger("Posters")

POSTER_WIDTH = 300
CACHE_LIMIT_BYTES = 200 * 1024 * 1024
RETRY_SECONDS = 600.0
JPEG_QUALITY = 85


def _app_path(poster_url: str, connection_url: str) -> str | None:
    """The poster's path on the app, or None for an address elsewhere."""
    base = connection_url.rstrip("/")
    if poster_url.startswith(base + "/"):
        return poster_url[len(base) :]
    if poster_url.startswith("/") and not poster_url.startswith("//"):
        return poster_url
    return None


def shrink(data: bytes, width: int = POSTER_WIDTH) -> bytes:
    """The image as a JPEG at most `width` pixels wide; ValueError when it is no image."""
    from PIL import Image, UnidentifiedImageError  # loaded with the first poster

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (width, width * 3))
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a readable image: {exc}") from exc
    picture.thumbnail((width, width * 3))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


class PosterCache:
    """The poster files of media, fetched on first use; thread-safe."""

    def __init__(self, folder: Path | None = None, *, limit_bytes: int = CACHE_LIMIT_BYTES):
        self._folder = folder
        self.limit_bytes = limit_bytes
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._failed: dict[str, float] = {}

    @property
    def folder(self) -> Path:
        return self._folder or get_settings().app_data_dir / "cache" / "posters"

    def _key_lock(self, name: str) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(name, threading.Lock())

    def poster(self, media_id: int) -> bytes | None:
        """The media's poster (JPEG bytes), or None when it has none or it cannot be had.

        NotFoundError for an unknown media.
        """
        media = MediaDatabaseManager().read(media_id)
        if not media.poster_url or media.connection_id is None:
            return None
        digest = hashlib.sha256(
            f"{media.connection_id}:{media.poster_url}".encode(errors="replace")
        ).hexdigest()[:16]
        name = f"{media_id}-{digest}.jpg"
        path = self.folder / name
        cached = self._read(path)
        if cached is not None:
            return cached
        with self._key_lock(name):
            cached = self._read(path)  # fetched by another request meanwhile
            if cached is not None:
                return cached
            failed_key = str(path)  # the folder differs between data folders (and tests)
            failed_at = self._failed.get(failed_key)
            if failed_at is not None and time.monotonic() - failed_at < RETRY_SECONDS:
                return None
            try:
                data = self._fetch(media.connection_id, media.poster_url)
            except (ArrError, ValueError, NotFoundError) as exc:
                self._failed[failed_key] = time.monotonic()
                logger.warning(f"No poster for media {media_id}: {exc}")
                return None
            self._failed.pop(failed_key, None)
            self._store(path, data, media_id)
            return data

    def _read(self, path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently served: evicted last
        return data

    def _fetch(self, connection_id: int, poster_url: str) -> bytes:
        connection = ConnectionManager().read(connection_id)
        path = _app_path(poster_url, connection.url)
        if path is None:
            raise ValueError("the poster address is not on the connection's app")
        with ArrClient(connection.url, connection.api_key) as client:
            return shrink(client.image(path))

    def _store(self, path: Path, data: bytes, media_id: int) -> None:
        folder = path.parent
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{media_id}-*.jpg"):
            if old != path:
                old.unlink(missing_ok=True)
        partial = folder / f".{path.name}.{threading.get_ident()}.part"
        partial.write_bytes(data)
        os.replace(partial, path)
        self._evict(keep=path)

    def _evict(self, *, keep: Path) -> None:
        """Delete the least recently served files until the cache fits its limit."""
        files: list[tuple[float, int, Path]] = []
        total = 0
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if not entry.name.endswith(".jpg") or not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
                files.append((stat.st_mtime, stat.st_size, Path(entry.path)))
                total += stat.st_size
        if total <= self.limit_bytes:
            return
        for _mtime, size, file in sorted(files, key=lambda f: f[0]):
            if total <= self.limit_bytes:
                break
            if file == keep:
                continue
            file.unlink(missing_ok=True)
            total -= size


poster_cache = PosterCache()
