"""`parley bench --in-process`: the older timings, taken in this process with Django's test
client on a small board built through the services."""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from parley.bench.shared import BENCH_PASSWORD
from parley.core import datadir

# --- In process (`--in-process`) ------------------------------------------------------------------


@dataclass(frozen=True)
class InProcessScale:
    threads: int  # besides the big one
    posts_in_big_thread: int
    rounds: int  # timed requests per figure (the median is printed)
    guest_flood: int  # presence rows of invented guests


IN_PROCESS_FULL = InProcessScale(
    threads=60, posts_in_big_thread=2_000, rounds=30, guest_flood=100_000
)
# Three pages of posts, so the last page is not the first.
IN_PROCESS_QUICK = InProcessScale(threads=5, posts_in_big_thread=45, rounds=3, guest_flood=3_000)


def _setup() -> None:
    os.environ.setdefault("PARLEY_DATA_DIR", tempfile.mkdtemp(prefix="parley-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    os.environ.setdefault("PARLEY_ALLOWED_HOSTS", "testserver")
    # Ticks are measured one by one below; a background flusher would write in between.
    os.environ.setdefault("PARLEY_BACKGROUND_FLUSH", "0")
    datadir.prepare()  # the secret key, as the `parley` command makes it
    # Django loads only after the environment above is set.
    import django

    django.setup()
    # Imported here, after django.setup(): the settings are configured only now.
    from django.conf import settings
    from django.core.management import call_command

    # The board is built by a few members posting the same text fast, which the posting gate
    # (rightly) refuses from people.
    settings.PARLEY_FLOOD_SECONDS = settings.PARLEY_NEWCOMER_FLOOD_SECONDS = 0
    settings.PARLEY_DUPLICATE_MINUTES = 0
    settings.PARLEY_APPROVAL_FIRST_POSTS = 0

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # As in Django's own test runner: keep one connection for the run (so query capture sees
    # every query) and keep the 404 baseline out of the log.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    logging.getLogger("django.request").setLevel(logging.ERROR)


def _build_board(scale: InProcessScale) -> dict[str, str]:
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.db import transaction

    from parley.accounts.services import register_member
    from parley.forums import services
    from parley.forums.services.structure import create_category, create_forum, create_prefix

    members = [
        register_member(username=f"Bencher {i}", email=f"b{i}@example.org", password=BENCH_PASSWORD)
        for i in range(10)
    ]
    forum = create_forum(category=create_category(title="Bench"), title="Busy forum")
    prefix = create_prefix(title="Analysis", colour="blue")
    body = (
        "A **fairly** typical reply with a [url=https://example.org/a]link[/url], some *emphasis*\n"
        'and a second paragraph.\n\n[quote="Bencher 1, post: 1, member: 1"]Quoted text[/quote]\n'
        "- a list\n- of points\n"
    )
    with transaction.atomic():
        for i in range(scale.threads):
            services.create_thread(
                actor=members[i % 10], forum=forum, title=f"Thread {i}", body=body
            )
        big = services.create_thread(
            actor=members[0], forum=forum, title="The big one", body=body, prefix=prefix
        )
        for i in range(scale.posts_in_big_thread - 1):
            services.reply_to_thread(actor=members[i % 10], thread=big, body=body)
    last_page = -(-scale.posts_in_big_thread // 20)
    return {
        "forum index": "/",
        "forum page": forum.get_absolute_url(),
        "thread page 1": big.get_absolute_url(),
        f"thread page {last_page}": big.page_url(last_page),
    }


def _presence_tick() -> None:
    """What one worker's background flusher does each second on a busy board: store the 100
    visits it buffered (database backend; Redis stores visits as responses close instead)."""
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.utils import timezone

    from parley.activity.presence.backends import Visit, get_backend
    from parley.activity.presence.visitors import GUEST, Visitor

    backend = get_backend()
    now = timezone.now()
    for i in range(100):
        visitor = Visitor(key=f"g:bench{i}", kind=GUEST)
        backend.record(Visit(visitor, "thread", i, now))
    backend.flush()


def _store_guest_flood(rows: int, thread_id: int) -> None:
    """`rows` guest presence rows, as a flood of invented guests from as many networks leaves
    them before any trim: stored directly, a third on the measured thread, the rest elsewhere,
    seen over the last ten minutes."""
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.utils import timezone

    from parley.activity.models import Presence

    now = timezone.now()
    places = [("thread", thread_id), ("index", None), ("forum", 1)]
    Presence.objects.bulk_create(
        (
            Presence(
                visitor_key=f"g:flood{i:027x}",
                kind="guest",
                location_kind=places[i % 3][0],
                location_id=places[i % 3][1],
                seen_at=now - timedelta(milliseconds=6 * i),
            )
            for i in range(rows)
        ),
        batch_size=2_000,
    )


def _time_record_into(guests: int) -> float:
    """Seconds per visit recorded into a database-backend buffer already holding `guests`, as
    after a long database outage with steady traffic: the oldest waiting visits are leaving the
    online window at the pace new ones arrive."""
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.utils import timezone

    from parley.activity.presence.backends import Visit
    from parley.activity.presence.backends.db import DatabaseBackend
    from parley.activity.presence.visitors import GUEST, Visitor
    from parley.activity.presence.window import window

    backend, now, ms = DatabaseBackend(), timezone.now(), timedelta(milliseconds=1)
    for i in range(guests):
        at = now - window() + (i - 1) * ms
        backend.record(Visit(Visitor(key=f"g:held{i}", kind=GUEST), "index", None, at))
    visits = [
        Visit(Visitor(key=f"g:new{i}", kind=GUEST), "index", None, now + i * ms)
        for i in range(2_000)
    ]
    start = time.perf_counter()
    for v in visits:
        backend.record(v)
    return (time.perf_counter() - start) / len(visits)


def _time(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm caches and templates
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def in_process_main(args: argparse.Namespace) -> None:
    """Timings taken in this process with Django's test client: page renders (as a ratio to a
    404 page in the site layout), presence ticks, a guest flood, the renderer."""
    scale = IN_PROCESS_QUICK if args.quick else IN_PROCESS_FULL
    rounds = scale.rounds
    _setup()
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from parley.core.markup import render_post

    print(f"Building a board with a {scale.posts_in_big_thread}-post thread …", flush=True)
    pages = _build_board(scale)
    client = Client()
    baseline = _time(lambda: client.get("/no-such-page/"), rounds)
    print(f"\nbaseline (404 page in the site layout): {baseline * 1000:.2f} ms\n")
    print(f"{'page (guest)':<22}{'ms':>8}{'ratio':>8}{'queries':>9}")
    for name, url in pages.items():
        # Rendered every time, then as the guest page cache serves it.
        for label, cached in ((name, False), (f"{name}, cached", True)):
            with override_settings(PARLEY_GUEST_PAGE_CACHE=cached):
                assert client.get(url).status_code == 200, url
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                query_count = len(queries.captured_queries)
                took = _time(partial(client.get, url), rounds)
            print(f"{label:<22}{took * 1000:>8.2f}{took / baseline:>8.2f}{query_count:>9}")
    took = _time(_presence_tick, rounds=max(rounds, 50 * rounds // IN_PROCESS_FULL.rounds))
    print(f"{'presence tick, 100':<22}{took * 1000:>8.2f}{took / baseline:>8.2f}{'-':>9}")
    # Imported here, after _setup(): parley's modules need the app registry.
    from parley.activity.presence.backends import db as presence_db

    # A visit costs the same whether the buffer is empty or full (then it drops the oldest).
    for label, held in (
        ("visit, empty buffer", 10),
        ("visit, full buffer", presence_db.MAX_PENDING),
    ):
        took = _time_record_into(held)
        print(f"{label:<22}{took * 1000:>8.4f}{took / baseline:>8.4f}{'-':>9}")
    # Pages read presence (the index's online block, a thread's viewers): a flood of invented
    # guests must leave them as fast as with a few, so each is timed just before and after.
    flood, flooded = scale.guest_flood, {"forum index": "index", "thread page 1": "thread 1"}
    uncached = override_settings(PARLEY_GUEST_PAGE_CACHE=False)  # presence is read either way
    uncached.enable()
    few = {name: _time(partial(client.get, pages[name]), rounds) for name in flooded}
    _store_guest_flood(flood, thread_id=int(pages["thread page 1"].rstrip("/").rsplit(".", 1)[1]))
    for name, short in flooded.items():
        took = _time(partial(client.get, pages[name]), rounds)
        for label, ms in (
            (f"{short}, few guests", few[name]),
            (f"{short}, +{flood // 1000}k guests", took),
        ):
            print(f"{label:<22}{ms * 1000:>8.2f}{ms / baseline:>8.2f}{'-':>9}")
    sample = 'Some **markup** with a [quote="x"]quote[/quote] and https://example.org\n' * 25
    took = _time(lambda: render_post(sample), rounds=200 * rounds // IN_PROCESS_FULL.rounds)
    print(f"{'render 2 KB post':<22}{took * 1000:>8.2f}{took / baseline:>8.2f}{'-':>9}")
    if args.profile:  # the guest's thread page as rendered, not as cached
        url = pages["thread page 1"]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            client.get(url)
        profiler.disable()
        print("\nThread page, 20 requests, top functions by own time:")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(25)
