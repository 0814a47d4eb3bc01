"""Settings from the environment, validated once at load."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_VERSION = "0.1.0"
API_KEY_FILE = "api_key"


class Settings(BaseSettings):
    """Trailarr settings, read from environment variables."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

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
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None when another database is configured."""
        url = self.db_url
        if not url.startswith("sqlite:///") or url.endswith(":memory:"):
            return None
        return Path(url.removeprefix("sqlite:///"))

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
        """APP_API_KEY, or the key kept in the data folder (generated on first use)."""
        if self.app_api_key:
            return self.app_api_key
        key_file = self.app_data_dir / API_KEY_FILE
        if key_file.exists():
            stored = key_file.read_text(encoding="utf-8").strip()
            if stored:
                return stored
        return self.regenerate_api_key()

    def regenerate_api_key(self) -> str:
        """Write a new random API key to the data folder and return it."""
        key = secrets.token_hex(16)
        key_file = self.app_data_dir / API_KEY_FILE
        tmp = key_file.with_suffix(".tmp")
        tmp.write_text(key + "\n", encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(key_file)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The one cached Settings instance."""
    return Settings()
