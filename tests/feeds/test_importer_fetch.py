"""The importer's fetch against a scripted server on 127.0.0.1: allowed only through the test's
own allow-listing, refused addresses never connected to, timeouts, the size cap while
streaming, redirects (loops, too many, to refused addresses), HTTP errors and conditional GET.
No test here opens a connection anywhere but 127.0.0.1."""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings

from parley.feeds.importer import fetch as fetch_module
from parley.feeds.importer.fetch import MAX_BYTES, FetchError, fetch, is_allowed_host, refusal
from tests.feeds.importer_server import (
    RSS2,
    FeedServer,
    endless,
    feed_server,
    redirect,
    serve,
    sleepy,
)

SHORT = 0.4  # seconds: the tests' timeout


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with feed_server() as fs:
        yield fs


@pytest.fixture
def allowed(server: FeedServer) -> Iterator[FeedServer]:
    with server.allowed():
        yield server


def requests_to(server: FeedServer, path: str) -> int:
    return sum(1 for seen in server.seen if seen.path.split("?")[0] == path)


# --- Addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "10.255.1.2",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "169.254.1.1",
        "100.100.100.200",  # Alibaba's metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 (an address refused, not one bound)
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.1.2.3",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refusal(address) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.4.4", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(address) is None


def test_a_mapped_address_names_what_it_hides() -> None:
    assert (
        refusal("::ffff:127.0.0.1") == "a loopback address (inside the IPv6 address ::ffff:7f00:1)"
    )
    assert refusal("169.254.169.254") == "a cloud metadata address"


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed.xml",
        "http://[::ffff:127.0.0.1]/feed.xml",
        "http://[::ffff:a00:1]/feed.xml",
        "http://0.0.0.0/feed.xml",
    ],
)
def test_fetching_a_refused_address_fails_before_connecting(url: str, monkeypatch) -> None:
    def no_pool(*args, **kwargs):
        raise AssertionError("a refused address must never be connected to")

    monkeypatch.setattr(fetch_module, "_pool", no_pool)
    with pytest.raises(FetchError, match="Refused to connect"):
        fetch(url, timeout=SHORT)


def test_loopback_is_refused_unless_allow_listed(server: FeedServer) -> None:
    url = server.route("/plain.xml", serve(RSS2))
    with pytest.raises(FetchError, match=r"Refused to connect to 127\.0\.0\.1.*loopback"):
        fetch(url, timeout=SHORT)
    other_port = override_settings(PARLEY_FEED_ALLOWED_HOSTS=(f"127.0.0.1:{server.port + 1}",))
    with other_port, pytest.raises(FetchError, match="Refused"):  # another port, another service
        fetch(url, timeout=SHORT)
    assert requests_to(server, "/plain.xml") == 0
    with server.allowed():
        fetched = fetch(url, timeout=SHORT)
    assert fetched.status == 200 and fetched.body == RSS2.encode()
    assert requests_to(server, "/plain.xml") == 1


def test_allow_list_entries_name_a_host_or_a_host_and_port() -> None:
    hosts = ("feeds.intranet", "10.1.1.1:8080", "[::1]:9000", "::2")
    with override_settings(PARLEY_FEED_ALLOWED_HOSTS=hosts):
        assert is_allowed_host("FEEDS.intranet", 443)
        assert is_allowed_host("10.1.1.1", 8080)
        assert not is_allowed_host("10.1.1.1", 80)
        assert is_allowed_host("::1", 9000)
        assert not is_allowed_host("::1", 9001)
        assert is_allowed_host("::2", 80)
        assert not is_allowed_host("feeds.intranet.example", 443)


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch) -> None:
    def resolve(host, port, *args, **kwargs):
        assert host == "news.example.com"
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", resolve)
    monkeypatch.setattr(fetch_module, "_pool", lambda *a, **k: pytest.fail("connected"))
    with pytest.raises(FetchError, match=r"news\.example\.com \(10\.0\.0\.7\): a private"):
        fetch("https://news.example.com/rss", timeout=SHORT)


def test_the_connection_goes_to_the_checked_address(server: FeedServer, monkeypatch) -> None:
    """DNS rebinding: the name is resolved once, and the socket connects to that address; a
    second lookup (which could answer 10.x) never happens."""
    url = server.route("/rebind.xml", serve(RSS2))
    real = socket.getaddrinfo
    lookups: list[str] = []

    def resolve(host, port, *args, **kwargs):
        lookups.append(host)
        if host == "rebind.example.com":
            if len(lookups) > 1:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.9.9", port))]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with override_settings(PARLEY_FEED_ALLOWED_HOSTS=(f"rebind.example.com:{server.port}",)):
        fetched = fetch(url.replace("127.0.0.1", "rebind.example.com"), timeout=SHORT)
    assert fetched.status == 200
    assert lookups.count("rebind.example.com") == 1
    assert server.seen[-1].headers["Host"] == f"rebind.example.com:{server.port}"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.example.com/feed.xml",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://127.0.0.1:70/",
        "http://user:secret@news.example.com/rss",
        "http:///no-host",
    ],
)
def test_only_plain_http_and_https_addresses_are_fetched(url: str) -> None:
    with pytest.raises(FetchError):
        fetch(url, timeout=SHORT)


# --- Hostile servers ----------------------------------------------------------------------------


def test_a_server_that_answers_too_slowly_times_out(allowed: FeedServer) -> None:
    url = allowed.route("/slow.xml", sleepy(SHORT * 4))
    started = time.monotonic()
    with pytest.raises(FetchError, match="Timed out"):
        fetch(url, timeout=SHORT)
    assert time.monotonic() - started < SHORT * 3


def test_a_feed_past_the_cap_is_abandoned_while_streaming(allowed: FeedServer) -> None:
    url = allowed.route("/endless.xml", endless(allowed, "/endless.xml"))
    with pytest.raises(FetchError, match=r"too large \(more than 5,242,880 bytes\)"):
        fetch(url, timeout=2)
    assert MAX_BYTES == 5 * 1024 * 1024
    deadline = time.monotonic() + 5
    while "/endless.xml" not in allowed.streamed and time.monotonic() < deadline:
        time.sleep(0.02)
    # The server stopped once we hung up: the cap plus what socket buffers held, not 64 MB.
    assert allowed.streamed["/endless.xml"] < 16 * 1024 * 1024


def test_a_declared_length_past_the_cap_is_refused_unread(allowed: FeedServer) -> None:
    url = allowed.route("/big.xml", serve(b"x" * 300_000))
    with pytest.raises(FetchError, match=r"too large \(300,000 bytes; at most 100,000\)"):
        fetch(url, timeout=SHORT, max_bytes=100_000)


def test_the_cap_counts_decompressed_bytes(allowed: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)  # about 2 KB on the wire

    def handler(request) -> None:
        request.send_response(200)
        request.send_header("Content-Encoding", "gzip")
        request.send_header("Content-Length", str(len(bomb)))
        request.end_headers()
        request.wfile.write(bomb)

    url = allowed.route("/bomb.xml", handler)
    with pytest.raises(FetchError, match="too large"):
        fetch(url, timeout=SHORT, max_bytes=500_000)


def test_a_redirect_loop_is_reported(allowed: FeedServer) -> None:
    allowed.route("/loop-a", redirect("/loop-b"))
    url = allowed.route("/loop-b", redirect(allowed.url("/loop-a")))
    with pytest.raises(FetchError, match="Redirect loop"):
        fetch(url, timeout=SHORT)


def test_at_most_five_redirects_are_followed(allowed: FeedServer) -> None:
    for i in range(7):
        allowed.route(f"/hop{i}", redirect(f"/hop{i + 1}", status=301))
    allowed.route("/hop7", serve(RSS2))
    with pytest.raises(FetchError, match=r"Too many redirects \(more than 5\)"):
        fetch(allowed.url("/hop0"), timeout=SHORT)
    assert requests_to(allowed, "/hop6") == 0
    assert fetch(allowed.url("/hop2"), timeout=SHORT).url == allowed.url("/hop7")


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.1/feed.xml", "http://169.254.169.254/latest/", "http://[::ffff:7f00:1]/"],
)
def test_each_redirect_hop_is_checked_again(allowed: FeedServer, target: str) -> None:
    url = allowed.route("/to-private", redirect(target))
    with pytest.raises(FetchError, match="Refused to connect"):
        fetch(url, timeout=SHORT)


def test_a_redirect_to_loopback_on_another_port_is_refused(allowed: FeedServer) -> None:
    url = allowed.route("/to-other-port", redirect(f"http://127.0.0.1:{allowed.port + 1}/x"))
    with pytest.raises(FetchError, match="loopback"):
        fetch(url, timeout=SHORT)


def test_http_errors_are_reported(allowed: FeedServer) -> None:
    url = allowed.route("/error.xml", serve("Internal error", status=500))
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch(url, timeout=SHORT)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(allowed.url("/missing.xml"), timeout=SHORT)


def test_conditional_get_sends_the_validators_and_understands_304(allowed: FeedServer) -> None:
    url = allowed.route("/etag.xml", serve(RSS2, etag='"v1"'))
    first = fetch(url, timeout=SHORT)
    assert (first.status, first.etag) == (200, '"v1"')
    assert "If-None-Match" not in allowed.seen[-1].headers
    second = fetch(url, etag=first.etag, last_modified="Sun, 29 Nov 2026 10:00:00 GMT")
    assert second.not_modified and second.body == b""
    assert allowed.seen[-1].headers["If-None-Match"] == '"v1"'
    assert allowed.seen[-1].headers["If-Modified-Since"] == "Sun, 29 Nov 2026 10:00:00 GMT"


def test_last_modified_alone_is_sent_back_too(allowed: FeedServer) -> None:
    stamp = "Mon, 30 Nov 2026 07:20:00 GMT"

    def handler(request) -> None:
        if request.headers.get("If-Modified-Since") == stamp:
            request.send_response(304)
            request.end_headers()
            return
        body = RSS2.encode()
        request.send_response(200)
        request.send_header("Last-Modified", stamp)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    url = allowed.route("/dated.xml", handler)
    first = fetch(url, timeout=SHORT)
    assert (first.status, first.etag, first.last_modified) == (200, "", stamp)
    again = fetch(url, etag=first.etag, last_modified=first.last_modified, timeout=SHORT)
    assert again.not_modified
    assert "If-None-Match" not in allowed.seen[-1].headers
