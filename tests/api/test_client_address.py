"""The real client address: the socket peer, or what trusted proxies forwarded."""

from __future__ import annotations

import ipaddress

import pytest

from api.client_address import real_client

pytestmark = pytest.mark.no_database

TRUSTED = (ipaddress.ip_network("10.0.0.2"), ipaddress.ip_network("172.16.0.0/12"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        # An untrusted peer is the client, whatever it says it forwards.
        ("192.0.2.1", [], "192.0.2.1"),
        ("192.0.2.1", ["203.0.113.5"], "192.0.2.1"),
        ("testclient", ["203.0.113.5"], "testclient"),
        # A trusted peer: the right-most entry that is not a trusted proxy.
        ("10.0.0.2", ["203.0.113.5"], "203.0.113.5"),
        ("10.0.0.2", ["198.51.100.1, 203.0.113.5"], "203.0.113.5"),
        ("10.0.0.2", ["203.0.113.5, 172.16.8.1"], "203.0.113.5"),
        ("10.0.0.2", ["198.51.100.1", "203.0.113.5 , 172.16.8.1"], "203.0.113.5"),
        ("10.0.0.2", ["10.0.0.2, 203.0.113.5"], "203.0.113.5"),
        ("10.0.0.2", ["2001:db8::7"], "2001:db8::7"),
        # Nothing forwarded, or only proxies: the request started at the first of them.
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", [" , "], "10.0.0.2"),
        ("10.0.0.2", ["172.16.0.9, 172.16.0.10"], "172.16.0.9"),
    ],
)
def test_real_client(peer: str, forwarded_for: list[str], expected: str) -> None:
    assert real_client(peer, forwarded_for, TRUSTED) == expected


def test_no_trusted_proxies_means_the_peer() -> None:
    assert real_client("127.0.0.1", ["203.0.113.5"], ()) == "127.0.0.1"
