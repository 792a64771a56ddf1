"""Both presence backends, one contract: every test in the first part runs against the database
and against Redis, whatever PARLEY_REDIS_URL says. The rest covers what only one of them has: the
database's buffer, throttle and pruning; Redis's expiry and outage handling."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import redis
from django.db import IntegrityError, OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.activity.models import Presence
from parley.activity.presence.backends import PresenceUnavailable
from parley.activity.presence.backends import db as db_module
from parley.activity.presence.backends import redis as redis_backend
from parley.activity.presence.backends.db import DatabaseBackend
from parley.activity.presence.backends.redis import (
    LOG_INTERVAL_SECONDS,
    RETRY_SECONDS,
    RedisBackend,
    client_for,
)
from parley.activity.presence.visitors import GUEST, MEMBER, ROBOT
from parley.activity.presence.window import window_start
from tests.activity.presence_support import (
    BACKENDS,
    DOWN_REDIS_URL,
    TEST_REDIS_URL,
    discard,
    guest,
    make_backend,
    member,
    robot,
    unique_prefix,
    visit,
)
from tests.world import make_member

pytestmark = pytest.mark.django_db

THREAD, OTHER_THREAD = 101, 202


@pytest.fixture(params=BACKENDS)
def backend(request):
    b = make_backend(request.param)
    yield b
    discard(b)


@pytest.fixture
def alice(db):
    return make_member("Alice")


@pytest.fixture
def bob(db):
    return make_member("Bob")


def store(backend, *visits) -> None:
    for v in visits:
        backend.record(v)
    backend.flush()


def names(result) -> list[str]:
    return [m.name for m in result.named]


# --- The contract -------------------------------------------------------------------------------


def test_members_and_guests_at_a_thread_are_counted_and_members_named(backend, alice, bob):
    store(
        backend,
        visit(member(alice), "thread", THREAD),
        visit(guest(1), "thread", THREAD),
        visit(guest(2), "thread", THREAD),
        visit(member(bob), "thread", OTHER_THREAD),
        visit(guest(3), "forum", THREAD),  # same id, another kind of place
    )
    here = backend.viewers("thread", THREAD, window_start())
    assert (here.total, here.member_count, here.guest_count) == (3, 1, 2)
    assert names(here) == ["Alice"]
    assert here.named[0].member_id == alice.pk
    there = backend.viewers("thread", OTHER_THREAD, window_start())
    assert (there.total, there.member_count, there.guest_count, names(there)) == (1, 1, 0, ["Bob"])
    nobody = backend.viewers("thread", 999, window_start())
    assert (nobody.total, nobody.named) == (0, [])


def test_robots_are_not_viewers_but_count_online_as_robots(backend, alice):
    store(
        backend,
        visit(robot("Googlebot"), "thread", THREAD),
        visit(robot("Bingbot"), "thread", THREAD),
        visit(guest(1), "thread", THREAD),
        visit(member(alice), "index", None),
    )
    here = backend.viewers("thread", THREAD, window_start())
    assert (here.total, here.member_count, here.guest_count) == (1, 0, 1)
    online = backend.online(window_start())
    assert (online.total, online.member_count, online.guest_count, online.robot_count) == (
        4,
        1,
        1,
        2,
    )
    assert names(online) == ["Alice"]


def test_visits_older_than_the_window_do_not_count(backend, alice, bob):
    now = timezone.now()
    store(
        backend,
        visit(member(alice), "thread", THREAD, at=now - timedelta(minutes=16)),
        visit(guest(1), "thread", THREAD, at=now - timedelta(minutes=16)),
        visit(robot("Googlebot"), "thread", THREAD, at=now - timedelta(minutes=16)),
        visit(member(bob), "thread", THREAD, at=now - timedelta(minutes=14)),
        visit(guest(2), "thread", THREAD, at=now - timedelta(minutes=14)),
    )
    since = now - timedelta(minutes=15)
    here = backend.viewers("thread", THREAD, since)
    assert (here.member_count, here.guest_count, names(here)) == (1, 1, ["Bob"])
    online = backend.online(since)
    assert (online.member_count, online.guest_count, online.robot_count) == (1, 1, 0)
    assert {r.visitor.key for r in backend.visitors(since)} == {member(bob).key, guest(2).key}


def test_a_visitor_who_moves_is_only_where_they_went(backend, alice):
    now = timezone.now()
    store(backend, visit(member(alice), "thread", THREAD, at=now - timedelta(minutes=2)))
    store(backend, visit(guest(1), "thread", THREAD, at=now - timedelta(minutes=2)))
    store(backend, visit(member(alice), "thread", OTHER_THREAD, at=now))
    store(backend, visit(guest(1), "forum", 7, at=now))
    assert backend.viewers("thread", THREAD, window_start()).total == 0
    assert names(backend.viewers("thread", OTHER_THREAD, window_start())) == ["Alice"]
    assert backend.viewers("forum", 7, window_start()).guest_count == 1
    online = backend.online(window_start())
    assert (online.member_count, online.guest_count) == (1, 1)  # each counted once


def test_invisible_members_are_counted_but_never_named_or_listed(backend, alice, bob):
    store(
        backend,
        visit(member(alice, invisible=True), "thread", THREAD),
        visit(member(bob), "thread", THREAD),
    )
    here = backend.viewers("thread", THREAD, window_start())
    assert (here.member_count, names(here)) == (2, ["Bob"])
    online = backend.online(window_start())
    assert (online.member_count, names(online)) == (2, ["Bob"])
    assert [r.visitor.name for r in backend.visitors(window_start())] == ["Bob"]


def test_turning_invisible_takes_effect_on_the_next_visit(backend, alice):
    store(backend, visit(member(alice, invisible=False), "thread", THREAD))
    store(backend, visit(member(alice, invisible=True), "thread", THREAD))
    here = backend.viewers("thread", THREAD, window_start())
    assert (here.member_count, here.named) == (1, [])


def test_the_reader_can_be_left_out_to_be_added_as_they_are_now(backend, alice):
    store(
        backend,
        visit(member(alice), "thread", THREAD),
        visit(guest(1), "thread", THREAD),
        visit(guest(2), "index", None),
        visit(robot("Googlebot"), "index", None),
    )
    without_guest = backend.viewers("thread", THREAD, window_start(), exclude_key=guest(1).key)
    assert (without_guest.member_count, without_guest.guest_count) == (1, 0)
    without_alice = backend.viewers("thread", THREAD, window_start(), member(alice).key)
    assert (without_alice.member_count, without_alice.guest_count, without_alice.named) == (
        0,
        1,
        [],
    )
    online = backend.online(window_start(), exclude_key=guest(2).key)
    assert (online.member_count, online.guest_count, online.robot_count) == (1, 1, 1)
    online = backend.online(window_start(), exclude_key=robot("Googlebot").key)
    assert (online.member_count, online.guest_count, online.robot_count) == (1, 2, 0)
    online = backend.online(window_start(), exclude_key=member(alice).key)
    assert (online.member_count, online.guest_count, online.named) == (0, 2, [])


def test_a_forgotten_visitor_is_gone_at_once(backend, alice):
    store(
        backend,
        visit(guest(1), "thread", THREAD),
        visit(guest(2), "thread", THREAD),
        visit(member(alice), "thread", THREAD),
    )
    backend.forget(guest(1).key)
    backend.forget(guest(7).key)  # never seen: nothing happens
    here = backend.viewers("thread", THREAD, window_start())
    assert (here.member_count, here.guest_count) == (1, 1)
    assert backend.online(window_start()).guest_count == 1
    assert guest(1).key not in {r.visitor.key for r in backend.visitors(window_start())}
    store(backend, visit(guest(1), "thread", THREAD))  # and may come back at once
    assert backend.viewers("thread", THREAD, window_start()).guest_count == 2


def test_members_are_named_most_recent_first(backend, alice, bob):
    now = timezone.now()
    store(
        backend,
        visit(member(bob), "thread", THREAD, at=now - timedelta(minutes=5)),
        visit(member(alice), "thread", THREAD, at=now - timedelta(minutes=1)),
    )
    assert names(backend.viewers("thread", THREAD, window_start())) == ["Alice", "Bob"]


def test_current_visitors_newest_first_with_location_filtered_and_capped(backend, alice, bob):
    now = timezone.now()
    store(
        backend,
        visit(member(alice), "thread", THREAD, at=now - timedelta(minutes=3)),
        visit(guest(1), "index", None, at=now - timedelta(minutes=2)),
        visit(robot("Googlebot"), "forum", 5, at=now - timedelta(minutes=1)),
        visit(member(bob), "member", alice.pk, at=now),
    )
    rows = backend.visitors(window_start())
    assert [(r.visitor.kind, r.location_kind, r.location_id) for r in rows] == [
        (MEMBER, "member", alice.pk),
        (ROBOT, "forum", 5),
        (GUEST, "index", None),
        (MEMBER, "thread", THREAD),
    ]
    assert rows[0].visitor.name == "Bob" and rows[0].visitor.member_id == bob.pk
    assert rows[1].visitor.name == "Googlebot"
    assert abs(rows[0].seen_at - now) < timedelta(seconds=1)
    assert [r.visitor.kind for r in backend.visitors(window_start(), kind=GUEST)] == [GUEST]
    assert [r.visitor.name for r in backend.visitors(window_start(), kind=MEMBER)] == [
        "Bob",
        "Alice",
    ]
    assert len(backend.visitors(window_start(), limit=2)) == 2


def test_listing_skips_invisible_members_without_coming_up_short(backend, alice, bob):
    now = timezone.now()
    visits = [
        visit(member(make_member(f"Ghost {i}"), invisible=True), "index", None, at=now)
        for i in range(3)
    ]
    store(
        backend,
        visit(member(alice), "index", None, at=now - timedelta(minutes=2)),
        visit(member(bob), "index", None, at=now - timedelta(minutes=3)),
        *visits,
    )
    assert [r.visitor.name for r in backend.visitors(window_start(), kind=MEMBER, limit=2)] == [
        "Alice",
        "Bob",
    ]


def test_a_visit_arriving_late_does_not_move_the_visitor_back(backend, alice):
    # Two workers serve one reader at once; the older visit may be stored last.
    now = timezone.now()
    store(backend, visit(member(alice), "thread", OTHER_THREAD, at=now))
    store(backend, visit(member(alice), "thread", THREAD, at=now - timedelta(seconds=5)))
    assert backend.viewers("thread", THREAD, window_start()).total == 0
    assert names(backend.viewers("thread", OTHER_THREAD, window_start())) == ["Alice"]


def test_pruning_removes_only_what_the_window_has_left(backend, alice):
    now = timezone.now()
    store(
        backend,
        visit(guest(1), "thread", THREAD, at=now - timedelta(minutes=20)),
        visit(member(alice), "thread", THREAD, at=now),
    )
    backend.prune()
    here = backend.viewers("thread", THREAD, now - timedelta(hours=1))
    assert (here.member_count, names(here)) == (1, ["Alice"])


# --- Database only ------------------------------------------------------------------------------


def writes(captured) -> list[str]:
    return [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith("INSERT")]


@pytest.fixture
def dbb():
    return DatabaseBackend()


def test_recording_costs_no_query(dbb, alice, django_assert_num_queries):
    with django_assert_num_queries(0):
        dbb.record(visit(guest(1), "thread", THREAD))
        dbb.record(visit(member(alice), "thread", THREAD))
    assert not Presence.objects.exists()  # buffered until the flusher's next tick


def test_a_visit_within_a_minute_at_the_same_place_changes_no_row(dbb):
    now = timezone.now()
    dbb.record(visit(guest(1), "thread", THREAD, at=now))
    dbb.flush()
    dbb.record(visit(guest(1), "thread", THREAD, at=now + timedelta(seconds=40)))
    dbb.flush()
    assert Presence.objects.get().seen_at == now


def test_a_minute_later_the_same_place_is_written_again(dbb):
    now = timezone.now()
    dbb.record(visit(guest(1), "thread", THREAD, at=now))
    dbb.flush()
    later = now + timedelta(seconds=61)
    dbb.record(visit(guest(1), "thread", THREAD, at=later))
    dbb.flush()
    assert Presence.objects.get().seen_at == later


def test_moving_is_written_at_once(dbb, alice):
    now = timezone.now()
    dbb.record(visit(member(alice), "thread", THREAD, at=now))
    dbb.flush()
    dbb.record(visit(member(alice), "thread", OTHER_THREAD, at=now + timedelta(seconds=5)))
    dbb.flush()
    row = Presence.objects.get()
    assert (row.location_kind, row.location_id) == ("thread", OTHER_THREAD)


def test_the_throttle_knows_what_other_workers_stored(alice):
    # Alice reads a thread (worker A), opens another (worker B) and comes back (worker A) within
    # a minute: A must not skip her return because it stored that same place a moment ago.
    a, b = DatabaseBackend(), DatabaseBackend()
    now = timezone.now()
    a.record(visit(member(alice), "thread", THREAD, at=now))
    a.flush()
    b.record(visit(member(alice), "thread", OTHER_THREAD, at=now + timedelta(seconds=5)))
    b.flush()
    a.record(visit(member(alice), "thread", THREAD, at=now + timedelta(seconds=10)))
    a.flush()
    row = Presence.objects.get()
    assert (row.location_id, row.seen_at) == (THREAD, now + timedelta(seconds=10))


def test_one_flush_is_one_upsert_for_many_visitors(dbb, alice, bob):
    for n in range(30):
        dbb.record(visit(guest(n), "thread", THREAD))
    dbb.record(visit(member(alice), "thread", THREAD))
    dbb.record(visit(member(bob), "forum", 1))
    with CaptureQueriesContext(connection) as captured:
        dbb.flush()
    assert len(writes(captured)) == 1
    assert Presence.objects.count() == 32
    with CaptureQueriesContext(connection) as captured:
        dbb.flush()  # nothing new: no query at all
    assert len(captured) == 0


def test_a_flush_stores_a_bounded_batch_and_leaves_the_rest_for_the_next(dbb, monkeypatch):
    monkeypatch.setattr(db_module, "FLUSH_MAX_ROWS", 3)
    for n in range(5):
        dbb.record(visit(guest(n), "thread", THREAD))
    dbb.flush()
    assert Presence.objects.count() == 3
    dbb.flush()
    assert Presence.objects.count() == 5


def test_a_database_error_keeps_the_visits_for_the_next_tick(dbb, alice, monkeypatch):
    real_write = dbb._write

    def locked(batch):
        raise OperationalError("database is locked")

    dbb.record(visit(member(alice), "thread", THREAD))
    monkeypatch.setattr(dbb, "_write", locked)
    with pytest.raises(OperationalError):
        dbb.flush()
    monkeypatch.setattr(dbb, "_write", real_write)
    dbb.flush()
    assert Presence.objects.get().member_id == alice.pk


def test_a_batch_the_database_refuses_is_dropped_not_retried_forever(dbb, monkeypatch):
    def refused(batch):
        raise IntegrityError("refused")

    dbb.record(visit(guest(1), "thread", THREAD))
    monkeypatch.setattr(dbb, "_write", refused)
    with pytest.raises(IntegrityError):
        dbb.flush()
    with CaptureQueriesContext(connection) as captured:
        dbb.flush()
    assert len(captured) == 0


def test_workers_flushing_out_of_order_keep_the_newest_visit(alice):
    first_worker, second_worker = DatabaseBackend(), DatabaseBackend()
    now = timezone.now()
    first_worker.record(visit(member(alice), "thread", THREAD, at=now))
    second_worker.record(
        visit(member(alice), "thread", OTHER_THREAD, at=now + timedelta(seconds=5))
    )
    second_worker.flush()
    first_worker.flush()  # the older visit arrives last
    row = Presence.objects.get()
    assert (row.location_id, row.seen_at) == (OTHER_THREAD, now + timedelta(seconds=5))


def test_flushing_never_prunes_and_prune_is_one_delete(dbb):
    old = timezone.now() - timedelta(minutes=20)
    Presence.objects.bulk_create(
        [Presence(visitor_key=guest(n).key, kind=GUEST, seen_at=old) for n in range(5)]
    )
    dbb.record(visit(guest(99), "index", None))
    with CaptureQueriesContext(connection) as captured:
        dbb.flush()
    assert not [q for q in captured if q["sql"].lstrip().upper().startswith("DELETE")]
    assert Presence.objects.count() == 6
    with CaptureQueriesContext(connection) as captured:
        assert dbb.prune() == 5
    assert len(captured) == 1
    assert list(Presence.objects.values_list("visitor_key", flat=True)) == [guest(99).key]


@pytest.mark.django_db(transaction=True)  # forget() runs in a second thread, on its own connection
def test_a_visitor_forgotten_during_a_flush_stays_forgotten(dbb, monkeypatch):
    # A guest logs in (forget, in the request's thread) while the flusher is writing their visit.
    real_write = dbb._write

    def write_then_forget_arrives(batch):
        import threading

        real_write(batch)
        forgetting = threading.Thread(target=dbb.forget, args=(guest(1).key,))
        forgetting.start()
        forgetting.join(0.2)
        assert forgetting.is_alive()  # it waits for the write to finish
        waiting.append(forgetting)

    waiting: list = []
    dbb.record(visit(guest(1), "thread", THREAD))
    monkeypatch.setattr(dbb, "_write", write_then_forget_arrives)
    dbb.flush()
    waiting[0].join()
    assert not Presence.objects.exists()


def test_a_member_deleted_before_the_flush_is_skipped(dbb, alice, bob):
    dbb.record(visit(member(alice), "thread", THREAD))
    dbb.record(visit(member(bob), "thread", THREAD))
    bob.delete()
    dbb.flush()
    assert list(Presence.objects.values_list("member_id", flat=True)) == [alice.pk]


# --- Redis only ---------------------------------------------------------------------------------


@pytest.fixture
def rb():
    b = RedisBackend(url=TEST_REDIS_URL, prefix=unique_prefix())
    yield b
    b.clear()


def test_every_redis_key_expires_and_moving_leaves_no_trace(rb, alice):
    store(rb, visit(member(alice), "thread", THREAD))
    store(rb, visit(robot("Googlebot"), "thread", THREAD))
    store(rb, visit(member(alice), "thread", OTHER_THREAD))
    client = client_for(TEST_REDIS_URL)
    keys = sorted(client.scan_iter(match=f"{rb.prefix}*"))
    assert keys == sorted(
        [
            f"{rb.prefix}v:m:{alice.pk}",
            f"{rb.prefix}v:r:Googlebot",
            f"{rb.prefix}all:m",
            f"{rb.prefix}all:r",
            f"{rb.prefix}loc:thread:{OTHER_THREAD}:m",  # the first thread's set emptied and went
        ]
    )
    for key in keys:
        assert 0 < client.ttl(key) <= 15 * 60 + 120


def test_redis_trims_old_entries_when_a_set_is_written(rb):
    now = timezone.now()
    store(rb, visit(guest(1), "thread", THREAD, at=now - timedelta(minutes=30)))
    store(rb, visit(guest(2), "thread", THREAD, at=now))
    client = client_for(TEST_REDIS_URL)
    assert client.zcard(f"{rb.prefix}loc:thread:{THREAD}:g") == 1
    assert client.zcard(f"{rb.prefix}all:g") == 1


def test_redis_down_pages_go_on_and_the_outage_is_logged_once(caplog, alice):
    clock = [1000.0]
    down = RedisBackend(url=DOWN_REDIS_URL, prefix=unique_prefix(), clock=lambda: clock[0])
    caplog.set_level(logging.WARNING, logger="parley.activity.presence")
    for _ in range(5):
        down.record(visit(member(alice), "thread", THREAD))
        down.flush()  # the visit is dropped; nothing raises
        with pytest.raises(PresenceUnavailable):
            down.viewers("thread", THREAD, window_start())
        with pytest.raises(PresenceUnavailable):
            down.online(window_start())
        with pytest.raises(PresenceUnavailable):
            down.visitors(window_start())
    assert len(caplog.records) == 1
    assert "Redis (presence) is unavailable" in caplog.records[0].getMessage()
    assert caplog.records[0].exc_info is None  # one line, not a traceback
    clock[0] += RETRY_SECONDS + 1  # tried again, still down: not logged again yet
    with pytest.raises(PresenceUnavailable):
        down.viewers("thread", THREAD, window_start())
    assert len(caplog.records) == 1
    clock[0] += LOG_INTERVAL_SECONDS
    with pytest.raises(PresenceUnavailable):
        down.viewers("thread", THREAD, window_start())
    assert len(caplog.records) == 2


def test_redis_prune_is_a_harmless_no_op(rb):
    store(rb, visit(guest(1), "thread", THREAD))
    assert rb.prune() == 0
    assert rb.viewers("thread", THREAD, window_start()).guest_count == 1
    assert RedisBackend(url=DOWN_REDIS_URL, prefix=unique_prefix()).prune() == 0


def test_redis_prefixes_keep_boards_apart(rb):
    other = RedisBackend(url=TEST_REDIS_URL, prefix=unique_prefix())
    try:
        store(rb, visit(guest(1), "thread", THREAD))
        assert other.viewers("thread", THREAD, window_start()).total == 0
        store(other, visit(guest(2), "thread", THREAD))
        other.clear()
        assert rb.viewers("thread", THREAD, window_start()).guest_count == 1
    finally:
        other.clear()


def test_redis_recording_waits_for_the_flusher_then_one_round_trip_sends_all(
    rb, alice, monkeypatch
):
    """A page view never waits on Redis: its visit is buffered, and the flusher's tick sends
    every buffered visit in one pipeline."""
    sent: list[int] = []
    real_execute = redis.client.Pipeline.execute

    def counting(pipe, *args, **kwargs):
        sent.append(len(pipe.command_stack))
        return real_execute(pipe, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counting)
    monkeypatch.setattr(
        redis_backend, "client_for", lambda url: pytest.fail("a visit reached Redis at once")
    )
    for n in range(5):
        rb.record(visit(guest(n), "thread", THREAD))
    rb.record(visit(member(alice), "thread", THREAD))
    assert rb.pending() == 6
    monkeypatch.undo()
    monkeypatch.setattr(redis.client.Pipeline, "execute", counting)
    rb.flush()
    assert sent == [6]  # one round trip
    assert rb.pending() == 0
    assert rb.viewers("thread", THREAD, window_start()).total == 6


def test_redis_forgetting_a_visitor_drops_their_buffered_visit(rb, alice):
    rb.record(visit(member(alice), "thread", THREAD))
    rb.forget(member(alice).key)
    rb.flush()
    assert rb.viewers("thread", THREAD, window_start()).total == 0
