"""Download errors told the way a person reads them; the full text stays for the log."""

from __future__ import annotations

import pytest

from core.download.errors import DownloadErrorKind, TrailerDownloadError
from core.download.messages import MAX_SHOWN, readable_reason

pytestmark = pytest.mark.no_database

REPORT = (
    "; please report this issue on  https://github.com/yt-dlp/yt-dlp/issues?q= , filling out "
    "the appropriate issue template. Confirm you are on the latest version using  yt-dlp -U"
)


@pytest.mark.parametrize(
    ("raw", "starts"),
    [
        ("[youtube] abc: HTTP Error 429: Too Many Requests", "YouTube is limiting requests"),
        ("[youtube] abc: Sign in to confirm you're not a bot. Use --cookies", "YouTube asks"),
        ("[youtube] abc: Sign in to confirm your age. This video may be inappropriate",
         "The video is age-restricted"),
        ("[youtube] abc: Private video. Sign in if you've been granted access",
         "The video is unavailable"),
        ("[youtube] abc: Video unavailable. This video has been removed by the uploader",
         "The video is unavailable"),
        ("Unable to download webpage: HTTP Error 404: Not Found (caused by <HTTPError 404>)",
         "The source answered 404"),
        ("unable to download video data: HTTP Error 403: Forbidden", "The source refused access"),
        ("Unable to download webpage: HTTP Error 503: Service Unavailable",
         "The source's server failed"),
        ("Unsupported URL: https://example.org/page", "yt-dlp cannot download from this"),
        ("[youtube] abc: Requested format is not available. Use --list-formats",
         "No format of this video fits the profile"),
        ("Unable to download API page: ('Unable to connect to proxy', OSError('Tunnel "
         "connection failed: 502 Bad Gateway'))" + REPORT, "Cannot reach the source"),
        ("<urlopen error [Errno -3] Temporary failure in name resolution>",
         "Cannot reach the source"),
        ("Read timed out. (read timeout=20.0)", "Cannot reach the source"),
    ],
)  # fmt: skip
def test_known_failures_get_one_line_with_what_to_do(raw: str, starts: str) -> None:
    shown = readable_reason(raw)
    assert shown.startswith(starts)
    assert ":" in shown  # what happened: what to try
    assert "github.com" not in shown and "\n" not in shown


def test_an_unknown_failure_keeps_its_first_line_without_the_bug_report_text() -> None:
    raw = "[generic] x: something odd happened\nTraceback (most recent call last):" + REPORT
    assert readable_reason(raw) == "[generic] x: something odd happened"
    assert readable_reason("odd" + REPORT) == "odd"
    long = "z" * 1000
    assert len(readable_reason(long)) == MAX_SHOWN and readable_reason(long).endswith("…")
    assert readable_reason("") == "the download failed without a message"


def test_the_error_keeps_the_full_text_and_offers_the_readable_line() -> None:
    raw = "Unable to download webpage: HTTP Error 404: Not Found" + REPORT
    error = TrailerDownloadError(DownloadErrorKind.PERMANENT, raw)
    assert error.reason == raw
    assert error.readable == "The source answered 404 (not found): check the URL"
