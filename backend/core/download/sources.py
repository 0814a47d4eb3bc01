"""Source policy: which trailer sources are accepted, and where they point."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from config.settings import get_settings
from core.exceptions import SourceRefusedError

MAX_SOURCE_LENGTH = 2048
YOUTUBE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")
YOUTUBE_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "music.youtube.com",
        "youtube-nocookie.com",
        "www.youtube-nocookie.com",
    }
)
YOUTU_BE_HOSTS = frozenset({"youtu.be", "www.youtu.be"})
# Paths like /embed/ID, /shorts/ID, /v/ID, /live/ID that carry the id as their second part.
_ID_PATH_PREFIXES = frozenset({"embed", "shorts", "v", "e", "live"})
_SCHEMELESS_YOUTUBE_RE = re.compile(
    r"^(?:(?:www\.|m\.|music\.)?youtube\.com|(?:www\.)?youtube-nocookie\.com|youtu\.be)/",
    re.IGNORECASE,
)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_UNSAFE_CHARS_RE = re.compile(r"[\s\x00-\x1f\x7f]")
_LOCAL_HINT = (
    "local and private addresses are refused; set ALLOW_LOCAL_SOURCES=true "
    "to accept them (air-gapped setups)"
)


@dataclass(frozen=True)
class Source:
    """A download source that passed parsing: YouTube videos get a normalised watch URL."""

    url: str
    video_id: str | None
    is_youtube: bool


def youtube_watch_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def parse_source(value: str) -> Source:
    """Parse a YouTube id, a YouTube link or an http(s) URL; no I/O.

    Raises SourceRefusedError with the reason for anything else.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise SourceRefusedError("the source is blank")
    if len(text) > MAX_SOURCE_LENGTH:
        raise SourceRefusedError(f"the source is longer than {MAX_SOURCE_LENGTH} characters")
    if YOUTUBE_ID_RE.match(text):
        return Source(url=youtube_watch_url(text), video_id=text, is_youtube=True)
    if _UNSAFE_CHARS_RE.search(text):
        raise SourceRefusedError("the source URL contains spaces or control characters")
    if _SCHEMELESS_YOUTUBE_RE.match(text):
        text = f"https://{text}"

    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "file":
        raise SourceRefusedError("file:// sources are never accepted")
    if not scheme or "://" not in text:
        raise SourceRefusedError(
            f"{_shorten(text)!r} is neither a YouTube video id nor an http(s) URL"
        )
    if scheme not in {"http", "https"}:
        raise SourceRefusedError(f"{scheme}:// sources are not accepted; use http(s)")
    if parts.username is not None or parts.password is not None:
        raise SourceRefusedError("source URLs with credentials are not accepted")
    host = parts.hostname
    if not host:
        raise SourceRefusedError("the source URL has no host")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise SourceRefusedError(f"the source URL has an invalid port: {exc}") from exc

    if host in YOUTUBE_HOSTS or host in YOUTU_BE_HOSTS:
        video_id = _youtube_id(host, parts.path, parts.query)
        if video_id is None:
            raise SourceRefusedError(
                "this YouTube link does not point to a single video; use a watch link or a video id"
            )
        return Source(url=youtube_watch_url(video_id), video_id=video_id, is_youtube=True)
    return Source(url=text, video_id=None, is_youtube=False)


def _youtube_id(host: str, path: str, query: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    candidate: str | None = None
    if host in YOUTU_BE_HOSTS:
        candidate = segments[0] if segments else None
    elif segments == ["watch"] or segments == ["watch_popup"]:
        candidate = next(iter(parse_qs(query).get("v", [])), None)
    elif len(segments) >= 2 and segments[0] in _ID_PATH_PREFIXES:
        candidate = segments[1]
    if candidate and YOUTUBE_ID_RE.match(candidate):
        return candidate
    return None


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_source_allowed(source: Source, *, allow_local: bool) -> None:
    """Refuse sources whose host resolves to a local or private address.

    Blocking: resolves the host name. YouTube sources pass without a lookup. This is the
    check before a download; `egress.EgressGuard` applies the same rule again to every
    connection the download makes (redirects, a name that resolves differently later).
    Raises SourceRefusedError.
    """
    if source.is_youtube:
        return
    parts = urlsplit(source.url)
    host = parts.hostname
    if not host:
        raise SourceRefusedError("the source URL has no host")
    addresses = lookup(host)
    if allow_local:
        return
    reason = refusal_reason(host, addresses)
    if reason is not None:
        raise SourceRefusedError(reason)


def refusal_reason(host: str, addresses: list[IPAddress]) -> str | None:
    """Why the policy refuses `host` at these addresses (any one non-public), or None."""
    for address in addresses:
        kind = _non_public_kind(address)
        if kind is not None:
            where = host if host == str(address) else f"{host} resolves to {address}, which"
            return f"{where} is a {kind} address: {_LOCAL_HINT}"
    return None


def lookup(host: str) -> list[IPAddress]:
    """The addresses of `host` (a name or an address literal). Blocking (DNS).

    Raises SourceRefusedError when the name does not resolve.
    """
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise SourceRefusedError(f"cannot resolve host {host!r}: {exc}") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        # The address part of sockaddr; IPv6 scope ids ("fe80::1%eth0") are dropped.
        raw = str(info[4][0]).split("%", 1)[0]
        try:
            address = ipaddress.ip_address(raw)
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise SourceRefusedError(f"cannot resolve host {host!r}: no usable address")
    return addresses


def _non_public_kind(address: IPAddress) -> str | None:
    """What makes the address local or private, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


def resolve_source(value: str) -> Source:
    """Parse `value` and apply the source policy of the settings (blocking: DNS)."""
    source = parse_source(value)
    check_source_allowed(source, allow_local=get_settings().allow_local_sources)
    return source
