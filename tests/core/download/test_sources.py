"""The source policy: which trailer sources are accepted and where they may point."""

from __future__ import annotations

import re

import pytest

from config import get_settings
from core.download.sources import (
    Source,
    check_source_allowed,
    parse_source,
    resolve_source,
)
from core.exceptions import SourceRefusedError

pytestmark = pytest.mark.no_database

VIDEO_ID = "dQw4w9WgXcQ"
WATCH_URL = f"https://www.youtube.com/watch?v={VIDEO_ID}"


@pytest.mark.parametrize(
    "value",
    [
        VIDEO_ID,
        f"  {VIDEO_ID}\n",
        WATCH_URL,
        f"http://youtube.com/watch?v={VIDEO_ID}",
        f"https://www.youtube.com/watch?v={VIDEO_ID}&t=42s&list=PL0123456789",
        f"https://www.youtube.com/watch?feature=share&v={VIDEO_ID}",
        f"https://m.youtube.com/watch?v={VIDEO_ID}",
        f"https://music.youtube.com/watch?v={VIDEO_ID}&si=abc",
        f"https://youtu.be/{VIDEO_ID}",
        f"https://youtu.be/{VIDEO_ID}?si=xyz&t=3",
        f"https://www.youtube.com/embed/{VIDEO_ID}?autoplay=1",
        f"https://www.youtube-nocookie.com/embed/{VIDEO_ID}",
        f"https://youtube.com/shorts/{VIDEO_ID}",
        f"https://www.youtube.com/live/{VIDEO_ID}",
        f"https://WWW.YouTube.com/watch?v={VIDEO_ID}",
        f"youtube.com/watch?v={VIDEO_ID}",
        f"youtu.be/{VIDEO_ID}",
    ],
)
def test_youtube_forms_become_the_watch_url(value: str) -> None:
    assert parse_source(value) == Source(url=WATCH_URL, video_id=VIDEO_ID, is_youtube=True)


@pytest.mark.parametrize("video_id", ["a_b-c_d-e_f", "___________", "0123456789A"])
def test_bare_ids_keep_their_case_and_punctuation(video_id: str) -> None:
    source = parse_source(video_id)
    assert source.video_id == video_id
    assert source.url == f"https://www.youtube.com/watch?v={video_id}"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/trailers/movie.mp4",
        "http://vimeo.com/123456",
        "https://cdn.example.org:8443/a/b.webm?token=abc",
    ],
)
def test_other_http_urls_are_kept_as_given(url: str) -> None:
    assert parse_source(f" {url} ") == Source(url=url, video_id=None, is_youtube=False)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("file:///etc/passwd", "file:// sources are never accepted"),
        ("FILE:///tmp/trailer.mp4", "file:// sources are never accepted"),
        ("ftp://example.com/trailer.mp4", "ftp:// sources are not accepted"),
        ("javascript:alert(1)", "neither a YouTube video id nor an http(s) URL"),
        ("example.com/trailer.mp4", "neither a YouTube video id nor an http(s) URL"),
        ("dQw4w9WgXc", "neither a YouTube video id nor an http(s) URL"),
        ("", "blank"),
        ("   ", "blank"),
        ("http:///trailer.mp4", "no host"),
        ("https://user:secret@example.com/t.mp4", "credentials"),
        ("https://token@example.com/t.mp4", "credentials"),
        ("https://example.com:99999/t.mp4", "invalid port"),
        ("https://example.com/a b.mp4", "spaces or control characters"),
        ("https://example.com/" + "a" * 2040, "longer than 2048"),
        ("https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw", "single video"),
        ("https://www.youtube.com/playlist?list=PL0123456789", "single video"),
        ("https://www.youtube.com/watch?v=short", "single video"),
    ],
)
def test_refused_sources_say_why(value: str, reason: str) -> None:
    with pytest.raises(SourceRefusedError, match=re.escape(reason)):
        parse_source(value)


def test_refusal_is_a_400() -> None:
    with pytest.raises(SourceRefusedError) as caught:
        parse_source("file:///etc/passwd")
    assert caught.value.status_code == 400


LOCAL_URLS = [
    "http://127.0.0.1:8000/t.mp4",
    "http://127.1.2.3/t.mp4",
    "http://localhost/t.mp4",
    "http://10.1.2.3/t.mp4",
    "http://172.16.0.9/t.mp4",
    "http://192.168.1.20/t.mp4",
    "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0/t.mp4",
    "http://100.64.0.1/t.mp4",
    "http://224.0.0.1/t.mp4",
    "http://240.0.0.1/t.mp4",
    "http://[::1]:8080/t.mp4",
    "http://[::ffff:127.0.0.1]/t.mp4",
    "http://[::ffff:192.168.0.1]/t.mp4",
    "http://[fe80::1]/t.mp4",
    "http://[fd00::1]/t.mp4",
    "http://[::]/t.mp4",
    "http://2130706433/t.mp4",
]


@pytest.mark.parametrize("url", LOCAL_URLS)
def test_local_and_private_addresses_are_refused_by_default(url: str) -> None:
    with pytest.raises(SourceRefusedError, match="ALLOW_LOCAL_SOURCES=true"):
        check_source_allowed(parse_source(url), allow_local=False)


@pytest.mark.parametrize("url", LOCAL_URLS)
def test_local_and_private_addresses_are_accepted_when_allowed(url: str) -> None:
    check_source_allowed(parse_source(url), allow_local=True)


def test_refusal_names_the_host_and_the_address() -> None:
    with pytest.raises(SourceRefusedError) as caught:
        check_source_allowed(parse_source("http://localhost/t.mp4"), allow_local=False)
    assert "localhost resolves to 127.0.0.1" in caught.value.detail
    assert "loopback" in caught.value.detail


def test_public_literal_address_is_accepted() -> None:
    check_source_allowed(parse_source("http://93.184.215.14/t.mp4"), allow_local=False)


def test_youtube_passes_without_a_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kwargs: object) -> None:
        raise AssertionError("YouTube sources must not be resolved")

    monkeypatch.setattr("socket.getaddrinfo", no_dns)
    check_source_allowed(parse_source(VIDEO_ID), allow_local=False)


@pytest.mark.parametrize("allow_local", [False, True])
def test_unresolvable_host_is_refused(allow_local: bool) -> None:
    source = parse_source("https://trailers.nothing-here.invalid/t.mp4")
    with pytest.raises(SourceRefusedError, match="cannot resolve host"):
        check_source_allowed(source, allow_local=allow_local)


def test_resolve_source_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "http://127.0.0.1:9/t.mp4"
    assert resolve_source(url).url == url  # the test settings allow local sources

    monkeypatch.setenv("ALLOW_LOCAL_SOURCES", "false")
    get_settings.cache_clear()
    with pytest.raises(SourceRefusedError, match="ALLOW_LOCAL_SOURCES"):
        resolve_source(url)
    assert resolve_source(VIDEO_ID).video_id == VIDEO_ID


def test_file_urls_are_refused_even_when_local_sources_are_allowed() -> None:
    assert get_settings().allow_local_sources is True
    with pytest.raises(SourceRefusedError, match="never"):
        resolve_source("file:///tmp/trailer.mp4")
