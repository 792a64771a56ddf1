"""Fetching a feed from an address an administrator typed: hostile-input territory.

- http and https only, on any port;
- the host is resolved here and every address it resolves to must be public (no loopback,
  private, link-local, multicast, reserved, unspecified, shared or cloud-metadata address, IPv4
  or IPv6, IPv4 hidden in IPv6 included) unless the host (or host:port) is allow-listed in
  PARLEY_FEED_ALLOWED_HOSTS;
- the connection goes to the address that was checked (the socket connects to the IP; TLS still
  checks the certificate against the host name), so DNS cannot answer differently in between;
- connect and read timeouts, plus an overall deadline a trickling server cannot stretch;
- the body is read in chunks and abandoned past the size cap (after decompression);
- redirects are followed by hand, at most MAX_REDIRECTS, each hop checked like the first;
- conditional GET: the stored ETag / Last-Modified are sent, and a 304 is "not modified".

Everything that goes wrong is a FetchError with a message for the feed's admin page."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from parley.core import knobs

MAX_BYTES = 5 * 1024 * 1024  # no real feed is this large; beyond it we stop reading
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
USER_AGENT = "Parley news importer (+https://parley.invalid/)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
SCHEMES = {"http": 80, "https": 443}
REDIRECTS = {301, 302, 303, 307, 308}
# NAT64's well-known prefix carries an IPv4 address in its last 32 bits (RFC 6052).
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Cloud metadata services, named even where another rule already refuses them.
METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack…
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
}


class FetchError(Exception):
    """The feed could not be fetched; the message is shown on its admin page."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 (not modified: `body` is empty)
    body: bytes
    etag: str
    last_modified: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(address: str) -> str | None:
    """Why a connection to this address is refused, or None if it is a public address."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.split("%", 1)[0]  # an IPv6 zone ("fe80::1%eth0") names a local link
        )
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        why = refusal(str(inner))
        return f"{why} (inside the IPv6 address {ip})" if why else None
    if ip in METADATA:
        return "a cloud metadata address"
    for name, flag in (
        ("a loopback", ip.is_loopback),
        ("an unspecified", ip.is_unspecified),
        ("a link-local", ip.is_link_local),
        ("a multicast", ip.is_multicast),
        ("a private", ip.is_private),
        ("a reserved", ip.is_reserved),
        ("a non-public", not ip.is_global),
    ):
        if flag:
            return f"{name} address"
    return None


def _allowed_entry(entry: str) -> tuple[str, str]:
    """("host", "port") from "host", "host:port", "[v6]" or "[v6]:port" ("" for any port)."""
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else ""
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, port
    return entry, ""  # a name, or a bare IPv6 address


def is_allowed_host(host: str, port: int) -> bool:
    """Whether PARLEY_FEED_ALLOWED_HOSTS names this host (any port), or this host:port."""
    host = host.lower().strip("[]")
    for entry in knobs.FEED_ALLOWED_HOSTS.get():
        allowed_host, allowed_port = _allowed_entry(entry)
        if allowed_host == host and allowed_port in ("", str(port)):
            return True
    return False


def resolve(host: str, port: int) -> str:
    """The address to connect to: every address the host resolves to is checked (one refused
    address refuses the host: round-robin DNS could hand it out next time)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"Could not resolve the host {host!r}: {exc}.") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError(f"The host {host!r} has no address.")
    if not is_allowed_host(host, port):
        for address in addresses:
            if (why := refusal(address)) is not None:
                raise FetchError(
                    f"Refused to connect to {host} ({address}): {why}. Feeds are fetched from "
                    "public addresses only (PARLEY_FEED_ALLOWED_HOSTS allows named hosts)."
                )
    return addresses[0]


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query


def _target(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"Not a valid address: {exc}.") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise FetchError("Only http:// and https:// feed addresses are fetched.")
    if not parts.hostname:
        raise FetchError("The feed address has no host.")
    if parts.username or parts.password:
        raise FetchError("Feed addresses with a user name or password are not fetched.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return _Target(scheme, parts.hostname, port or SCHEMES[scheme], path)


def _pool(target: _Target, address: str, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            assert_hostname=target.host,
            server_hostname=target.host,  # SNI, and the name the certificate must carry
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)


def _host_header(target: _Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == SCHEMES[target.scheme] else f"{host}:{target.port}"


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float | None = None,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    seconds = float(timeout if timeout is not None else knobs.FEED_TIMEOUT_SECONDS.get())
    deadline = time.monotonic() + 3 * seconds  # the whole exchange, redirects included
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    seen: list[str] = []
    for _ in range(max_redirects + 1):
        seen.append(url)
        target = _target(url)
        address = resolve(target.host, target.port)
        pool = _pool(target, address, urllib3.Timeout(connect=seconds, read=seconds))
        try:
            response = pool.urlopen(
                "GET",
                target.path,
                headers={**headers, "Host": _host_header(target)},
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                retries=False,
            )
            try:
                if response.status in REDIRECTS:
                    location = response.headers.get("Location", "")
                    if not location:
                        raise FetchError(f"HTTP {response.status} without a Location.")
                    url = urljoin(url, location.strip())
                    if url in seen:
                        raise FetchError(f"Redirect loop: {url} was already visited.")
                    continue
                if response.status == 304:
                    return Fetched(url, 304, b"", etag, last_modified)
                if response.status != 200:
                    raise FetchError(f"The server answered HTTP {response.status}.")
                body = _read_capped(response, max_bytes, deadline)
                return Fetched(
                    url,
                    200,
                    body,
                    response.headers.get("ETag", "")[:200],
                    response.headers.get("Last-Modified", "")[:100],
                )
            finally:
                response.release_conn()
                response.close()
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError(f"Timed out after {seconds:g} seconds.") from None
        except Urllib3Error as exc:
            if "timed out" in str(exc).lower():
                raise FetchError(f"Timed out after {seconds:g} seconds.") from None
            raise FetchError(f"Could not fetch the feed: {_reason(exc)}.") from None
        except OSError as exc:
            raise FetchError(f"Could not fetch the feed: {exc}.") from None
        finally:
            pool.close()
    raise FetchError(f"Too many redirects (more than {max_redirects}).")


def _reason(exc: Urllib3Error) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)


def _read_capped(response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"The feed is too large ({int(declared):,} bytes; at most {max_bytes:,}).")
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(CHUNK_BYTES, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"The feed is too large (more than {max_bytes:,} bytes).")
        if time.monotonic() > deadline:
            raise FetchError("The server sent the feed too slowly (overall time limit).")
        chunks.append(chunk)
    return b"".join(chunks)
