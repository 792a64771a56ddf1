"""Guests who invent themselves: a client rotating session cookies (or user agents) must not grow
presence without bound, slow pages down, or push members out.

- Guest keys: at most PARLEY_PRESENCE_GUESTS_PER_NETWORK per IPv4 /24 or IPv6 /64.
- Storage: at most PARLEY_PRESENCE_MAX_GUESTS guests, the least recently seen dropped first,
  in both backends; the database's reads never count past it either.
- The database backend's buffer: bounded per queue, O(1) per visit, members kept apart."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.test import override_settings
from django.utils import timezone

from parley.activity.models import Presence
from parley.activity.presence.backends import db as db_module
from parley.activity.presence.backends.db import DatabaseBackend
from parley.activity.presence.backends.redis import RedisBackend, client_for
from parley.activity.presence.visitors import GUEST, guests_per_network, identify
from parley.activity.presence.window import window_start
from parley.core import knobs
from parley.forums import services
from parley.forums.services.structure import create_category, create_forum
from tests.activity.presence_support import (
    TEST_REDIS_URL,
    TickingClient,
    discard,
    guest,
    make_backend,
    member,
    site_backend,
    visit,
)
from tests.multiprocess.client import parse_html
from tests.world import make_member

pytestmark = pytest.mark.django_db

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
THREAD = 101
CAP = 50  # PARLEY_PRESENCE_MAX_GUESTS in the cap tests
PER_NETWORK = knobs.PRESENCE_GUESTS_PER_NETWORK.default  # these tests run with the default
# Every visit goes through identify() and into the backend. Redis stores each visit with a round
# trip as it is recorded, so it gets fewer of them: enough to fill every key ten times over.
FLOOD_VISITS = {"db": 50_000, "redis": 3_000}


def guest_request(ip: str, *, cookie: str = "", agent: str = CHROME) -> HttpRequest:
    """What identify() reads of a request, without the cost of building a real one."""
    request = HttpRequest()
    request.META = {"REMOTE_ADDR": ip, "HTTP_USER_AGENT": agent}
    if cookie:
        request.COOKIES["sessionid"] = cookie
    request.user = AnonymousUser()
    return request


def rotating_cookie_requests(n: int, network: str = "198.51.100") -> list[HttpRequest]:
    """One client behind a /24, a fresh session cookie and user agent on every request."""
    rng = random.Random(n)
    return [
        guest_request(
            f"{network}.{rng.randrange(1, 255)}",
            cookie=f"{rng.getrandbits(128):032x}",
            agent=f"{CHROME} r{rng.getrandbits(32)}",
        )
        for _ in range(n)
    ]


@pytest.fixture(params=["db", "redis"])
def backend(request):
    b = make_backend(request.param)
    b.kind = request.param
    yield b
    discard(b)


def stored_guests(backend) -> int:
    """Guests the backend keeps, counted in its storage (not through a read)."""
    if isinstance(backend, DatabaseBackend):
        return Presence.objects.filter(kind=GUEST).count()
    return client_for(TEST_REDIS_URL).zcard(backend._all(GUEST))


def stored_keys(backend: RedisBackend) -> int:
    return sum(1 for _ in client_for(TEST_REDIS_URL).scan_iter(match=f"{backend.prefix}*"))


# --- Guest keys ---------------------------------------------------------------------------------


def test_rotating_cookies_from_one_network_are_at_most_the_limit_of_guests():
    keys = {identify(r).key for r in rotating_cookie_requests(5_000)}
    assert len(keys) == guests_per_network() == PER_NETWORK


def test_rotating_user_agents_without_a_cookie_are_bounded_the_same_way():
    rng = random.Random(7)
    keys = {
        identify(guest_request("203.0.113.9", agent=f"bot {rng.getrandbits(64)}")).key
        for _ in range(5_000)
    }
    assert len(keys) <= PER_NETWORK


def test_an_ipv6_network_is_its_64():
    rng = random.Random(3)
    keys = {
        identify(
            guest_request(
                f"2001:db8:7:9::{rng.getrandbits(16):x}:{rng.getrandbits(16):x}",
                cookie=f"{rng.getrandbits(64):x}xyzw",
            )
        ).key
        for _ in range(5_000)
    }
    assert len(keys) <= PER_NETWORK
    assert identify(guest_request("2001:db8:7:a::1")).key not in keys  # the next /64


def test_guests_of_different_networks_never_share_a_key():
    one = {identify(r).key for r in rotating_cookie_requests(500, "198.51.100")}
    other = {identify(r).key for r in rotating_cookie_requests(500, "198.51.101")}
    mapped = {identify(r).key for r in rotating_cookie_requests(500, "::ffff:198.51.100")}
    assert one and other and not one & other
    assert mapped <= one  # an IPv4 address written as IPv6 is the same network


def test_a_few_guests_of_one_network_are_told_apart():
    # A household or an office: each device its own guest (they share a key only when they
    # land on the same one of the PER_NETWORK places, 1 in 32 for two of them by default).
    agents = ["Firefox/128.0", "Safari/605.1.15", "Chrome/126.0", "Edg/126.0", "OPR/111.0"]
    keys = {identify(guest_request("192.0.2.10", agent=a)).key for a in agents}
    assert len(keys) >= 4


@override_settings(PARLEY_PRESENCE_GUESTS_PER_NETWORK=0)
def test_the_network_limit_can_be_turned_off():
    assert len({identify(r).key for r in rotating_cookie_requests(200)}) == 200


# --- Storage ------------------------------------------------------------------------------------


def test_a_rotating_cookie_flood_from_one_network_stores_a_bounded_few(backend):
    visits = 0
    for request in rotating_cookie_requests(FLOOD_VISITS[backend.kind]):
        backend.record(visit(identify(request), "thread", THREAD))
        visits += 1
        if isinstance(backend, DatabaseBackend):
            assert backend.pending() <= PER_NETWORK
    backend.flush()
    assert visits == FLOOD_VISITS[backend.kind]
    assert stored_guests(backend) <= PER_NETWORK
    assert backend.online(window_start()).guest_count <= PER_NETWORK
    assert backend.viewers("thread", THREAD, window_start()).guest_count <= PER_NETWORK
    if isinstance(backend, RedisBackend):  # a hash per guest, the board's set, the thread's set
        assert stored_keys(backend) <= PER_NETWORK + 2


@override_settings(PARLEY_PRESENCE_MAX_GUESTS=CAP)
def test_guests_beyond_the_cap_go_least_recently_seen_first(backend, monkeypatch):
    monkeypatch.setattr(db_module, "TRIM_AFTER_GUEST_VISITS", 10)
    alice = make_member("Alice")
    start = timezone.now() - timedelta(minutes=5)
    backend.record(visit(member(alice), "thread", THREAD, at=start))
    for n in range(3 * CAP):  # a flood from 150 networks: the per-network limit does not help
        backend.record(visit(guest(n), "thread", THREAD, at=start + timedelta(seconds=n)))
        if n % 20 == 19:
            backend.flush()  # as the flusher would, every tick
    backend.flush()
    assert stored_guests(backend) == CAP
    newest = {guest(n).key for n in range(2 * CAP, 3 * CAP)}
    assert {r.visitor.key for r in backend.visitors(window_start(), GUEST, limit=500)} == newest
    here = backend.viewers("thread", THREAD, window_start())
    assert (here.member_count, here.guest_count, [m.name for m in here.named]) == (
        1,
        CAP,
        ["Alice"],
    )
    online = backend.online(window_start())
    assert (online.member_count, online.guest_count) == (1, CAP)
    if isinstance(backend, RedisBackend):
        # Guest and member hashes, the board's guest and member sets, the thread's two sets.
        assert stored_keys(backend) == CAP + 1 + 4


@override_settings(PARLEY_PRESENCE_MAX_GUESTS=CAP)
def test_reads_never_count_past_the_cap_and_pruning_trims_to_it():
    # Rows a flood left before any trim ran: pages still count at most CAP of them.
    dbb = DatabaseBackend()
    alice = make_member("Alice")
    now = timezone.now()
    Presence.objects.bulk_create(
        [
            Presence(
                visitor_key=guest(n).key,
                kind=GUEST,
                location_kind="thread",
                location_id=THREAD,
                seen_at=now - timedelta(seconds=n),
            )
            for n in range(3 * CAP)
        ]
    )
    dbb.record(visit(member(alice), "thread", THREAD, at=now))
    dbb.flush()
    assert dbb.online(window_start()).guest_count == CAP
    assert dbb.viewers("thread", THREAD, window_start()).guest_count == CAP
    assert dbb.prune() == 2 * CAP
    kept = set(Presence.objects.filter(kind=GUEST).values_list("visitor_key", flat=True))
    assert kept == {guest(n).key for n in range(CAP)}  # the most recently seen
    assert Presence.objects.filter(member=alice).exists()


# --- The database backend's buffer --------------------------------------------------------------


def test_a_full_buffer_drops_the_guest_recorded_longest_ago_never_a_member(monkeypatch):
    monkeypatch.setattr(db_module, "MAX_PENDING", 1_000)
    dbb = DatabaseBackend()
    alice = make_member("Alice")
    start = timezone.now() - timedelta(minutes=1)
    dbb.record(visit(member(alice), "index", None, at=start))
    for n in range(50_000):
        dbb.record(visit(guest(n), "index", None, at=start + timedelta(milliseconds=n)))
        assert dbb.pending() <= 1_001
    while dbb.pending():
        dbb.flush()
    assert Presence.objects.filter(member=alice).exists()
    kept = set(Presence.objects.filter(kind=GUEST).values_list("visitor_key", flat=True))
    assert kept == {guest(n).key for n in range(49_000, 50_000)}


def test_a_full_buffer_costs_a_visit_what_an_empty_one_does():
    # After an outage longer than the online window, at steady traffic: one waiting visit leaves
    # the window for each that arrives. Each visit must stay O(1), not a pass over the buffer.
    dbb, now, ms = DatabaseBackend(), timezone.now(), timedelta(milliseconds=1)
    start = window_start(now)
    for n in range(db_module.MAX_PENDING):
        dbb.record(visit(guest(n), "index", None, at=start + (n - 1) * ms))
    arriving = [visit(guest(-n - 1), "index", None, at=now + n * ms) for n in range(2_000)]
    began = time.perf_counter()
    for v in arriving:
        dbb.record(v)
    per_visit = (time.perf_counter() - began) / len(arriving)
    assert dbb.pending() == db_module.MAX_PENDING
    assert per_visit < 100e-6, f"{per_visit * 1e6:.0f} µs per visit"  # O(1) is about 2 µs


# --- Through the site ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["db", "redis"])
def test_a_thread_read_with_a_new_cookie_each_time_shows_a_bounded_crowd(kind):
    author = make_member("Starter")
    forum = create_forum(category=create_category(title="General"), title="Chat")
    thread = services.create_thread(actor=author, forum=forum, title="Busy", body="Come in")
    viewers_url = f"/threads/{thread.pk}/viewers"
    with site_backend(kind):
        for n in range(80):
            client = TickingClient(HTTP_USER_AGENT=f"{CHROME} {n}", REMOTE_ADDR=f"198.51.100.{n}")
            client.cookies["sessionid"] = f"{n:032x}"
            assert client.get(viewers_url).status_code == 200
        block = parse_html(client.get(viewers_url).content.decode())
    heading = " ".join(block.text.split())
    counted = int(heading.split("Guests: ")[1].split(")")[0])
    assert 1 <= counted <= PER_NETWORK, heading
