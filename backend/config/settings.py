"""Settings from the environment, validated once at load."""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

APP_VERSION = "0.1.0"
API_KEY_FILE = "api_key"
SETUP_TOKEN_FILE = "setup_token"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FRONTEND_DIST = REPO_ROOT / "frontend" / "dist"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def url_without_password(text: str) -> str:
    """A database URL with any password left out, fit to show or log."""
    try:
        url = make_url(text)
    except ArgumentError:
        scheme, sep, _rest = text.partition("://")
        return f"{scheme}{sep}..." if sep else "(unreadable URL)"
    if url.password is None:
        return text
    bare = URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return bare.render_as_string(hide_password=False)


class Settings(BaseSettings):
    """Trailarr settings, read from environment variables."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    _stored_api_key: str | None = PrivateAttr(default=None)

    app_data_dir: Path = Field(default=Path("./data"))
    database_url: str | None = None
    app_host: str = "0.0.0.0"
    app_port: int = Field(default=7889, ge=1, le=65535)
    app_api_key: str | None = None
    allow_local_sources: bool = False
    log_level: str = "INFO"
    ffmpeg_path: str = "ffmpeg"
    ffprobe_path: str = "ffprobe"
    ffprobe_timeout: float = Field(default=30.0, gt=0)
    ffmpeg_timeout: float = Field(default=1800.0, gt=0)
    # ffmpeg and ffprobe run this much nicer than the app (as `nice -n`; 0 = the same
    # priority), so that conversions take the CPU the web app leaves: on a 2-core NAS the
    # pages stay responsive while trailers convert.
    ffmpeg_nice: int = Field(default=10, ge=0, le=19)
    # Load yt-dlp (its extractors) in the background a few seconds after the start, rather
    # than during the first download, when the web app would share the CPU with it.
    ytdlp_warm_up: bool = True
    # Threads of each ffmpeg (decoding, filters and encoding each); 0 = ffmpeg's choice
    # (one per core, for each of them).
    ffmpeg_threads: int = Field(default=2, ge=0, le=64)
    # The built web UI (`npm run build` in frontend/), served at /.
    frontend_dist: Path = Field(default=DEFAULT_FRONTEND_DIST)
    # Events (the per-media and global event log) older than this are deleted by the daily
    # `cleanup` task; 0 keeps them forever. Download records are never deleted by it.
    event_retention_days: int = Field(default=90, ge=0, le=36500)
    # Trailer downloads that run at the same time; the rest wait in the queue. One suits a
    # small NAS and keeps YouTube's rate limits away.
    download_concurrency: int = Field(default=1, ge=1, le=8)
    # Media that become monitored (by hand, or brought in monitored by a Radarr/Sonarr sync)
    # start the download_missing task at once, rather than at its next interval.
    download_on_monitor: bool = True
    # Media servers rescan a media's folder this many seconds after the first change to its
    # trailer; the changes of that window (a download replacing a trailer) make one rescan.
    media_server_refresh_delay_seconds: float = Field(default=5.0, ge=0, le=600)
    # Reverse proxies whose X-Forwarded-For is believed: comma-separated addresses or networks.
    trusted_proxies: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    # Notifications: events that arrive within this many seconds of the last one go out
    # together, as one message per target (a library-wide run is one summary, not 2,000
    # messages); a lone event waits this long. The wait never passes NOTIFY_BATCH_MAX_SECONDS
    # from the first event of a batch. Each send gives up after NOTIFY_SEND_TIMEOUT seconds.
    notify_batch_seconds: float = Field(default=5.0, gt=0, le=3600)
    notify_batch_max_seconds: float = Field(default=60.0, gt=0, le=86400)
    notify_send_timeout: float = Field(default=30.0, gt=0, le=600)

    @field_validator("app_data_dir")
    @classmethod
    def _data_dir_writable(cls, value: Path) -> Path:
        path = value.expanduser().resolve()
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"cannot create APP_DATA_DIR {path}: {exc.strerror}") from exc
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValueError(f"APP_DATA_DIR {path} is not writable")
        return path

    @field_validator("frontend_dist")
    @classmethod
    def _absolute_dist(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        networks = []
        for part in value.split(","):
            if not (entry := part.strip()):
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (e.g. 10.0.0.1 or 172.16.0.0/12)"
                ) from None
        return tuple(networks)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown LOG_LEVEL {value!r}")
        return level

    @property
    def db_url(self) -> str:
        """The database URL in use: DATABASE_URL or the SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.app_data_dir / 'trailarr.db'}"

    @property
    def db_url_without_password(self) -> str:
        """The database URL with any password left out, fit to show."""
        return url_without_password(self.db_url)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None when another database is configured."""
        url = self.db_url
        if not url.startswith("sqlite:///") or url.endswith(":memory:"):
            return None
        return Path(url.removeprefix("sqlite:///"))

    @property
    def setup_token_file(self) -> Path:
        return self.app_data_dir / SETUP_TOKEN_FILE

    @property
    def logs_dir(self) -> Path:
        return self.app_data_dir / "logs"

    @property
    def backups_dir(self) -> Path:
        return self.app_data_dir / "backups"

    @property
    def temp_dir(self) -> Path:
        return self.app_data_dir / "tmp"

    @property
    def version(self) -> str:
        return APP_VERSION

    def api_key(self) -> str:
        """APP_API_KEY, or the key kept in the data folder (generated on first use).

        The stored key is read once and then kept in memory (the app reads it at start-up,
        off the event loop); `regenerate_api_key` replaces both.
        """
        if self.app_api_key:
            return self.app_api_key
        if self._stored_api_key is None:
            key_file = self.app_data_dir / API_KEY_FILE
            stored = key_file.read_text(encoding="utf-8").strip() if key_file.exists() else ""
            if not stored:
                return self.regenerate_api_key()
            self._stored_api_key = stored
        return self._stored_api_key

    def regenerate_api_key(self) -> str:
        """Write a new random API key to the data folder and return it."""
        key = secrets.token_hex(16)
        key_file = self.app_data_dir / API_KEY_FILE
        tmp = key_file.with_suffix(".tmp")
        tmp.write_text(key + "\n", encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(key_file)
        self._stored_api_key = key
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The one cached Settings instance."""
    return Settings()
