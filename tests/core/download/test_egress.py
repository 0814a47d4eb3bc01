"""The source policy at connection time: every request of a download goes through the guard.

127.0.0.2 stands for a public host here: the policy is told it is public, while 127.0.0.1
stays what it is, a loopback address the policy refuses.
"""

from __future__ import annotations

import base64
import ipaddress
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import get_settings
from core.download import sources
from core.download.downloader import download_video
from core.download.egress import EgressGuard
from core.download.errors import DownloadErrorKind, TrailerDownloadError
from core.download.sources import IPAddress, resolve_source
from tests.utils.factories import make_profile
from tests.utils.http_server import VideoServer
from tests.utils.mediafiles import make_video

PRETEND_PUBLIC = ipaddress.ip_address("127.0.0.2")


@pytest.fixture
def strict_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """ALLOW_LOCAL_SOURCES off, with 127.0.0.2 taken for a public address."""
    monkeypatch.setenv("ALLOW_LOCAL_SOURCES", "false")
    get_settings.cache_clear()
    real = sources._non_public_kind

    def kind(address: IPAddress) -> str | None:
        return None if address == PRETEND_PUBLIC else real(address)

    monkeypatch.setattr(sources, "_non_public_kind", kind)


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[VideoServer]:
    """A server on 127.0.0.1: a place downloads must never reach under the strict policy."""
    root = tmp_path / "local"
    root.mkdir()
    (root / "secret.txt").write_text("internal\n")
    server = VideoServer(root)
    yield server
    server.close()


@pytest.fixture
def public_server(tmp_path: Path) -> Iterator[VideoServer]:
    root = tmp_path / "public"
    root.mkdir()
    (root / "hello.txt").write_text("hello\n")
    server = VideoServer(root, host="127.0.0.2")
    yield server
    server.close()


def _opener(guard: EgressGuard, *, password: bool = True) -> urllib.request.OpenerDirector:
    url = guard.proxy_url if password else guard.proxy_url.replace(guard._password, "wrong")
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": url}))


def _raw_connect(guard: EgressGuard, target: str) -> bytes:
    """The proxy's answer to a CONNECT for `target` (host:port)."""
    port = int(guard.proxy_url.rsplit(":", 1)[1])
    token = base64.b64encode(guard.proxy_url.split("//", 1)[1].split("@")[0].encode())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n".encode()
            + b"Proxy-Authorization: Basic "
            + token
            + b"\r\n\r\n"
        )
        answer = sock.recv(4096)
        if answer.startswith(b"HTTP/1.1 200"):
            request = f"GET /hello.txt HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n"
            sock.sendall(request.encode())
            while chunk := sock.recv(4096):  # until the server closes the tunnel
                answer += chunk
        return answer


@pytest.mark.slow
@pytest.mark.usefixtures("strict_policy")
def test_the_guard_forwards_to_public_addresses_and_refuses_local_ones(
    local_server: VideoServer, public_server: VideoServer
) -> None:
    with EgressGuard(allow_local=False) as guard:
        opener = _opener(guard)
        with opener.open(public_server.url("hello.txt"), timeout=10) as answer:
            assert answer.read() == b"hello\n"
        assert guard.refusal is None

        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(local_server.url("secret.txt"), timeout=10)
        assert refused.value.code == 403
        assert "loopback" in refused.value.read().decode()
        assert guard.refusal is not None and "127.0.0.1 is a loopback address" in guard.refusal

    assert local_server.requests("secret.txt") == 0
    assert public_server.requests("hello.txt") == 1


@pytest.mark.slow
@pytest.mark.usefixtures("strict_policy")
def test_connect_tunnels_are_checked_too(
    local_server: VideoServer, public_server: VideoServer
) -> None:
    with EgressGuard(allow_local=False) as guard:
        assert _raw_connect(guard, f"127.0.0.1:{local_server.port}").startswith(b"HTTP/1.1 403")
        tunnelled = _raw_connect(guard, f"127.0.0.2:{public_server.port}")
    assert tunnelled.startswith(b"HTTP/1.1 200 Connection established")
    assert b"hello" in tunnelled
    assert local_server.requests("hello.txt") == 0


@pytest.mark.slow
def test_the_guard_serves_only_with_its_password(public_server: VideoServer) -> None:
    with EgressGuard(allow_local=True) as guard, pytest.raises(urllib.error.HTTPError) as refused:
        _opener(guard, password=False).open(public_server.url("hello.txt"), timeout=10)
    assert refused.value.code == 407
    assert public_server.requests("hello.txt") == 0


@pytest.mark.slow
def test_local_sources_pass_when_allowed(local_server: VideoServer) -> None:
    with (
        EgressGuard(allow_local=True) as guard,
        _opener(guard).open(local_server.url("secret.txt"), timeout=10) as answer,
    ):
        assert answer.read() == b"internal\n"
    assert guard.refusal is None


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_video(tmp_path / "clip.mp4", duration=1)


@pytest.mark.slow
@pytest.mark.usefixtures("strict_policy")
def test_a_redirect_to_a_local_address_is_refused_during_the_download(
    tmp_path: Path,
    clip: Path,
    local_server: VideoServer,
    public_server: VideoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A proxy bypass list in the environment must not let requests around the guard.
    monkeypatch.setenv("NO_PROXY", "*")
    (local_server.root / "clip.mp4").write_bytes(clip.read_bytes())
    (public_server.root / "clip.mp4").write_bytes(clip.read_bytes())
    public_server.redirect("to-local.mp4", local_server.url("clip.mp4"))
    public_server.redirect("to-public.mp4", public_server.url("clip.mp4"))
    profile = make_profile(min_duration=0, embed_metadata=False)

    source = resolve_source(public_server.url("to-local.mp4"))  # passes the first check
    with pytest.raises(TrailerDownloadError) as refused:
        download_video(source.url, profile, work_dir=tmp_path / "work1", retries=1)
    assert refused.value.kind is DownloadErrorKind.PERMANENT
    assert "source refused" in refused.value.reason
    assert "127.0.0.1 is a loopback address" in refused.value.reason
    assert local_server.requests("clip.mp4") == 0

    # The same redirect to an accepted address is followed through the guard.
    video = download_video(
        public_server.url("to-public.mp4"), profile, work_dir=tmp_path / "work2", retries=1
    )
    assert video.path.stat().st_size > 0
    assert public_server.requests("clip.mp4") >= 1


@pytest.mark.slow
@pytest.mark.usefixtures("strict_policy")
def test_a_name_that_resolves_to_a_local_address_the_second_time_is_refused(
    tmp_path: Path, clip: Path, local_server: VideoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    (local_server.root / "clip.mp4").write_bytes(clip.read_bytes())
    answers: list[list[IPAddress]] = [[PRETEND_PUBLIC]]
    real_lookup = sources.lookup

    def rebinding_lookup(host: str) -> list[IPAddress]:
        if host != "trailers.rebind.test":
            return real_lookup(host)
        # Public at the check; loopback for every lookup after it.
        return answers.pop() if answers else [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(sources, "lookup", rebinding_lookup)
    url = f"http://trailers.rebind.test:{local_server.port}/clip.mp4"

    source = resolve_source(url)
    assert not answers  # the check used the first, public answer
    with pytest.raises(TrailerDownloadError) as refused:
        download_video(
            source.url, make_profile(min_duration=0), work_dir=tmp_path / "work", retries=1
        )
    assert refused.value.kind is DownloadErrorKind.PERMANENT
    assert "trailers.rebind.test resolves to 127.0.0.1" in refused.value.reason
    assert local_server.requests("clip.mp4") == 0
