"""Finds trailer candidates on YouTube with yt-dlp's search, filtered by the profile."""

from __future__ import annotations

from typing import Any

from yt_dlp.utils import YoutubeDLError

from app_logger import ModuleLogger
from core.base.database.models.media import MediaRead
from core.base.database.models.trailerprofile import TrailerProfileRead, word_list
from core.download.downloader import (
    DownloadErrorKind,
    TrailerDownloadError,
    classify_error,
    clean_error_message,
    guarded_youtube_dl,
)
from core.download.sources import YOUTUBE_ID_RE

logger = ModuleLogger("TrailerSearch")

MAX_SEARCH_RESULTS = 50
# live_status values of streams that are running or not started yet.
_LIVE_STATUSES = frozenset({"is_live", "is_upcoming"})


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


def filter_candidates(
    entries: list[dict[str, Any]], profile: TrailerProfileRead, *, exclude_ids: set[str]
) -> list[str]:
    """The YouTube ids of the search results the profile accepts, best first.

    Keeps yt-dlp's order, except that results of unknown duration come after the others.
    Live and upcoming streams, Shorts and ids in `exclude_ids` are left out.
    """
    include = word_list(profile.include_words)
    exclude = word_list(profile.exclude_words)
    known: list[str] = []
    unknown: list[str] = []
    seen: set[str] = set(exclude_ids)
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        video_id = entry.get("id")
        if not isinstance(video_id, str) or not YOUTUBE_ID_RE.match(video_id):
            continue
        if entry.get("ie_key") not in (None, "Youtube") or video_id in seen:
            continue
        if entry.get("live_status") in _LIVE_STATUSES:
            continue
        if "/shorts/" in str(entry.get("url") or ""):
            continue  # vertical clips, not trailers
        title = str(entry.get("title") or "").lower()
        if not all(word in title for word in include):
            continue
        if any(word in title for word in exclude):
            continue
        duration = entry.get("duration")
        if isinstance(duration, int | float):
            if not profile.min_duration <= duration <= profile.max_duration:
                continue
            known.append(video_id)
        else:
            unknown.append(video_id)
        seen.add(video_id)
    return known + unknown


def search_youtube(query: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """YouTube's results for `query`, as yt-dlp's flat entries. Blocking (network).

    Raises:
        TrailerDownloadError: the search failed; its kind says whether to try again later.
    """
    query = " ".join(query.split())
    if not query:
        raise TrailerDownloadError(DownloadErrorKind.PERMANENT, "the search query is blank")
    limit = max(1, min(limit, MAX_SEARCH_RESULTS))
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
