"""Trailer search: the query, the judging of results, and the search through yt-dlp.

YouTube cannot be reached from the tests: `FakeSearch` (tests/utils/youtube_search.py) answers
in the shape yt-dlp's `ytsearchN:` gives with `extract_flat`; everything else is real.
"""

from __future__ import annotations

from typing import Any

import pytest
from yt_dlp.utils import DownloadError

from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download.errors import DownloadErrorKind, TrailerDownloadError
from core.download.fit import rejection_reasons
from core.download.trailer_search import (
    build_search_query,
    filter_candidates,
    find_candidates,
    judge_results,
    search_youtube,
)
from tests.utils.factories import make_media, make_profile
from tests.utils.youtube_search import FakeSearch, search_entry

RESULTS = [
    search_entry("aaaaaaaaaa1", "Dune: Part Two | Official Trailer 3"),
    search_entry("aaaaaaaaaa2", "Dune Part Two - Trailer REACTION", 900.0),
    search_entry("aaaaaaaaaa3", "Dune: Part Two Teaser", 20.0),
    search_entry("aaaaaaaaaa4", "Dune: Part Two Trailer (no duration known)", None),
    search_entry("aaaaaaaaaa5", "DUNE PART TWO Final Trailer (2024)", 181.0),
    search_entry("aaaaaaaaaa6", "Dune Part Two LIVE premiere", None, live_status="is_live"),
    search_entry("aaaaaaaaaa7", "Dune Part Two trailer premiere", None, live_status="is_upcoming"),
    search_entry("aaaaaaaaaa8", "Dune Part Two trailer #shorts", 45.0, shorts=True),
    search_entry("aaaaaaaaaa1", "Dune: Part Two | Official Trailer 3 (duplicate)"),
    search_entry(
        "aaaaaaaaaa9", "Dune: Part Two Behind the Scenes Trailer", 300.0, live_status="was_live"
    ),
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
        search_entry("bbbbbbbbbb1", "at min", 60.0),
        search_entry("bbbbbbbbbb2", "at max", 120.0),
        search_entry("bbbbbbbbbb3", "below", 59.9),
        search_entry("bbbbbbbbbb4", "above", 120.5),
    ]
    assert filter_candidates(entries, profile, exclude_ids=set()) == ["bbbbbbbbbb1", "bbbbbbbbbb2"]


def test_filter_skips_results_that_are_not_youtube_videos(profile: TrailerProfileRead) -> None:
    playlist = search_entry("PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf", "Dune trailers playlist")
    playlist["ie_key"] = "YoutubeTab"
    other_site = search_entry("eeeeeeeeee1", "Dune trailer elsewhere")
    other_site["ie_key"] = "Generic"
    no_title = search_entry("cccccccccc1", "ignored")
    no_title["title"] = None
    entries: list[Any] = [
        playlist,
        other_site,
        None,
        {"_type": "url"},
        no_title,
        search_entry("cccccccccc2", "ok"),
    ]

    assert filter_candidates(entries, profile, exclude_ids=set()) == ["cccccccccc1", "cccccccccc2"]
    strict = make_profile(include_words="trailer")
    assert filter_candidates(entries, strict, exclude_ids=set()) == []


def test_rejection_reasons_name_every_filter_that_fails() -> None:
    profile = make_profile(
        min_duration=30, max_duration=600, include_words="trailer", exclude_words="reaction"
    )

    def reasons(entry: dict[str, Any]) -> list[str]:
        return rejection_reasons(entry, profile, failed_ids={"ffffffffff1"})

    assert reasons(search_entry("ffffffffff0", "Dune Official Trailer")) == []
    assert reasons(search_entry("ffffffffff0", "Dune trailer, length unknown", None)) == []
    assert reasons(search_entry("ffffffffff0", "Dune: the REACTION", 900.0)) == [
        "title lacks the word 'trailer'",
        "title has the excluded word 'reaction'",
        "longer than the profile's maximum of 600 s",
    ]
    assert reasons(search_entry("ffffffffff0", "Dune Teaser", 20.0)) == [
        "title lacks the word 'trailer'",
        "shorter than the profile's minimum of 30 s",
    ]
    assert reasons(search_entry("ffffffffff1", "Dune Trailer")) == ["failed before"]
    assert reasons(search_entry("ffffffffff0", "trailer", None, live_status="is_live")) == [
        "a live stream"
    ]
    assert reasons(search_entry("ffffffffff0", "trailer", None, live_status="is_upcoming")) == [
        "a live stream that has not started"
    ]
    assert reasons(search_entry("ffffffffff0", "trailer", 45.0, shorts=True)) == ["a Short"]


def test_judged_results_pass_as_the_filter_accepts_them(profile: TrailerProfileRead) -> None:
    failed = {"aaaaaaaaaa5"}

    judged = judge_results(RESULTS, profile, failed_ids=failed)

    passing = [c.video_id for c in judged if c.passes]
    assert passing == filter_candidates(RESULTS, profile, exclude_ids=failed)
    # Every video once: those that pass first, then the others in YouTube's order.
    assert [c.video_id for c in judged] == [
        *passing,
        "aaaaaaaaaa2",
        "aaaaaaaaaa3",
        "aaaaaaaaaa5",
        "aaaaaaaaaa6",
        "aaaaaaaaaa7",
        "aaaaaaaaaa8",
    ]
    assert all(c.reasons == [] for c in judged if c.passes)
    by_id = {c.video_id: c for c in judged}
    assert by_id["aaaaaaaaaa5"].reasons == ["failed before"]
    assert by_id["aaaaaaaaaa8"].reasons == ["a Short"]


def test_a_judged_result_describes_the_video(profile: TrailerProfileRead) -> None:
    plain = search_entry("gggggggggg1", "  Dune: Part Two | Official Trailer 3 ", 181.0)
    sized = search_entry("gggggggggg2", "Dune trailer in 1080p", 150)
    sized.update(width=1920, height=1080, thumbnail="https://i.ytimg.com/vi/gggggggggg2/x.jpg")
    tall = search_entry("gggggggggg3", "Dune trailer")
    tall.update(height=720, thumbnails=[{"url": "http://i.ytimg.com/insecure.jpg"}])
    bare = search_entry("gggggggggg4", "")
    bare.update(title=None, channel=None, thumbnails=None)

    first, second, third, fourth = judge_results(
        [plain, sized, tall, bare], profile, failed_ids=set()
    )

    assert first.model_dump() == {
        "video_id": "gggggggggg1",
        "url": "https://www.youtube.com/watch?v=gggggggggg1",
        "title": "Dune: Part Two | Official Trailer 3",
        "channel": "Movieclips Trailers",
        "duration": 181.0,
        "resolution": None,  # YouTube's flat search results do not say
        "thumbnail": "https://i.ytimg.com/vi/gggggggggg1/hqdefault.jpg",
        "passes": True,
        "reasons": [],
    }
    assert (second.resolution, second.thumbnail) == (
        "1920x1080",
        "https://i.ytimg.com/vi/gggggggggg2/x.jpg",
    )
    assert (third.resolution, third.thumbnail) == ("720p", None)
    assert (fourth.title, fourth.channel, fourth.thumbnail) == (None, "Movieclips Trailers", None)


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
    FakeSearch([search_entry("dddddddddd1", "Dune review", 1200.0)]).install(monkeypatch)
    media = make_media(title="Dune", year=2021)

    assert find_candidates(media, make_profile(), exclude_ids=set()) == []
