"""Trailer search: the query, the filtering of results, and the search through yt-dlp.

YouTube cannot be reached from the tests, so `YoutubeDL.extract_info` is replaced by a fake that
answers with the shape yt-dlp's `ytsearchN:` gives with `extract_flat`; everything else is real.
"""

from __future__ import annotations

from typing import Any

import pytest
import yt_dlp
from yt_dlp.utils import DownloadError

from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download.downloader import DownloadErrorKind, TrailerDownloadError
from core.download.trailer_search import (
    build_search_query,
    filter_candidates,
    find_candidates,
    search_youtube,
)
from tests.utils.factories import make_media, make_profile


def entry(
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


RESULTS = [
    entry("aaaaaaaaaa1", "Dune: Part Two | Official Trailer 3"),
    entry("aaaaaaaaaa2", "Dune Part Two - Trailer REACTION", 900.0),
    entry("aaaaaaaaaa3", "Dune: Part Two Teaser", 20.0),
    entry("aaaaaaaaaa4", "Dune: Part Two Trailer (no duration known)", None),
    entry("aaaaaaaaaa5", "DUNE PART TWO Final Trailer (2024)", 181.0),
    entry("aaaaaaaaaa6", "Dune Part Two LIVE premiere", None, live_status="is_live"),
    entry("aaaaaaaaaa7", "Dune Part Two trailer premiere", None, live_status="is_upcoming"),
    entry("aaaaaaaaaa8", "Dune Part Two trailer #shorts", 45.0, shorts=True),
    entry("aaaaaaaaaa1", "Dune: Part Two | Official Trailer 3 (duplicate)"),
    entry("aaaaaaaaaa9", "Dune: Part Two Behind the Scenes Trailer", 300.0, live_status="was_live"),
]


@pytest.fixture
def profile() -> TrailerProfileRead:
    return make_profile(min_duration=30, max_duration=600)


def test_query_fills_the_template_for_a_movie() -> None:
    media = make_media(title="Dune: Part Two", year=2024, imdb_id="tt15239678", tmdb_id="693134")
    profile = make_profile(search_query="{title} ({year}) {media_type} trailer {imdb_id}")

    assert build_search_query(media, profile) == "Dune: Part Two (2024) movie trailer tt15239678"


def test_query_for_a_series_blanks_missing_ids_and_collapses_spaces() -> None:
    media = make_media(title="Shōgun", year=2024, is_movie=False, tvdb_id="392573")
    profile = make_profile(search_query="{title}   {year} {media_type} {imdb_id} {tmdb_id} trailer")

    assert build_search_query(media, profile) == "Shōgun 2024 series trailer"


def test_default_template() -> None:
    media = make_media(title="Alien", year=1979)
    assert build_search_query(media, make_profile()) == "Alien 1979 movie trailer"


def test_filter_keeps_order_durations_and_drops_live_shorts_and_duplicates(
    profile: TrailerProfileRead,
) -> None:
    ids = filter_candidates(RESULTS, profile, exclude_ids=set())

    # 2 (900 s) and 3 (20 s) are outside [30, 600]; 6 and 7 are live or upcoming; 8 is a Short;
    # the second 1 is a duplicate; 4 has no known duration and goes last.
    assert ids == ["aaaaaaaaaa1", "aaaaaaaaaa5", "aaaaaaaaaa9", "aaaaaaaaaa4"]


def test_filter_leaves_out_excluded_ids(profile: TrailerProfileRead) -> None:
    ids = filter_candidates(RESULTS, profile, exclude_ids={"aaaaaaaaaa1", "aaaaaaaaaa4"})
    assert ids == ["aaaaaaaaaa5", "aaaaaaaaaa9"]


def test_filter_include_and_exclude_words_ignore_case() -> None:
    profile = make_profile(
        min_duration=1,
        max_duration=1000,
        include_words="Trailer, dune",
        exclude_words="reaction,TEASER, behind",
    )

    ids = filter_candidates(RESULTS, profile, exclude_ids=set())

    assert ids == ["aaaaaaaaaa1", "aaaaaaaaaa5", "aaaaaaaaaa4"]


def test_filter_duration_bounds_are_inclusive() -> None:
    profile = make_profile(min_duration=60, max_duration=120)
    entries = [
        entry("bbbbbbbbbb1", "at min", 60.0),
        entry("bbbbbbbbbb2", "at max", 120.0),
        entry("bbbbbbbbbb3", "below", 59.9),
        entry("bbbbbbbbbb4", "above", 120.5),
    ]
    assert filter_candidates(entries, profile, exclude_ids=set()) == ["bbbbbbbbbb1", "bbbbbbbbbb2"]


def test_filter_skips_results_that_are_not_youtube_videos(profile: TrailerProfileRead) -> None:
    playlist = entry("PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf", "Dune trailers playlist")
    playlist["ie_key"] = "YoutubeTab"
    other_site = entry("eeeeeeeeee1", "Dune trailer elsewhere")
    other_site["ie_key"] = "Generic"
    no_title = entry("cccccccccc1", "ignored")
    no_title["title"] = None
    entries: list[Any] = [
        playlist,
        other_site,
        None,
        {"_type": "url"},
        no_title,
        entry("cccccccccc2", "ok"),
    ]

    assert filter_candidates(entries, profile, exclude_ids=set()) == ["cccccccccc1", "cccccccccc2"]
    strict = make_profile(include_words="trailer")
    assert filter_candidates(entries, strict, exclude_ids=set()) == []


def test_search_youtube_asks_yt_dlp_for_flat_results(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSearch(RESULTS).install(monkeypatch)

    entries = search_youtube("  Dune   Part Two trailer ", limit=5)

    assert entries == RESULTS[:5]
    [(url, params)] = fake.calls
    assert url == "ytsearch5:Dune Part Two trailer"
    assert params["extract_flat"] == "in_playlist"
    assert params["quiet"] is True
    assert "cookiefile" not in params
    assert "cookiesfrombrowser" not in params


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (
            "ERROR: [youtube:search] Dune: Unable to download API page: HTTP Error 429: Too Many "
            "Requests (caused by <HTTPError 429: Too Many Requests>)",
            DownloadErrorKind.RATE_LIMITED,
        ),
        (
            "ERROR: [youtube:search] Dune: Unable to download API page: <urlopen error [Errno -3] "
            "Temporary failure in name resolution>",
            DownloadErrorKind.NETWORK,
        ),
    ],
)
def test_search_errors_are_classified(
    monkeypatch: pytest.MonkeyPatch, message: str, kind: DownloadErrorKind
) -> None:
    FakeSearch([], error=DownloadError(message)).install(monkeypatch)

    with pytest.raises(TrailerDownloadError) as caught:
        search_youtube("Dune")

    assert caught.value.kind is kind
    assert caught.value.reason == message.removeprefix("ERROR: ")


def test_blank_query_is_refused_without_searching(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSearch(RESULTS).install(monkeypatch)

    with pytest.raises(TrailerDownloadError) as caught:
        search_youtube("   ")

    assert caught.value.kind is DownloadErrorKind.PERMANENT
    assert fake.calls == []


def test_find_candidates_searches_and_filters(
    monkeypatch: pytest.MonkeyPatch, profile: TrailerProfileRead
) -> None:
    fake = FakeSearch(RESULTS).install(monkeypatch)
    media = make_media(title="Dune: Part Two", year=2024)

    ids = find_candidates(media, profile, exclude_ids={"aaaaaaaaaa5"})

    assert ids == ["aaaaaaaaaa1", "aaaaaaaaaa9", "aaaaaaaaaa4"]
    assert [url for url, _ in fake.calls] == ["ytsearch10:Dune: Part Two 2024 movie trailer"]


def test_find_candidates_with_nothing_suitable(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSearch([entry("dddddddddd1", "Dune review", 1200.0)]).install(monkeypatch)
    media = make_media(title="Dune", year=2021)

    assert find_candidates(media, make_profile(), exclude_ids=set()) == []
