"""The address of the client behind a request, behind trusted reverse proxies only.

The socket peer is the client, unless it is one of TRUSTED_PROXIES: then the client is the
right-most X-Forwarded-For entry that is not itself a trusted proxy. Entries left of that were
written by the client and prove nothing. Uvicorn runs with `proxy_headers=False`, so this is the
only rule that reads the header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import Request

from config import get_settings
from config.settings import IPNetwork

UNKNOWN_CLIENT = "unknown"


def _is_trusted(address: str, trusted: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def real_client(peer: str, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]) -> str:
    """The client address from the socket peer and the X-Forwarded-For headers (in order)."""
    if not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    # Every hop is a trusted proxy: the request started at the left-most one.
    return hops[0] if hops else peer


def client_address(request: Request) -> str:
    """The real client address of `request` (see the module's docstring)."""
    peer = request.client.host if request.client else UNKNOWN_CLIENT
    return real_client(
        peer, request.headers.getlist("x-forwarded-for"), get_settings().trusted_proxies
    )
