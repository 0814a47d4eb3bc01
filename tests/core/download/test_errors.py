"""How yt-dlp's messages are read: the kind of failure, and the text without its noise."""

from __future__ import annotations

import pytest

from core.download.convert import ConversionError
from core.download.errors import (
    DownloadErrorKind,
    TrailerDownloadError,
    TrailerError,
    classify_error,
    clean_error_message,
)
from core.download.video_analysis import TrailerVerificationError

pytestmark = pytest.mark.no_database

# Messages as yt-dlp words them (DownloadError text, with its "ERROR: " prefix).
CLASSIFIED_MESSAGES = [
    ("ERROR: [youtube] dQw4w9WgXcQ: Video unavailable", "permanent"),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video has been removed by the "
        "uploader",
        "permanent",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video is no longer available "
        "because the YouTube account associated with this video has been terminated.",
        "permanent",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Private video. Sign in if you've been granted access to "
        "this video. Use --cookies-from-browser or --cookies for the authentication.",
        "permanent",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm your age. This video may be "
        "inappropriate for some users. Use --cookies-from-browser or --cookies for the "
        "authentication.",
        "permanent",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Join this channel to get access to members-only content "
        "like this video, and other exclusive perks.",
        "permanent",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video contains content from SME, "
        "who has blocked it on copyright grounds",
        "permanent",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: The uploader has not made this video available in your "
        "country",
        "permanent",
    ),
    ("ERROR: Unsupported URL: https://example.com/trailers", "permanent"),
    (
        "ERROR: [generic] trailer: Unable to download webpage: HTTP Error 404: Not Found "
        "(caused by <HTTPError 404: Not Found>)",
        "permanent",
    ),
    ("ERROR: unable to download video data: HTTP Error 410: Gone", "permanent"),
    ("ERROR: [vimeo] 12345: No video formats found!", "permanent"),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Requested format is not available. Use --list-formats "
        "for a list of available formats",
        "permanent",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Unable to download API page: HTTP Error 429: Too Many "
        "Requests (caused by <HTTPError 429: Too Many Requests>)",
        "rate_limited",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you’re not a bot. Use "
        "--cookies-from-browser or --cookies for the authentication.",
        "rate_limited",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you're not a bot. This helps protect "
        "our community.",
        "rate_limited",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: This content isn't available, try again later. The "
        "current session has been rate-limited by YouTube for up to an hour.",
        "rate_limited",
    ),
    (
        "ERROR: [youtube] dQw4w9WgXcQ: Unable to download API page: <urlopen error [Errno -3] "
        "Temporary failure in name resolution> (caused by TransportError(...))",
        "network",
    ),
    ("ERROR: unable to download video data: The read operation timed out", "network"),
    (
        "ERROR: [generic] x: Unable to download webpage: [Errno 111] Connection refused (caused "
        "by TransportError('[Errno 111] Connection refused'))",
        "network",
    ),
    ("ERROR: [Errno 104] Connection reset by peer", "network"),
    (
        "ERROR: [generic] x: Unable to download webpage: HTTP Error 503: Service Unavailable",
        "network",
    ),
    ("ERROR: unable to download video data: HTTP Error 502: Bad Gateway", "network"),
    ("ERROR: IncompleteRead(1024 bytes read, 2048 more expected)", "network"),
    ("ERROR: Downloaded 1024 bytes, expected 4096 bytes", "failed"),
    ("ERROR: unable to download video data: HTTP Error 403: Forbidden", "failed"),
    ("ERROR: Postprocessing: Conversion failed!", "failed"),
]


@pytest.mark.parametrize(("message", "kind"), CLASSIFIED_MESSAGES)
def test_classify_error(message: str, kind: str) -> None:
    assert classify_error(message) == DownloadErrorKind(kind)


def test_clean_error_message_strips_prefix_and_colours() -> None:
    raw = "\x1b[0;31mERROR:\x1b[0m [youtube] abc: Video unavailable\n"
    assert clean_error_message(raw) == "[youtube] abc: Video unavailable"
    assert clean_error_message("") == "yt-dlp failed without a message"


def test_every_step_raises_the_one_error_base() -> None:
    for error in (
        TrailerDownloadError(DownloadErrorKind.NETWORK, "timed out"),
        ConversionError("ffmpeg failed"),
        TrailerVerificationError("too short"),
    ):
        assert isinstance(error, TrailerError)
        assert error.reason == str(error)
    assert ConversionError("x").kind is DownloadErrorKind.PERMANENT
    assert TrailerVerificationError("x").kind is DownloadErrorKind.PERMANENT
