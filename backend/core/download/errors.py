"""Why a trailer download failed: one error base for the whole pipeline, and the reading of
yt-dlp's messages.

Every step of a download (the search, yt-dlp, the check before it, the conversion, the
verification) raises a `TrailerError` with a `kind` and a `reason`. The kind decides what
happens next: a PERMANENT failure ends this source (the next candidate may do), a NETWORK
one is tried again, the others end the download. `reason` is the full text for the log;
`readable` the one line a person is shown.
"""

from __future__ import annotations

import re
from enum import StrEnum

from core.download.messages import readable_reason


class DownloadErrorKind(StrEnum):
    """Why a download failed; decides whether it is worth retrying."""

    PERMANENT = "permanent"
    RATE_LIMITED = "rate_limited"
    NETWORK = "network"
    CANCELLED = "cancelled"
    FAILED = "failed"


class TrailerError(Exception):
    """A step of a trailer download that failed, with the kind of failure and its reason."""

    default_kind = DownloadErrorKind.FAILED

    def __init__(
        self,
        reason: str,
        *,
        kind: DownloadErrorKind | None = None,
        video_id: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.kind = kind or self.default_kind
        self.reason = reason
        self.video_id = video_id

    @property
    def readable(self) -> str:
        """The line a person is shown: the reason, which this app wrote itself."""
        return self.reason


class TrailerDownloadError(TrailerError):
    """yt-dlp's search or download failed (or was stopped: cancelled, past its deadline)."""

    def __init__(
        self, kind: DownloadErrorKind, reason: str, *, video_id: str | None = None
    ) -> None:
        super().__init__(reason, kind=kind, video_id=video_id)

    @property
    def readable(self) -> str:
        """yt-dlp's text, which is written for bug reports, told the way a person reads it."""
        return readable_reason(self.reason)


# Ordered: the first pattern that matches decides. HTTP status codes come before phrases,
# so that "HTTP Error 503: Service Unavailable" is a network error, not an unavailable video.
_ERROR_PATTERNS: list[tuple[re.Pattern[str], DownloadErrorKind]] = [
    (
        re.compile(
            r"HTTP Error 429|\b429\b.{0,3}Too Many Requests|Too Many Requests"
            r"|Sign in to confirm you[’']re not a bot|rate.?limit|captcha|try again later",
            re.IGNORECASE,
        ),
        DownloadErrorKind.RATE_LIMITED,
    ),
    (
        re.compile(r"HTTP Error (?:404|410)\b|\b(?:404|410):? (?:Not Found|Gone)\b", re.I),
        DownloadErrorKind.PERMANENT,
    ),
    (
        re.compile(
            r"HTTP Error 5\d\d\b|\b5\d\d:? (?:Internal Server Error|Bad Gateway"
            r"|Service Unavailable|Gateway Time-?out)",
            re.IGNORECASE,
        ),
        DownloadErrorKind.NETWORK,
    ),
    (
        re.compile(
            r"unavailable|no longer available|not available|isn[’']t available|has been removed"
            r"|been terminated|in your country|geo.?restrict"
            r"|private video|video is private|Sign in to confirm your age|age.?restricted"
            r"|inappropriate for some users|members.only|Join this channel|copyright"
            r"|Unsupported URL|No video formats found|Requested format is not available"
            r"|is not a valid URL|Premieres in|live event will begin",
            re.IGNORECASE,
        ),
        DownloadErrorKind.PERMANENT,
    ),
    (
        re.compile(
            r"timed out|time-?out|Connection refused|Connection reset|Connection aborted"
            r"|Remote end closed|Name or service not known|name resolution"
            r"|nodename nor servname|getaddrinfo failed|Temporary failure|Network is unreachable"
            r"|No route to host|incomplete ?read|IncompleteRead|Broken pipe"
            r"|Unable to download webpage: <urlopen error|Did not get any data blocks"
            r"|Content too short|bytes read, \d+ more expected",
            re.IGNORECASE,
        ),
        DownloadErrorKind.NETWORK,
    ),
]
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def classify_error(message: str) -> DownloadErrorKind:
    """The kind of a yt-dlp error message."""
    for pattern, kind in _ERROR_PATTERNS:
        if pattern.search(message):
            return kind
    return DownloadErrorKind.FAILED


def clean_error_message(message: str) -> str:
    """A yt-dlp error message without colour codes and the "ERROR: " prefix."""
    text = ANSI_RE.sub("", message).strip()
    text = re.sub(r"^(?:ERROR:\s*)+", "", text)
    return text or "yt-dlp failed without a message"
