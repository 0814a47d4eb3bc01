"""Finds trailer candidates on YouTube with yt-dlp's search, judged by the profile's filters.

One judge (`core.download.fit.rejection_reasons`) says why a search result fails the
profile's filters; the automatic download takes the results that pass (`find_candidates`),
and the interactive search shows every result with its verdict (`search_for_media`), for
the user to pick one.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, Field

from app_logger import ModuleLogger
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.event import EventManager
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.database.models.media import MediaRead
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download.errors import (
    DownloadErrorKind,
    TrailerDownloadError,
    classify_error,
    clean_error_message,
)
from core.download.fit import known_duration, rejection_reasons
from core.download.sources import YOUTUBE_ID_RE, youtube_watch_url
from core.download.ytdlp_options import guarded_youtube_dl
from core.exceptions import AppError, InvalidInputError

logger = ModuleLogger("TrailerSearch")

MAX_SEARCH_RESULTS = 50
INTERACTIVE_SEARCH_RESULTS = 20
"""The results an interactive search asks YouTube for, unless told."""


# live_status values of streams that are running or not started yet, and what they are.
class SearchFailedError(AppError):
    """YouTube's search could not be used; `detail` says why, for the user."""

    status_code = 502


class SearchCandidate(BaseModel):
    """One video of a search, and the profile's verdict on it."""

    video_id: str
    url: str
    title: str | None
    channel: str | None
    duration: float | None = Field(description="Seconds; null when not known")
    resolution: str | None = Field(
        description="`WxH` or `<height>p` when the search result says; YouTube's search "
        "results usually do not, so this is mostly null"
    )
    thumbnail: str | None
    passes: bool = Field(description="Whether the profile's filters accept it")
    reasons: list[str] = Field(
        description="Why the profile's filters reject it; empty when it passes"
    )


class TrailerSearch(BaseModel):
    """A search for a media's trailer: the query sent and the videos found."""

    media_id: int
    profile_id: int
    query: str
    candidates: list[SearchCandidate] = Field(
        description="Those that pass first, in the order an automatic download tries them; "
        "then the others, in YouTube's order"
    )


class _BlankForMissing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def build_search_query(media: MediaRead, profile: TrailerProfileRead) -> str:
    """The profile's search template filled in for `media`; missing ids become blank."""
    values = _BlankForMissing(
        title=media.title,
        year=str(media.year),
        media_type="movie" if media.is_movie else "series",
        imdb_id=media.imdb_id or "",
        tmdb_id=media.tmdb_id or "",
        tvdb_id=media.tvdb_id or "",
    )
    return " ".join(profile.search_query.format_map(values).split())


def youtube_video_id(entry: object) -> str | None:
    """The id of a search result that is a YouTube video; None for anything else (a
    playlist, a channel, another site's result)."""
    if not isinstance(entry, dict):
        return None
    video_id = entry.get("id")
    if not isinstance(video_id, str) or not YOUTUBE_ID_RE.match(video_id):
        return None
    if entry.get("ie_key") not in (None, "Youtube"):
        return None
    return video_id


def filter_candidates(
    entries: list[dict[str, Any]], profile: TrailerProfileRead, *, exclude_ids: set[str]
) -> list[str]:
    """The YouTube ids of the search results the profile accepts, best first.

    Keeps yt-dlp's order, except that results of unknown duration come after the others.
    Results that are not YouTube videos, that `rejection_reasons` rejects, or whose id is in
    `exclude_ids` are left out, and so is a second copy of an accepted one.
    """
    known: list[str] = []
    unknown: list[str] = []
    seen: set[str] = set(exclude_ids)
    for entry in entries:
        video_id = youtube_video_id(entry)
        if video_id is None or video_id in seen or rejection_reasons(entry, profile):
            continue
        (known if known_duration(entry) is not None else unknown).append(video_id)
        seen.add(video_id)
    return known + unknown


def _text(entry: dict[str, Any], *keys: str) -> str | None:
    """The first of `keys` that holds a non-blank string."""
    for key in keys:
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _resolution(entry: dict[str, Any]) -> str | None:
    width, height = entry.get("width"), entry.get("height")
    if isinstance(height, int) and height > 0:
        return f"{width}x{height}" if isinstance(width, int) and width > 0 else f"{height}p"
    return _text(entry, "resolution")


def _thumbnail(entry: dict[str, Any]) -> str | None:
    """An https address of a preview image: yt-dlp lists a flat result's smallest first."""
    urls = [entry.get("thumbnail")]
    thumbnails = entry.get("thumbnails")
    if isinstance(thumbnails, list):
        urls.extend(t.get("url") for t in thumbnails if isinstance(t, dict))
    for url in urls:
        if isinstance(url, str) and url.startswith("https://"):
            return url
    return None


def judge_results(
    entries: list[dict[str, Any]], profile: TrailerProfileRead, *, failed_ids: Collection[str]
) -> list[SearchCandidate]:
    """Every YouTube video among `entries` (once each) with the profile's verdict.

    Those that pass come first, in `filter_candidates`' order; then the others, in yt-dlp's.
    """
    candidates: list[SearchCandidate] = []
    seen: set[str] = set()
    for entry in entries:
        video_id = youtube_video_id(entry)
        if video_id is None or video_id in seen:
            continue
        seen.add(video_id)
        reasons = rejection_reasons(entry, profile, failed_ids=failed_ids)
        candidates.append(
            SearchCandidate(
                video_id=video_id,
                url=youtube_watch_url(video_id),
                title=_text(entry, "title"),
                channel=_text(entry, "channel", "uploader"),
                duration=known_duration(entry),
                resolution=_resolution(entry),
                thumbnail=_thumbnail(entry),
                passes=not reasons,
                reasons=reasons,
            )
        )
    # Stable: passing with a known duration, passing without one, then failing.
    return sorted(candidates, key=lambda c: (not c.passes, c.passes and c.duration is None))


def search_youtube(query: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """YouTube's results for `query`, as yt-dlp's flat entries. Blocking (network).

    Raises:
        TrailerDownloadError: the search failed; its kind says whether to try again later.
    """
    query = " ".join(query.split())
    if not query:
        raise TrailerDownloadError(DownloadErrorKind.PERMANENT, "the search query is blank")
    limit = max(1, min(limit, MAX_SEARCH_RESULTS))
    from yt_dlp.utils import YoutubeDLError  # loaded on first use (ytdlp_options)

    params = {"extract_flat": "in_playlist", "skip_download": True}
    with guarded_youtube_dl(params) as (ydl, guard):
        try:
            result = ydl.extract_info(f"ytsearch{limit}:{query}", download=False)
        except YoutubeDLError as exc:
            if guard.refusal is not None:
                reason = f"search refused: {guard.refusal}"
                raise TrailerDownloadError(DownloadErrorKind.PERMANENT, reason) from exc
            reason = clean_error_message(str(exc))
            raise TrailerDownloadError(classify_error(reason), reason) from exc
    entries = (result or {}).get("entries") or []
    return [entry for entry in entries if isinstance(entry, dict)]


def find_candidates(
    media: MediaRead, profile: TrailerProfileRead, *, exclude_ids: set[str]
) -> list[str]:
    """YouTube ids of likely trailers for `media`, best first. Blocking (network).

    Raises:
        TrailerDownloadError: the search failed.
    """
    query = build_search_query(media, profile)
    entries = search_youtube(query)
    candidates = filter_candidates(entries, profile, exclude_ids=exclude_ids)
    logger.debug(
        f"Search {query!r}: {len(entries)} results, {len(candidates)} accepted by profile "
        f"{profile.name!r}"
    )
    return candidates


def search_for_media(
    media_id: int, *, profile_id: int | None, limit: int = INTERACTIVE_SEARCH_RESULTS
) -> TrailerSearch:
    """Search YouTube for the media's trailer with the profile's query (default: the
    enabled profile of highest priority) and judge each result. Blocking (database, network).

    Raises:
        NotFoundError: no such media or profile.
        InvalidInputError: no enabled profile, or the query is blank for this media.
        SearchFailedError: YouTube's search failed (the reason is in the log).
    """
    media = MediaDatabaseManager().read(media_id)
    profiles = TrailerProfileManager()
    profile = profiles.read_default() if profile_id is None else profiles.read(profile_id)
    query = build_search_query(media, profile)
    if not query:
        raise InvalidInputError(
            f"The search query of profile {profile.name!r} ({profile.search_query!r}) is "
            f"blank for {media.title}: it names only ids this media does not have"
        )
    failed = EventManager().failed_video_ids(media.id)
    try:
        entries = search_youtube(query, limit=limit)
    except TrailerDownloadError as exc:
        logger.warning(f"Search {query!r} for {media.title} [{media.id}] failed: {exc.reason}")
        raise SearchFailedError(f"YouTube's search failed: {exc.readable}") from exc
    candidates = judge_results(entries, profile, failed_ids=failed)
    return TrailerSearch(
        media_id=media.id, profile_id=profile.id, query=query, candidates=candidates
    )
