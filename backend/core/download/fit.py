"""Whether a video fits a trailer profile, judged from what yt-dlp extracted about it (a
search result, or a video's full info before it is downloaded).

One judge for the search (which results are candidates, and why the others are not) and
for a video about to be downloaded from a given URL (refused before any byte of it is
fetched).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from core.base.database.models.trailerprofile import TrailerProfileRead, word_list

_LIVE_STREAMS = {
    "is_live": "a live stream",
    "is_upcoming": "a live stream that has not started",
}


def known_duration(entry: dict[str, Any]) -> float | None:
    duration = entry.get("duration")
    if isinstance(duration, int | float) and math.isfinite(duration):
        return duration
    return None


def rejection_reasons(
    entry: dict[str, Any],
    profile: TrailerProfileRead,
    *,
    failed_ids: Collection[str] = frozenset(),
) -> list[str]:
    """Why the profile's filters reject the search result `entry`; empty when it passes.

    The filters: no live or upcoming stream, no Short, every include word and no exclude
    word in the title (case ignored), the duration within the profile's bounds (inclusive;
    an unknown duration passes), and not one of `failed_ids` (sources that failed for good).
    """
    reasons: list[str] = []
    if str(entry.get("id")) in failed_ids:
        reasons.append("failed before")
    live = _LIVE_STREAMS.get(str(entry.get("live_status")))
    if live:
        reasons.append(live)
    if "/shorts/" in str(entry.get("url") or ""):
        reasons.append("a Short")  # vertical clips, not trailers
    title = str(entry.get("title") or "").lower()
    reasons.extend(
        f"title lacks the word {word!r}"
        for word in word_list(profile.include_words)
        if word not in title
    )
    reasons.extend(
        f"title has the excluded word {word!r}"
        for word in word_list(profile.exclude_words)
        if word in title
    )
    duration = known_duration(entry)
    if duration is not None and duration < profile.min_duration:
        reasons.append(f"shorter than the profile's minimum of {profile.min_duration} s")
    elif duration is not None and duration > profile.max_duration:
        reasons.append(f"longer than the profile's maximum of {profile.max_duration} s")
    return reasons
