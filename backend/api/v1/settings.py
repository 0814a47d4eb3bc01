"""App settings routes: what the server runs with, and a new API key."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from config import get_settings
from core.exceptions import ConflictError

router = APIRouter(prefix="/settings", tags=["settings"])


class AppSettingsRead(BaseModel):
    api_key: str
    api_key_from_env: bool
    app_data_dir: str
    version: str
    database: str
    allow_local_sources: bool


class ApiKeyRead(BaseModel):
    api_key: str


@router.get("")
def read_settings() -> AppSettingsRead:
    """The API key and where the server keeps its data (the database URL without password)."""
    settings = get_settings()
    return AppSettingsRead(
        api_key=settings.api_key(),
        api_key_from_env=bool(settings.app_api_key),
        app_data_dir=str(settings.app_data_dir),
        version=settings.version,
        database=settings.db_url_without_password,
        allow_local_sources=settings.allow_local_sources,
    )


@router.post("/api-key", responses={409: {"description": "APP_API_KEY sets the key"}})
def regenerate_api_key() -> ApiKeyRead:
    """Replace the API key with a new random one; the old key stops working at once."""
    settings = get_settings()
    if settings.app_api_key:
        raise ConflictError(
            "The API key comes from the APP_API_KEY environment variable: "
            "change it there and restart Trailarr"
        )
    return ApiKeyRead(api_key=settings.regenerate_api_key())
