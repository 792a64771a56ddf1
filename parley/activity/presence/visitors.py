"""Who is asking: a member, a known robot, or a guest known only by a keyed hash.

A guest is told apart by their session cookie when they have one, else by their IP address and
user agent; the raw IP address is never stored or logged, and the key cannot be turned back into
it without the site's secret key.

Cookies and user agents cost a client nothing to change, so they only choose one of
PARLEY_PRESENCE_GUESTS_PER_NETWORK (32) places within the guest's network (IPv4 /24, IPv6 /64):
the key is a keyed hash of the network and that place. However many cookies one network rotates
through, it is at most that many guests; two real guests of one network (a household, an
office) share a key only when they happen to land on the same place (1 in 32 for two). A guest
who changes network is a new guest, like a cookie-less one. 0 turns the limit off."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from parley.core import knobs
from parley.core.clients import client_ip

MEMBER, GUEST, ROBOT = "member", "guest", "robot"
GUEST_KEY_HEX_CHARS = 32  # 128 bits: collisions between guests are not a concern
USER_AGENT_MAX_CHARS = 512  # a longer header is junk and only costs hashing time
IPV4_NETWORK_BITS = 24
IPV6_NETWORK_BITS = 64  # what one subscriber is usually given
_ANONYMOUS_ATTRIBUTE = "_parley_presence_anonymous"  # a request's guest or robot, worked out once

# Well-known crawlers, first match wins, so the more specific patterns come first (AdsBot-Google
# before Googlebot). Unknown bots count as guests, as they do in XenForo.
_ROBOTS: tuple[tuple[str, str], ...] = (
    (r"AdsBot-Google", "Google AdsBot"),
    (r"Mediapartners-Google", "Google AdSense"),
    (r"Googlebot", "Googlebot"),
    (r"bingbot|BingPreview|msnbot", "Bingbot"),
    (r"Baiduspider", "Baidu"),
    (r"YandexBot|YandexImages|YandexMobileBot", "Yandex"),
    (r"DuckDuckBot|DuckAssistBot", "DuckDuckGo"),
    (r"Applebot", "Applebot"),
    (r"AhrefsBot|AhrefsSiteAudit", "Ahrefs"),
    (r"SemrushBot", "Semrush"),
    (r"MJ12bot", "Majestic"),
    (r"DotBot", "Moz DotBot"),
    (r"PetalBot", "PetalBot"),
    (r"SeznamBot", "Seznam"),
    (r"Sogou", "Sogou"),
    (r"Yahoo! Slurp", "Yahoo Slurp"),
    (r"Bytespider", "Bytespider"),
    (r"Amazonbot", "Amazonbot"),
    (r"GPTBot|ChatGPT-User|OAI-SearchBot", "OpenAI"),
    (r"ClaudeBot|Claude-Web|anthropic-ai|Claude-User|Claude-SearchBot", "Anthropic"),
    (r"PerplexityBot", "Perplexity"),
    (r"CCBot", "Common Crawl"),
    (r"facebookexternalhit|meta-externalagent|Facebot", "Facebook"),
    (r"Twitterbot", "Twitter"),
    (r"LinkedInBot", "LinkedIn"),
    (r"Pinterestbot", "Pinterest"),
    (r"Slackbot", "Slack"),
    (r"Discordbot", "Discord"),
    (r"TelegramBot", "Telegram"),
    (r"redditbot", "Reddit"),
    (r"ia_archiver|archive\.org_bot", "Internet Archive"),
    (r"Qwantify|Qwantbot", "Qwant"),
    (r"Exabot", "Exalead"),
)
ROBOT_KEYS = tuple(dict.fromkeys(f"r:{name}" for _, name in _ROBOTS))  # every robot's key
_ROBOT_RE = re.compile("|".join(f"(?P<r{i}>{pattern})" for i, (pattern, _) in enumerate(_ROBOTS)))


@dataclass(frozen=True)
class Visitor:
    key: str  # "m:<member id>", "g:<keyed hash>" or "r:<robot name>"
    kind: str  # MEMBER, GUEST or ROBOT
    member_id: int | None = None
    name: str = ""  # the member's username or the robot's name; empty for guests
    is_invisible: bool = False


def robot_name(user_agent: str) -> str | None:
    """The display name of a known crawler, or None."""
    match = _ROBOT_RE.search(user_agent[:USER_AGENT_MAX_CHARS])
    if match is None or match.lastgroup is None:
        return None
    return _ROBOTS[int(match.lastgroup[1:])][1]


def identify(request: HttpRequest) -> Visitor:
    """Costs no query: the member was loaded by the authentication middleware. A guest or robot
    is worked out once per request (a page's block and the middleware's visit both ask): it
    depends only on what the request brought (address, agent, cookie), which never changes."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Visitor(
            key=f"m:{user.pk}",
            kind=MEMBER,
            member_id=user.pk,
            name=user.username,
            is_invisible=bool(getattr(user, "is_invisible", False)),
        )
    anonymous: Visitor | None = getattr(request, _ANONYMOUS_ATTRIBUTE, None)
    if anonymous is None:
        anonymous = _anonymous(request)
        setattr(request, _ANONYMOUS_ATTRIBUTE, anonymous)
    return anonymous


def _anonymous(request: HttpRequest) -> Visitor:
    user_agent = request.headers.get("User-Agent", "")[:USER_AGENT_MAX_CHARS]
    if (name := robot_name(user_agent)) is not None:
        return Visitor(key=f"r:{name}", kind=ROBOT, name=name)
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    ip = client_ip(request)
    source = f"s\0{session_key}" if session_key else f"a\0{ip}\0{user_agent}"
    return Visitor(key=f"g:{guest_key(ip, source)}", kind=GUEST)


def guests_per_network() -> int:
    return knobs.PRESENCE_GUESTS_PER_NETWORK.get()


def guest_key(ip: str, source: str) -> str:
    """The key of the guest `source` (their cookie, or address and agent) seen from `ip`: one of
    guests_per_network() keys of the address's network."""
    slots = guests_per_network()
    if slots <= 0:
        return guest_hash(source)
    slot = int(guest_hash(source)[:8], 16) % slots
    return guest_hash(f"n\0{network_of(ip)}\0{slot}")


def network_of(ip: str) -> str:
    """The /24 (IPv4) or /64 (IPv6) holding an address; "" when it is not an address (then all
    such guests share one network)."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((int(address), IPV4_NETWORK_BITS), strict=False))
    return str(ipaddress.IPv6Network((int(address), IPV6_NETWORK_BITS), strict=False))


def guest_hash(source: str) -> str:
    digest = hmac.new(
        f"parley-presence\0{settings.SECRET_KEY}".encode(), source.encode(), hashlib.sha256
    )
    return digest.hexdigest()[:GUEST_KEY_HEX_CHARS]
