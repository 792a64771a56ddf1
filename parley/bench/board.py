"""The board `parley bench` measures: its sizes, the environments of this process and of the
server, Django set up in this process, the board seeded (or found) with the bench's members
and posting thread beside it, and what this process counts in its database."""

from __future__ import annotations

import logging
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from parley import bench_baseline
from parley.bench.shared import BENCH_PASSWORD, HOST, POSTING_GATE, BenchError
from parley.core import datadir, knobs

# --- The board ------------------------------------------------------------------------------------


POSTING_THREAD_TITLE = "Bench replies"


@dataclass(frozen=True)
class Size:
    name: str
    members: int
    threads: int
    posts: int
    long_thread: int
    seconds: float  # measured per page
    warmup: float  # per page, before measuring
    concurrency: int
    posting_members: int
    posting_seconds: float


SIZES = {
    "default": Size("default", 5_000, 40_000, 200_000, 20_000, 5.0, 1.0, 8, 16, 5.0),
    "large": Size("large", 20_000, 200_000, 2_000_000, 100_000, 5.0, 1.0, 8, 16, 5.0),
    "quick": Size("quick", 200, 400, 3_000, 400, 0.3, 0.1, 4, 6, 1.0),
}
FORUM_DEEP_PAGE = 500
NEW_SEARCHES = 3_000  # more than a measurement sends: each search is new


@dataclass(frozen=True)
class Board:
    pages: dict[str, str]  # measured page name: URL
    members: list[str]  # bench members' usernames (password BENCH_PASSWORD)
    posting_thread_id: int
    posting_url: str
    # "search_new" asks each of these in turn: a search nobody made in the last minute.
    new_searches: tuple[str, ...] = ()


def environments(data_dir: Path, token: str) -> tuple[dict[str, str], dict[str, str]]:
    """(this process's variables, the server's): the same board, cache, posting gate and
    baseline token; only the server runs the background flusher."""
    shared = {
        **os.environ,
        "PARLEY_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "parley.settings",
        "PARLEY_ALLOWED_HOSTS": HOST,
        "PARLEY_SECURE_COOKIES": "0",  # plain HTTP on loopback
        **POSTING_GATE,
    }
    shared.pop(bench_baseline.ENV, None)
    # Query counts are taken request by request here: no background writes in between.
    here = shared | {"PARLEY_BACKGROUND_FLUSH": "0", bench_baseline.ENV: token}
    server = shared | {bench_baseline.ENV: token, "PYTHONUNBUFFERED": "1"}
    return here, server


def django_here(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    datadir.prepare()  # the secret key, as the `parley` command makes it
    # Django loads only after the environment above is set.
    import django

    django.setup()
    # Imported here, after django.setup(): the settings are configured only now.
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages name hashed files
    # As in Django's test runner: one connection for the run, so query capture sees every query.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    logging.getLogger("django.request").setLevel(logging.ERROR)


def prepare_board(size: Size) -> Board:
    """Seed the board unless the database has one, then add what the bench needs beside it:
    members with a known password and a thread for them to reply to."""
    # Imported here, after django_here(): parley's modules need the app registry.
    from parley.accounts.models import Member
    from parley.accounts.services import register_member
    from parley.forums import services
    from parley.forums.models import Forum, Thread
    from parley.seed import ProgressLine, seed_board

    if Thread.objects.exists():
        print("The database already holds a board: benchmarking it as it is.", flush=True)
    else:
        print(
            f"Seeding {size.posts:,} posts in {size.threads:,} threads, one of "
            f"{size.long_thread:,} posts …",
            flush=True,
        )
        seed_board(
            members=size.members,
            threads=size.threads,
            posts=size.posts,
            long_thread=size.long_thread,
            progress=ProgressLine(),
        )
    names = [f"Bencher {i}" for i in range(size.posting_members)]
    existing = set(Member.objects.filter(username__in=names).values_list("username", flat=True))
    joined = None
    for i, name in enumerate(names):
        if name not in existing:
            joined = joined or (Member.objects.order_by("date_joined").first())
            register_member(
                username=name,
                email=f"bencher{i}@bench.example.org",
                password=BENCH_PASSWORD,
                joined_at=joined.date_joined if joined else None,
            )
    forum = Forum.objects.order_by("-thread_count", "id").first()
    if forum is None:
        raise BenchError("The board has no forum.")
    posting = Thread.objects.filter(title=POSTING_THREAD_TITLE, author__username=names[0]).first()
    if posting is None:
        author = Member.objects.get(username=names[0])
        posting = services.create_thread(
            actor=author, forum=forum, title=POSTING_THREAD_TITLE, body="Reply below, fast."
        )
    long = Thread.objects.exclude(pk=posting.pk).order_by("-last_position", "id").first()
    top_poster = Member.objects.exclude(username__in=names).order_by("-message_count").first()
    if long is None or top_poster is None:
        raise BenchError("The board has no thread or no member.")
    thread_pages = max(1, -(-long.last_position // knobs.POSTS_PER_PAGE.get()))
    forum_pages = max(1, -(-forum.thread_count // knobs.THREADS_PER_PAGE.get()))
    deep = min(FORUM_DEEP_PAGE, forum_pages)
    # A word of the long thread's title: found, and in a title (both weights matched).
    word = next(iter(re.findall(r"[a-z]{5,}", long.title.lower())), "reply")
    forum_url = forum.get_absolute_url()
    pages = {
        "index": "/",
        "forum_page_1": forum_url,
        f"forum_page_{FORUM_DEEP_PAGE}": forum_url if deep == 1 else f"{forum_url}page-{deep}",
        "thread_page_1": long.get_absolute_url(),
        "thread_page_1_cached": long.get_absolute_url(),
        "thread_page_1_member": long.get_absolute_url(),
        "thread_last_page": long.page_url(thread_pages),
        "whats_new": "/whats-new/",
        "search": "/search/?" + urllib.parse.urlencode({"q": word}),
        "search_new": "",
        "member_profile": top_poster.get_absolute_url(),
    }
    if deep < FORUM_DEEP_PAGE:
        print(f"(The busiest forum has {forum_pages} pages: page {deep} stands for page 500.)")
    new_searches = tuple(
        "/search/?" + urllib.parse.urlencode({"q": title_word})
        for title_word in _title_words(NEW_SEARCHES)
        if title_word != word
    )
    pages["search_new"] = new_searches[0] if new_searches else pages["search"]
    return Board(pages, names, posting.pk, posting.get_absolute_url(), new_searches)


def _title_words(limit: int) -> list[str]:
    """Distinct words of the newest threads' titles, as readers search for them."""
    from parley.forums.models import Thread  # after django_here(), as in prepare_board

    words: dict[str, None] = {}
    for title in Thread.objects.order_by("-id").values_list("title", flat=True)[: limit * 4]:
        for title_word in re.findall(r"[a-z]{5,}", title.lower()):
            words.setdefault(title_word)
        if len(words) >= limit:
            break
    return list(words)[:limit]


def count_queries(board: Board, token: str) -> tuple[dict[str, int], int]:
    """Queries per page in this process, with Django's test client on the same database (the
    second request of each: the first warms per-process caches), the baseline's among them
    (sized as the thread page, whose size is returned too)."""
    # Imported here, after django_here(): parley's modules need the app registry.
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from parley.accounts.models import Member

    guest, member = Client(HTTP_HOST=HOST), Client(HTTP_HOST=HOST)
    member.force_login(Member.objects.get(username=board.members[0]))
    counts, size = {}, 0
    for name, url in board.pages.items():
        client = member if name.endswith("_member") else guest
        with override_settings(PARLEY_GUEST_PAGE_CACHE=name.endswith("_cached")):
            first = client.get(url)
            if first.status_code != 200:
                raise BenchError(f"{name} ({url}) answered {first.status_code} in-process.")
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
        counts[name] = len(queries.captured_queries)
        if name == "thread_page_1":
            size = len(first.content)
    baseline = bench_baseline.baseline_path(token, size)
    guest.get(baseline)
    with CaptureQueriesContext(connection) as queries:
        if guest.get(baseline).status_code != 200:
            raise BenchError("The baseline page is missing in-process.")
    counts["baseline"] = len(queries.captured_queries)
    return counts, size


def count_posts(thread_id: int) -> tuple[int, int]:
    """(rows, the thread's reply count) as the database has them now."""
    # Imported here, after django_here(): parley's modules need the app registry.
    from parley.forums.models import Post, Thread

    return (
        Post.objects.filter(thread_id=thread_id).count(),
        Thread.objects.values_list("reply_count", flat=True).get(pk=thread_id),
    )


def engine_name() -> str:
    # Imported here, after django_here(): the settings are configured only now.
    from django.conf import settings
    from django.db import connection

    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return f"{connection.vendor} + {cache}"
