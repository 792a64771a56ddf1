"""`parley seed`: every value the posting service would have kept, recounted here from the rows;
the pages of a seeded board; and the refusal to seed a board that has threads."""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from contextlib import redirect_stderr
from datetime import datetime

import pytest
from django.db import connection
from django.test import TestCase

from parley import cli
from parley.accounts.models import Member
from parley.core.markup import plain_text
from parley.core.pagination import page_count
from parley.forums.models import Forum, Post, Thread
from parley.search.models import SearchEntry
from parley.search.queries import RESULTS_CAP, Matches
from parley.search.terms import parse_query
from parley.seed import SeedResult, check_sizes, seed_board
from tests.core.parsed import parse

MEMBERS, THREADS, POSTS, LONG = 20, 30, 2_000, 500
PER_PAGE = 20  # the default PARLEY_POSTS_PER_PAGE
WORD = re.compile(r"[a-z0-9]+")


def test_impossible_sizes_are_refused_before_anything_is_written():
    with pytest.raises(ValueError, match="at least --threads"):
        check_sizes(members=5, threads=10, posts=9, long_thread=None)
    with pytest.raises(ValueError, match="too few posts"):
        check_sizes(members=5, threads=10, posts=100, long_thread=95)
    with pytest.raises(ValueError, match="every post"):
        check_sizes(members=5, threads=1, posts=100, long_thread=50)
    check_sizes(members=5, threads=10, posts=100, long_thread=91)


class SeededBoardTests(TestCase):
    result: SeedResult
    posts: list[tuple[int, int, int | None, int, datetime]]  # id, thread, author, position, at

    @classmethod
    def setUpTestData(cls) -> None:
        cls.result = seed_board(members=MEMBERS, threads=THREADS, posts=POSTS, long_thread=LONG)
        cls.posts = list(
            Post.objects.order_by("created_at", "id").values_list(
                "id", "thread_id", "author_id", "position", "created_at"
            )
        )

    def _by_thread(self) -> dict[int, list[tuple[int, int, int | None, int, datetime]]]:
        threads = defaultdict(list)
        for post in self.posts:  # in (created_at, id) order: the thread order resync uses
            threads[post[1]].append(post)
        return threads

    def test_the_sqlite_search_index_is_left_as_one_merged_segment(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("FTS5 segments: the SQLite pass checks them")
        # A second seed beside the first (`force`) writes a segment of its own, at least.
        seed_board(members=2, threads=2, posts=4, force=True)
        with connection.cursor() as cursor:
            # FTS5's shadow table holds rows per segment: one segment once merged.
            cursor.execute("SELECT count(DISTINCT segid) FROM search_entry_idx")
            self.assertEqual(cursor.fetchone()[0], 1)

    def test_sizes_and_ids_growing_with_time(self) -> None:
        assert Member.objects.count() == MEMBERS
        assert Thread.objects.count() == THREADS
        assert len(self.posts) == POSTS
        assert self.result.long_thread is not None
        assert Post.objects.filter(thread=self.result.long_thread).count() == LONG
        ids = [post[0] for post in self.posts]
        assert ids == sorted(ids)
        assert Forum.objects.filter(parent__isnull=False).exists()
        assert not Post.objects.filter(is_deleted=True).exists()
        assert not Post.objects.filter(awaiting_approval=True).exists()

    def test_positions_and_thread_counters_match_a_recount(self) -> None:
        threads = {t.pk: t for t in Thread.objects.all()}
        by_thread = self._by_thread()
        assert set(by_thread) == set(threads)
        for thread_id, posts in by_thread.items():
            thread = threads[thread_id]
            assert [p[3] for p in posts] == list(range(1, len(posts) + 1))
            first, last = posts[0], posts[-1]
            assert thread.first_post_id == first[0]
            assert (thread.author_id, thread.created_at) == (first[2], first[4])
            assert thread.last_post_id == last[0]
            assert thread.last_post_at == last[4]
            assert thread.last_position == len(posts)
            assert thread.reply_count == len(posts) - 1
        authors = dict(Member.objects.values_list("pk", "username"))
        for thread in threads.values():
            assert thread.author_name == authors[thread.author_id]

    def test_forum_totals_and_last_posts_match_a_recount(self) -> None:
        forum_of = dict(Thread.objects.values_list("pk", "forum_id"))
        threads = Counter(forum_of.values())
        posts: Counter[int] = Counter()
        newest: dict[int, int] = {}
        for post_id, thread_id, *_ in self.posts:  # oldest first: the last seen is the newest
            posts[forum_of[thread_id]] += 1
            newest[forum_of[thread_id]] = post_id
        for forum in Forum.objects.all():
            assert forum.thread_count == threads[forum.pk]
            assert forum.post_count == posts[forum.pk]
            assert forum.last_post_id == newest.get(forum.pk)

    def test_member_message_counts_match_a_recount(self) -> None:
        written = Counter(post[2] for post in self.posts)
        for member in Member.objects.all():
            assert member.message_count == written[member.pk]
            assert member.groups.filter(name="Registered").exists()
        assert sum(written.values()) == POSTS

    def test_search_finds_a_seeded_word_in_exactly_the_posts_that_hold_it(self) -> None:
        titles = dict(Thread.objects.values_list("first_post_id", "title"))
        holders: defaultdict[str, set[int]] = defaultdict(set)
        for pk, html in Post.objects.values_list("pk", "body_html"):
            for word in set(WORD.findall(f"{titles.get(pk, '')} {plain_text(html)}".lower())):
                holders[word].add(pk)
        # A word of the invented vocabulary that a few posts hold: the page shows every match.
        word, posts = next(
            (w, p) for w, p in sorted(holders.items()) if len(w) > 6 and 2 < len(p) < PER_PAGE
        )
        assert SearchEntry.objects.count() == POSTS
        found = Post.objects.filter(Matches(parse_query(word).terms))
        assert set(found.values_list("pk", flat=True)) == posts
        page = parse(self.client.get("/search/", {"q": word}).content)
        results = page.find_all("article", cls="search-result")
        assert len(results) == len(posts) <= RESULTS_CAP
        header = page.find("section", cls="search-results").find("h2").folded_text
        assert header == f"{len(posts)} results"

    def test_long_thread_first_and_last_pages_render(self) -> None:
        thread = self.result.long_thread
        assert thread is not None
        last_page = page_count(LONG, PER_PAGE)
        for number, first_position in ((1, 1), (last_page, (last_page - 1) * PER_PAGE + 1)):
            response = self.client.get(thread.page_url(number))
            assert response.status_code == 200
            shown = [
                int(a.text.lstrip("#"))
                for a in parse(response.content).find_all("a", cls="post-number")
            ]
            assert shown == list(range(first_position, min(first_position + PER_PAGE, LONG + 1)))

    def test_busiest_forum_page_lists_its_threads(self) -> None:
        forum = Forum.objects.order_by("-thread_count", "pk").first()
        assert forum is not None and forum.thread_count
        response = self.client.get(forum.get_absolute_url())
        assert response.status_code == 200
        titles = {a.folded_text for a in parse(response.content).find_all("a", cls="thread-link")}
        newest = Thread.objects.filter(forum=forum).order_by("-last_post_at").first()
        assert newest is not None and newest.title in titles

    def test_the_command_refuses_a_board_with_threads(self) -> None:
        counts = (Member.objects.count(), Thread.objects.count(), Post.objects.count())
        err = io.StringIO()
        with redirect_stderr(err):
            code = cli.main(["seed", "--members", "2", "--threads", "1", "--posts", "3"])
        assert code == 1
        assert "already has threads" in err.getvalue() and "--force" in err.getvalue()
        assert (Member.objects.count(), Thread.objects.count(), Post.objects.count()) == counts
