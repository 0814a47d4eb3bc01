"""A stand-in for YouTube's search, in the shapes yt-dlp gives it.

YouTube cannot be reached from the tests, so `YoutubeDL.extract_info` is replaced by
`FakeSearch`, which answers `ytsearchN:query` as yt-dlp does with `extract_flat`; the rest of
yt-dlp (its options, the egress guard around it) is real.
"""

from __future__ import annotations

from typing import Any

import pytest
import yt_dlp


def search_entry(
    video_id: str,
    title: str,
    duration: float | None = 150.0,
    *,
    live_status: str | None = None,
    shorts: bool = False,
) -> dict[str, Any]:
    """One flat search result as yt-dlp's YouTube search gives it."""
    path = "shorts/" if shorts else "watch?v="
    return {
        "_type": "url",
        "ie_key": "Youtube",
        "id": video_id,
        "url": f"https://www.youtube.com/{path}{video_id}",
        "title": title,
        "description": None,
        "duration": duration,
        "channel_id": "UCi8e0iOVk1fEOogdfu4YgfA",
        "channel": "Movieclips Trailers",
        "channel_url": "https://www.youtube.com/channel/UCi8e0iOVk1fEOogdfu4YgfA",
        "uploader": "Movieclips Trailers",
        "uploader_id": "@MovieclipsTrailers",
        "uploader_url": "https://www.youtube.com/@MovieclipsTrailers",
        "thumbnails": [{"url": f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg"}],
        "timestamp": None,
        "release_timestamp": None,
        "availability": None,
        "view_count": 1_234_567,
        "live_status": live_status,
        "channel_is_verified": True,
        "__x_forwarded_for_ip": None,
    }


def search_result(query: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """What `extract_info("ytsearchN:query", download=False)` returns with extract_flat."""
    return {
        "_type": "playlist",
        "id": query,
        "title": query,
        "entries": entries,
        "webpage_url": f"ytsearch{len(entries)}:{query}",
        "original_url": f"ytsearch{len(entries)}:{query}",
        "webpage_url_basename": query,
        "webpage_url_domain": None,
        "extractor": "youtube:search",
        "extractor_key": "YoutubeSearch",
        "epoch": 1764000000,
        "playlist_count": len(entries),
    }


class FakeSearch:
    """Stands in for YoutubeDL.extract_info; records the URLs and options it was called with."""

    def __init__(self, entries: list[dict[str, Any]], error: Exception | None = None) -> None:
        self.entries = entries
        self.error = error
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeSearch:
        fake = self

        def extract_info(
            ydl: yt_dlp.YoutubeDL, url: str, download: bool = True, **kwargs: Any
        ) -> dict[str, Any]:
            assert download is False, "a search must not download"
            fake.calls.append((url, dict(ydl.params)))
            if fake.error is not None:
                raise fake.error
            prefix, _, query = url.partition(":")
            limit = int(prefix.removeprefix("ytsearch"))
            return search_result(query, fake.entries[:limit])

        monkeypatch.setattr(yt_dlp.YoutubeDL, "extract_info", extract_info)
        return self
