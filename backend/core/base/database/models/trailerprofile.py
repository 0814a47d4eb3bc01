"""Trailer profiles: how a trailer is searched for, downloaded, converted and named."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Literal

from pydantic import ValidationInfo, field_validator, model_validator
from sqlmodel import AutoString, Field

from core.base.database.models.base import AppSQLModel, NulFreeText, UTCDateTime, utc_now

FileFormat = Literal["mkv", "mp4", "webm"]
VideoFormat = Literal["h264", "h265", "vp9", "av1", "copy"]
AudioFormat = Literal["aac", "opus", "ac3", "copy"]
SubtitleFormat = Literal["srt", "vtt"]

FILE_NAME_FIELDS = frozenset(
    {
        "title",
        "year",
        "resolution",
        "vcodec",
        "acodec",
        "youtube_id",
        "imdb_id",
        "tmdb_id",
        "tvdb_id",
        "media_type",
        "profile",
    }
)
SEARCH_QUERY_FIELDS = frozenset({"title", "year", "media_type", "imdb_id", "tmdb_id", "tvdb_id"})


def template_fields(template: str) -> set[str]:
    """The placeholder names of a `{name}` template; raises ValueError when malformed."""
    names: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"malformed template: {exc}") from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a bare name like {{title}}")
        names.add(name)
    return names


def check_template(template: str, allowed: frozenset[str]) -> str:
    """Raise ValueError naming any placeholder outside `allowed`."""
    unknown = template_fields(template) - allowed
    if unknown:
        names = ", ".join(f"{{{n}}}" for n in sorted(unknown))
        known = ", ".join(f"{{{n}}}" for n in sorted(allowed))
        raise ValueError(f"unknown placeholder {names}; use {known}")
    return template


def check_file_name(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    if "/" in value or "\\" in value:
        raise ValueError("must not contain a path separator")
    return check_template(value, FILE_NAME_FIELDS)


def check_search_query(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip():
        raise ValueError("must not be blank")
    return check_template(value.strip(), SEARCH_QUERY_FIELDS)


def check_folder_name(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value or value in {".", ".."} or "/" in value or "\\" in value:
        raise ValueError("must be a single folder name")
    return value


# What each container can hold, in the profile's codec names ("copy" keeps the source's codec
# when the container can hold it and converts to the container's usual codec otherwise).
# The same facts in ffprobe's names, for the streams themselves: core/download/convert.py.
CONTAINER_VIDEO_FORMATS: dict[str, tuple[str, ...]] = {
    "mkv": ("h264", "h265", "vp9", "av1", "copy"),
    "mp4": ("h264", "h265", "vp9", "av1", "copy"),
    "webm": ("vp9", "av1", "copy"),
}
CONTAINER_AUDIO_FORMATS: dict[str, tuple[str, ...]] = {
    "mkv": ("aac", "opus", "ac3", "copy"),
    "mp4": ("aac", "opus", "ac3", "copy"),
    "webm": ("opus", "copy"),
}


def _fits(kind: str, table: dict[str, tuple[str, ...]], value: str, container: str | None) -> str:
    if container is None or value in table.get(container, (value,)):
        return value
    allowed = ", ".join(v for v in table[container] if v != "copy")
    raise ValueError(
        f"a {container} file cannot hold {value} {kind}: choose {allowed} (or copy), "
        f"or another file format"
    )


def word_list(value: str) -> list[str]:
    """The words of a comma-separated profile field (include, exclude and title words),
    lower-cased for comparing with a lower-cased title."""
    return [word.strip().lower() for word in value.split(",") if word.strip()]


def check_languages(value: str | None) -> str | None:
    """A comma-separated list of language codes like `en,fr`."""
    if value is None:
        return None
    codes = [c.strip() for c in value.split(",") if c.strip()]
    for code in codes:
        if not code.replace("-", "").isalnum() or len(code) > 12:
            raise ValueError(f"{code!r} is not a language code")
    return ",".join(codes)


class TrailerProfileBase(AppSQLModel):
    """Fields shared by every TrailerProfile model."""

    name: str = Field(min_length=1, max_length=100, unique=True)
    enabled: bool = True
    priority: int = Field(default=0, ge=0, le=1000)
    file_format: FileFormat = Field(default="mkv", max_length=8, sa_type=AutoString)
    file_name: str = Field(default="{title} ({year})-trailer", max_length=255)
    folder_enabled: bool = True
    folder_name: str = Field(default="Trailers", max_length=255)
    video_format: VideoFormat = Field(default="h264", max_length=8, sa_type=AutoString)
    video_resolution: int = Field(default=1080, ge=144, le=4320)
    audio_format: AudioFormat = Field(default="aac", max_length=8, sa_type=AutoString)
    subtitles_enabled: bool = False
    subtitles_format: SubtitleFormat = Field(default="srt", max_length=8, sa_type=AutoString)
    subtitles_languages: str = Field(default="en", max_length=200)
    embed_metadata: bool = True
    search_query: str = Field(default="{title} {year} {media_type} trailer", max_length=500)
    min_duration: int = Field(default=30, ge=0, le=3600)
    max_duration: int = Field(default=600, ge=1, le=7200)
    include_words: str = Field(default="", max_length=500)
    exclude_words: str = Field(default="", max_length=500)
    always_search: bool = False
    # Which media the download-missing engine uses this profile for (core/tasks/wanted.py).
    for_movies: bool = True
    for_series: bool = True
    connection_id: int | None = Field(
        default=None,
        ge=1,
        description="Only media synced from this Radarr/Sonarr connection; none: any media",
    )
    min_year: int | None = Field(default=None, ge=1800, le=3000)
    max_year: int | None = Field(default=None, ge=1800, le=3000)
    title_words: str = Field(
        default="",
        max_length=500,
        description="Comma-separated; only media whose title holds one of them (any case)",
    )
    stop_monitoring: bool = Field(
        default=False, description="Stop monitoring a media once this profile got its trailer"
    )

    _check_file_name = field_validator("file_name")(check_file_name)
    _check_search_query = field_validator("search_query")(check_search_query)
    _check_folder_name = field_validator("folder_name")(check_folder_name)
    _check_languages = field_validator("subtitles_languages")(check_languages)

    @model_validator(mode="after")
    def _durations_ordered(self) -> TrailerProfileBase:
        if self.min_duration >= self.max_duration:
            raise ValueError("min_duration must be less than max_duration")
        if (
            self.min_year is not None
            and self.max_year is not None
            and self.min_year > self.max_year
        ):
            raise ValueError("min_year must not be after max_year")
        return self


class TrailerProfile(TrailerProfileBase, table=True):
    """Database model for TrailerProfile."""

    id: int | None = Field(default=None, primary_key=True)
    added_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class TrailerProfileCreate(TrailerProfileBase, NulFreeText):
    """Body for creating a TrailerProfile, and the check of a changed one.

    Only input is checked for the container/codec fit: a stored profile that breaks it
    (saved before the rule) is still read and shown, and must be fixed to be saved again.
    """

    @field_validator("video_format")
    @classmethod
    def _video_fits_the_container(cls, value: str, info: ValidationInfo) -> str:
        """webm with h264, say, is refused here rather than made vp9 in silence."""
        return _fits("video", CONTAINER_VIDEO_FORMATS, value, info.data.get("file_format"))

    @field_validator("audio_format")
    @classmethod
    def _audio_fits_the_container(cls, value: str, info: ValidationInfo) -> str:
        return _fits("audio", CONTAINER_AUDIO_FORMATS, value, info.data.get("file_format"))


class TrailerProfileRead(TrailerProfileBase):
    id: int
    added_at: datetime
    updated_at: datetime


class TrailerProfileUpdate(NulFreeText):
    """Partial update of a TrailerProfile; only the fields sent are applied."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    enabled: bool | None = None
    priority: int | None = Field(default=None, ge=0, le=1000)
    file_format: FileFormat | None = None
    file_name: str | None = Field(default=None, max_length=255)
    folder_enabled: bool | None = None
    folder_name: str | None = Field(default=None, max_length=255)
    video_format: VideoFormat | None = None
    video_resolution: int | None = Field(default=None, ge=144, le=4320)
    audio_format: AudioFormat | None = None
    subtitles_enabled: bool | None = None
    subtitles_format: SubtitleFormat | None = None
    subtitles_languages: str | None = Field(default=None, max_length=200)
    embed_metadata: bool | None = None
    search_query: str | None = Field(default=None, max_length=500)
    min_duration: int | None = Field(default=None, ge=0, le=3600)
    max_duration: int | None = Field(default=None, ge=1, le=7200)
    include_words: str | None = Field(default=None, max_length=500)
    exclude_words: str | None = Field(default=None, max_length=500)
    always_search: bool | None = None
    for_movies: bool | None = None
    for_series: bool | None = None
    connection_id: int | None = Field(default=None, ge=1)
    min_year: int | None = Field(default=None, ge=1800, le=3000)
    max_year: int | None = Field(default=None, ge=1800, le=3000)
    title_words: str | None = Field(default=None, max_length=500)
    stop_monitoring: bool | None = None

    _check_file_name = field_validator("file_name")(check_file_name)
    _check_search_query = field_validator("search_query")(check_search_query)
    _check_folder_name = field_validator("folder_name")(check_folder_name)
    _check_languages = field_validator("subtitles_languages")(check_languages)
