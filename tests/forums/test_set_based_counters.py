"""Moderation writes that do not grow with a thread: `resync_thread`, the forum's last post and
the renumbering behind hiding, showing and removing posts are a fixed number of set-based
statements. Each check runs on a short and a long thread: the results equal a recount in
Python, and the long thread costs exactly as many queries as the short one."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services import counters
from parley.forums.services.structure import create_category, create_forum
from parley.moderation.actions import services as actions
from parley.moderation.approval import services as approval
from parley.permissions.services import ensure_system_groups
from tests.world import make_member

SHORT_POSTS = 30
LONG_POSTS = 300
EARLY = (3, 7, 8)  # 0-based indexes, in thread order, of the early posts the tests act on


def _long_thread(forum: Forum, author: Member, posts: int, start: datetime) -> Thread:
    """A thread of `posts` posts a minute apart, its counters (and the forum's and author's)
    set as the services would have. Replies are bulk-inserted: posting 300 through the
    services would cost most of the test's time. Posts 10 and 11 share a date, so thread
    order falls back to ids there."""
    thread = services.create_thread(
        actor=author, forum=forum, title=f"{posts} posts", body="Opening", now=start
    )
    when = [start + timedelta(minutes=i) for i in range(posts)]
    when[11] = when[10]
    replies = Post.objects.bulk_create(
        Post(
            thread=thread,
            author=author,
            author_name=author.username,
            position=i + 1,
            created_at=when[i],
            body_source=f"Reply {i}",
            body_html=f"<p>Reply {i}</p>",
            renderer_version=1,
        )
        for i in range(1, posts)
    )
    last = replies[-1]
    Thread.objects.filter(pk=thread.pk).update(
        last_position=posts, reply_count=posts - 1, last_post=last, last_post_at=last.created_at
    )
    Forum.objects.filter(pk=forum.pk).update(post_count=posts, last_post=last)
    Member.objects.filter(pk=author.pk).update(message_count=posts)
    thread.refresh_from_db()
    return thread


def _in_order(thread: Thread) -> list[Post]:
    return list(Post.objects.filter(thread=thread).order_by("created_at", "id"))


def _published(post: Post) -> bool:
    return not (post.is_deleted or post.awaiting_approval)


class SetBasedCounters(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        cls.admin = make_member("Admin", is_staff=True, is_superuser=True)
        category = create_category(title="Board")
        start = timezone.now() - timedelta(days=30)
        # One forum and one writer per thread, so forum and member totals are per size too.
        cls.threads = {}
        for name, size in (("warm-up", SHORT_POSTS), ("short", SHORT_POSTS), ("long", LONG_POSTS)):
            forum = create_forum(category=category, title=f"Forum {name}")
            writer = make_member(f"Writer {name}")
            cls.threads[name] = _long_thread(forum, writer, size, start)

    # --- The recount every result is checked against ----------------------------------------

    def assert_recounted(self, thread: Thread) -> None:
        """Positions, the thread's tail and first post, its forum's totals and last post and its
        writers' message counts equal a recount from the posts."""
        thread.refresh_from_db()
        posts = _in_order(thread)
        expected, position = {}, 0
        for post in posts:
            position += _published(post)
            expected[post.pk] = position
        self.assertEqual({p.pk: p.position for p in posts}, expected)
        published = [p for p in posts if _published(p)]
        self.assertEqual(thread.first_post_id, posts[0].pk)
        self.assertEqual(thread.last_position, len(published))
        self.assertEqual(thread.reply_count, max(len(published) - 1, 0))
        self.assertEqual(thread.last_post_id, published[-1].pk)
        self.assertEqual(thread.last_post_at, published[-1].created_at)
        forum = Forum.objects.get(pk=thread.forum_id)
        visible = Post.objects.filter(thread__forum=forum).visible()
        newest = visible.order_by("-created_at", "-id").first()
        self.assertEqual(forum.last_post_id, newest.pk if newest else None)
        self.assertEqual(forum.post_count, visible.count())
        for member in Member.objects.filter(posts__thread=thread).distinct():
            self.assertEqual(
                member.message_count, Post.objects.filter(author=member).visible().count()
            )

    def same_queries_for_both(self, act: Callable[[Thread], object]) -> None:
        """`act` on the short thread, then on the long one with exactly as many queries, each
        then recounted. Acting on a third thread first fills the permission caches."""
        act(self.threads["warm-up"])
        short, long = self.threads["short"], self.threads["long"]
        with CaptureQueriesContext(connection) as measured:
            act(short)
        self.assert_recounted(short)
        with self.assertNumQueries(len(measured)):
            act(long)
        self.assert_recounted(long)

    def early(self, thread: Thread) -> list[Post]:
        posts = _in_order(thread)
        return [posts[i] for i in EARLY]

    # --- resync_thread ------------------------------------------------------------------------

    def test_resync_with_nothing_to_change(self) -> None:
        self.same_queries_for_both(counters.resync_thread)

    def test_resync_reads_no_post_text(self) -> None:
        """Whole post rows are what made it slow: it reads ids, positions and dates only."""
        thread = self.threads["long"]
        Post.objects.filter(pk=self.early(thread)[0].pk).update(is_deleted=True)
        with CaptureQueriesContext(connection) as queries:
            counters.resync_thread(thread)
        self.assertFalse([q["sql"] for q in queries if "body_source" in q["sql"]])

    def test_resync_renumbers_after_early_posts_stop_counting(self) -> None:
        def hide_behind_its_back(thread: Thread) -> None:
            first, second, third = self.early(thread)
            Post.objects.filter(pk__in=[first.pk, second.pk]).update(is_deleted=True)
            Post.objects.filter(pk=third.pk).update(awaiting_approval=True)
            counters.resync_thread(thread)
            counters.resync_forum(Forum.objects.get(pk=thread.forum_id))
            counters.resync_member(Member.objects.get(pk=thread.author_id))

        self.same_queries_for_both(hide_behind_its_back)

    def test_resync_follows_dates_and_finds_the_new_first_post(self) -> None:
        """A late reply redated before the opening post (as a merge brings in older posts)
        becomes the first post; the post sharing a date with another is ordered by id."""

        def redate(thread: Thread) -> None:
            late = _in_order(thread)[-2]
            Post.objects.filter(pk=late.pk).update(created_at=thread.created_at - timedelta(1))
            counters.resync_thread(thread)

        self.same_queries_for_both(redate)

    def test_resync_numbers_a_leading_deleted_post_zero(self) -> None:
        def lead_with_a_deleted_post(thread: Thread) -> None:
            post = self.early(thread)[0]
            Post.objects.filter(pk=post.pk).update(
                is_deleted=True, created_at=thread.created_at - timedelta(1)
            )
            counters.resync_thread(thread)
            counters.resync_forum(Forum.objects.get(pk=thread.forum_id))
            counters.resync_member(Member.objects.get(pk=thread.author_id))

        self.same_queries_for_both(lead_with_a_deleted_post)
        first = Post.objects.get(pk=self.threads["long"].first_post_id)
        self.assertEqual((first.position, first.is_deleted), (0, True))

    # --- Hiding, showing and removing early posts (whole moderator actions) ------------------

    def test_soft_delete_then_undelete_early_posts(self) -> None:
        self.same_queries_for_both(
            lambda t: actions.delete_posts(actor=self.admin, thread=t, posts=self.early(t))
        )
        self.assertEqual(Post.objects.filter(is_deleted=True).count(), 3 * len(EARLY))
        self.same_queries_for_both(
            lambda t: actions.undelete_posts(actor=self.admin, thread=t, posts=self.early(t))
        )
        self.assertFalse(Post.objects.filter(is_deleted=True).exists())

    def test_undelete_one_of_several_neighbouring_deleted_posts(self) -> None:
        """Posts sharing a position: only the undeleted one and those after it move."""
        for thread in self.threads.values():
            actions.delete_posts(actor=self.admin, thread=thread, posts=self.early(thread))
        self.same_queries_for_both(
            lambda t: actions.undelete_posts(actor=self.admin, thread=t, posts=self.early(t)[2:])
        )

    def test_hide_a_held_post_and_a_published_one_together(self) -> None:
        for thread in self.threads.values():
            Post.objects.filter(pk=self.early(thread)[1].pk).update(awaiting_approval=True)
            counters.resync_thread(thread)
            counters.resync_forum(Forum.objects.get(pk=thread.forum_id))
            counters.resync_member(Member.objects.get(pk=thread.author_id))
        self.same_queries_for_both(
            lambda t: actions.delete_posts(actor=self.admin, thread=t, posts=self.early(t)[:2])
        )

    def test_hard_delete_early_posts(self) -> None:
        self.same_queries_for_both(
            lambda t: actions.delete_posts(
                actor=self.admin, thread=t, posts=self.early(t), hard=True
            )
        )
        for thread in self.threads.values():
            thread.refresh_from_db()
            self.assertEqual(thread.posts.count(), thread.last_position)

    def test_hiding_the_newest_post_moves_the_forum_last_post_back(self) -> None:
        def hide_newest(thread: Thread) -> None:
            newest = _in_order(thread)[-1]
            actions.soft_delete_post(actor=self.admin, post=newest)

        self.same_queries_for_both(hide_newest)

    def test_forum_last_post_refresh(self) -> None:
        def refresh(thread: Thread) -> None:
            Forum.objects.filter(pk=thread.forum_id).update(last_post=None)
            counters.refresh_forum_last_post(thread.forum_id)

        self.same_queries_for_both(refresh)

    # --- Approval and merges: the verbs that resync --------------------------------------------

    def test_approving_an_early_held_reply(self) -> None:
        for thread in self.threads.values():
            Post.objects.filter(pk=self.early(thread)[0].pk).update(awaiting_approval=True)
            counters.resync_thread(thread)
            counters.resync_forum(Forum.objects.get(pk=thread.forum_id))
            counters.resync_member(Member.objects.get(pk=thread.author_id))
        self.same_queries_for_both(
            lambda t: approval.approve_post(actor=self.admin, post=self.early(t)[0])
        )

    def test_merging_a_thread_whose_posts_fall_among_the_early_ones(self) -> None:
        sources = {}
        for name, thread in self.threads.items():
            early = self.early(thread)[0]
            source = services.create_thread(
                actor=self.admin,
                forum=Forum.objects.get(pk=thread.forum_id),
                title=f"Merged into {name}",
                body="Between the early posts",
                now=early.created_at + timedelta(seconds=1),
            )
            services.reply_to_thread(
                actor=self.admin,
                thread=source,
                body="And a reply",
                now=early.created_at + timedelta(minutes=4, seconds=1),
            )
            sources[thread.pk] = source
        self.same_queries_for_both(
            lambda t: actions.merge_threads(actor=self.admin, target=t, sources=[sources[t.pk]])
        )
        for thread in self.threads.values():
            thread.refresh_from_db()
            self.assertEqual(thread.posts.count(), thread.last_position)

    # --- Rough speed, printed (run with -s to see it), never asserted -------------------------

    def test_rough_speed(self) -> None:
        for thread in (self.threads["short"], self.threads["long"]):
            size = thread.last_position
            started = time.perf_counter()
            counters.resync_thread(thread)
            resync = time.perf_counter() - started
            started = time.perf_counter()
            actions.delete_posts(actor=self.admin, thread=thread, posts=self.early(thread))
            hide = time.perf_counter() - started
            print(
                f"\n{size} posts: resync_thread {resync * 1000:.1f} ms, "
                f"soft-deleting {len(EARLY)} early posts {hide * 1000:.1f} ms"
            )
