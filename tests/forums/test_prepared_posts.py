"""A thread page's two hot queries run prepared (`core/prepared.py`): `perms.get_thread` and the
page's posts (`queries.thread_posts`, `queries.posts_after`). What they return is what the ORM
queries they replace returned, instance by instance and field by field, for every reader; each
is one query, and its posts' authors come without another."""

from __future__ import annotations

from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parley.forums import queries
from parley.forums.models import Post, Thread
from parley.permissions.guardian import Perms
from tests.core.test_prepared import snapshot
from tests.permissions.test_posts_in_thread import PostStatesBoard

THREAD_RELATED = ("forum", "forum__category", "forum__parent", "prefix")


def orm_posts(perms: Perms, thread: Thread, **where: object) -> list[Post]:
    """The queries thread_posts and posts_after ran before: visible_posts over the thread."""
    qs = perms.visible_posts(Post.objects.filter(thread=thread, **where).select_related("author"))
    posts = list(qs.order_by("position", "id"))
    for post in posts:
        post.thread = thread
    return posts


class PreparedThreadPageTests(PostStatesBoard):
    def test_get_thread_is_the_orms_thread(self) -> None:
        for persona in self.people:
            perms = self.perms(persona)
            for name, fixture in self.threads.items():
                want = Thread.objects.select_related(*THREAD_RELATED).get(pk=fixture.pk)
                with self.subTest(persona=persona, thread=name), self.assertNumQueries(1):
                    if perms.can_view_thread(want):
                        self.assertEqual(snapshot(perms.get_thread(fixture.pk)), snapshot(want))
                    else:
                        with self.assertRaises(Http404):
                            perms.get_thread(fixture.pk)
        admin = self.perms("admin")
        with self.assertNumQueries(1), self.assertRaises(Http404):
            admin.get_thread(10**12)
        for beyond in (0, -1, 2**63, 2**70):  # no thread has such an id: a 404, not an error
            with self.assertNumQueries(0), self.assertRaises(Http404):
                admin.get_thread(beyond)
        # As a URL's <int:> hands it over.
        response = self.client.get(reverse("thread-viewers", args=[2**70]))
        self.assertEqual(response.status_code, 404)

    def test_thread_posts_are_the_orms_posts(self) -> None:
        for persona in self.people:
            perms = self.perms(persona)
            for name in self.threads:
                thread = self.loaded(name)
                for page in (1, 2, 3) if name == "long" else (1,):
                    first, last = (page - 1) * 20 + 1, page * 20
                    want = orm_posts(perms, thread, position__range=(first, last))
                    with self.subTest(persona=persona, thread=name, page=page):
                        visible = perms.can_view_thread(thread)
                        with self.assertNumQueries(1 if visible else 0):
                            got = queries.thread_posts(perms, thread, page).posts
                        self.assertEqual(bool(got), visible)
                        self.assertEqual([snapshot(p) for p in got], [snapshot(p) for p in want])
                        with self.assertNumQueries(0):  # authors and the thread came along
                            [(p.author, p.thread.forum) for p in got]

    def test_posts_after_are_the_orms_posts(self) -> None:
        for persona in self.people:
            perms = self.perms(persona)
            for name in ("long", "held", "deleted"):
                thread = self.loaded(name)
                for position, limit in [(0, 50), (0, 5), (19, 3), (43, 50), (45, 50)]:
                    want = orm_posts(perms, thread, position__gt=position)[:limit]
                    with self.subTest(persona=persona, thread=name, after=position, limit=limit):
                        with self.assertNumQueries(1 if perms.can_view_thread(thread) else 0):
                            got = queries.posts_after(perms, thread, position, limit)
                        self.assertEqual([snapshot(p) for p in got], [snapshot(p) for p in want])

    def test_the_posts_query_asks_only_about_posts(self) -> None:
        """The thread and its forum were asked about once, by get_thread: no join to them."""
        long = self.loaded("long")
        for persona in ("guest", "alice", "fay"):
            perms = self.perms(persona)
            with CaptureQueriesContext(connection) as ran:
                queries.thread_posts(perms, long, 2)
                queries.posts_after(perms, long, 30, 10)
            self.assertEqual(len(ran), 2)
            for query in ran:
                self.assertNotIn(Thread._meta.db_table, query["sql"], persona)
