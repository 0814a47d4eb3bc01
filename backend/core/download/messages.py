"""Download errors told the way a person reads them.

yt-dlp's messages are written for bug reports: the extractor, the HTTP library's exception
chain, and "please report this issue on https://github.com/yt-dlp/...". The user sees one
line that says what happened and what to try (`readable_reason`); the full text stays in
the log. Rules go from the most specific to the most general: the first that matches wins.
"""

from __future__ import annotations

import re

MAX_SHOWN = 300
"""A message that no rule knows is shown cut to this many characters."""

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), text)
    for pattern, text in (
        (
            r"HTTP Error 429|Too Many Requests",
            "YouTube is limiting requests from this address (HTTP 429): wait an hour before "
            "trying again, or make the download_missing interval longer",
        ),
        (
            r"confirm your age|age[- ]restricted|inappropriate for some users",
            "The video is age-restricted and cannot be downloaded without signing in: choose "
            "another source",
        ),
        (
            r"Sign in to confirm|not a bot",
            "YouTube asks to sign in to confirm this is not a bot: try again later (it "
            "happens to addresses that send many requests)",
        ),
        (
            r"Private video|Video unavailable|This video is unavailable|has been removed|"
            r"not (?:made )?available in your country|members[- ]only|video has been terminated",
            "The video is unavailable (private, removed or blocked where you are): choose "
            "another source",
        ),
        (r"HTTP Error 404|404: Not Found", "The source answered 404 (not found): check the URL"),
        (
            r"HTTP Error 403|403: Forbidden",
            "The source refused access (HTTP 403): try again later or choose another source",
        ),
        (
            r"HTTP Error 5\d\d",
            "The source's server failed (HTTP 5xx): try again later",
        ),
        (
            r"Unsupported URL",
            "yt-dlp cannot download from this address: give the URL of a video page",
        ),
        (
            r"Requested format is not available",
            "No format of this video fits the profile: try a profile with another resolution "
            "or codec",
        ),
        (
            r"Unable to connect to proxy|Tunnel connection failed|Name or service not known|"
            r"Temporary failure in name resolution|getaddrinfo failed|Network is unreachable|"
            r"No route to host|Connection refused|Connection reset|timed out|cannot connect to",
            "Cannot reach the source: check this machine's internet connection and DNS, then "
            "try again",
        ),
    )
)
_BOILERPLATE = re.compile(r";?\s*please report this issue on.*$", re.IGNORECASE | re.DOTALL)


def readable_reason(raw: str) -> str:
    """One line for a person: what happened and what to try. `raw` goes to the log."""
    for pattern, text in _RULES:
        if pattern.search(raw):
            return text
    lines = _BOILERPLATE.sub("", raw).strip().splitlines()
    shown = lines[0] if lines else "the download failed without a message"
    return shown if len(shown) <= MAX_SHOWN else shown[: MAX_SHOWN - 1] + "…"
