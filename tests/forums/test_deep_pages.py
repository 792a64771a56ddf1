"""Thread listings however deep the page: what's new and a forum's list pick a page's ids by
walking an index that holds their order and the columns visibility reads (no sort of the threads
table, on either engine), and page N still holds what a plain ordering of everything the reader
may see puts there: stickies first, ties broken by id, "Moved" stubs only for readers who may
follow them, deleted threads for moderators, held ones also for their author."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.accounts.models import Member
from parley.activity import queries as activity
from parley.core.pagination import PastTheEnd
from parley.forums import queries
from parley.forums.models import Forum, Thread
from parley.forums.services.structure import create_forum
from parley.permissions import registry
from parley.permissions.guardian import Perms, perms_for
from parley.permissions.services import make_forum_private
from tests.fresh import start_fresh
from tests.world import build_world

PER_PAGE = 5
DESK_THREADS = 1500  # 300 pages of the desk: enough rows that PostgreSQL's planner has a choice
TIES = 3  # threads sharing each moment: only the id orders them


def titles(html: str) -> list[str]:
    return re.findall(r'<a class="thread-link" href="[^"]+">([^<]+)</a>', html)


@override_settings(THREADS_PER_PAGE=PER_PAGE)
class DeepPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = w = build_world()
        cls.desk = create_forum(category=w.category, title="Archive desk")
        cls.vault = create_forum(category=w.category, title="The vault")
        make_forum_private(
            forum=cls.vault,
            allowed_groups=Group.objects.filter(name__in=[registry.ADMINISTRATORS]),
        )
        start_fresh()
        start = timezone.now() - timedelta(days=20)

        def thread(i: int, forum: Forum, author: Member, **flags: Any) -> Thread:
            moment = start + timedelta(minutes=i // TIES)
            return Thread(
                forum=forum,
                title=f"{forum.title} {i}",
                slug=f"story-{i}",
                author=author,
                author_name=author.username,
                created_at=moment - timedelta(hours=i % 7),
                last_post_at=moment,
                **flags,
            )

        # Rows, not posts: what is under test is which rows a page holds and how they are found.
        rows = []
        for i in range(DESK_THREADS):
            author = w.member if i % 2 else w.other
            flags: dict[str, Any] = {}
            if i % 97 == 0:
                flags["is_deleted"] = True
            elif i % 89 == 0:
                flags["awaiting_approval"] = True
            if i in (5, 700, 1400):
                flags["is_sticky"] = True
            rows.append(thread(i, cls.desk, author, **flags))
        rows.append(thread(11, cls.desk, w.member, is_sticky=True, is_deleted=True))
        targets = Thread.objects.bulk_create(
            [
                thread(DESK_THREADS + 1, w.lounge, w.other),
                thread(DESK_THREADS + 2, cls.vault, w.other),
            ]
        )
        for i, target in zip((300, 301, 900, 901), targets * 2, strict=True):
            rows.append(thread(i, cls.desk, w.other, redirect_to=target))
        Thread.objects.bulk_create(rows)
        # Statistics, as a board has them: PostgreSQL's autovacuum gathers them; on SQLite the
        # forum migration 0005 runs ANALYZE (without statistics SQLite probes each readable
        # forum id and sorts, see there).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE forums_thread")

    def setUp(self) -> None:
        self.desk = Forum.objects.get(pk=self.desk.pk)
        self.readers: dict[str, Perms] = {
            "guest": perms_for(None),
            "member": perms_for(self.w.member),
            "admin": perms_for(self.w.admin),
        }

    # --- Page N holds what a plain ordering puts there ----------------------------------------

    def forum_reference(self, perms: Perms) -> list[int]:
        qs = perms.visible_threads(perms.visible_redirects(Thread.objects.filter(forum=self.desk)))
        return list(qs.order_by("-is_sticky", "-last_post_at", "-id").values_list("pk", flat=True))

    def test_forum_pages_match_the_reference_ordering(self) -> None:
        for name, perms in self.readers.items():
            reference = self.forum_reference(perms)
            last = -(-len(reference) // PER_PAGE)
            for page in (1, 2, 3, 61, 150, last - 1, last):
                listing = queries.forum_threads(perms, self.desk, page)
                shown = [t.pk for t in listing.threads]
                expected = reference[(page - 1) * PER_PAGE : page * PER_PAGE]
                self.assertEqual(shown, expected, f"{name}, page {page}")
                self.assertEqual(listing.nav.has_next, page < last, f"{name}, page {page}")
            with self.assertRaises(PastTheEnd):
                queries.forum_threads(perms, self.desk, last + 1)

    def test_stickies_lead_and_each_reader_sees_their_own_rows(self) -> None:
        shown = {
            name: {
                t.title: t
                for p in (1, 2)
                for t in queries.forum_threads(perms, self.desk, p).threads
            }
            for name, perms in self.readers.items()
        }
        first = queries.forum_threads(self.readers["guest"], self.desk, 1).threads
        self.assertEqual(
            [t.title for t in first[:3]],
            ["Archive desk 1400", "Archive desk 700", "Archive desk 5"],
        )
        self.assertTrue(all(t.is_sticky for t in first[:3]))
        self.assertIn("Archive desk 11", shown["admin"])  # a deleted sticky, for moderators
        self.assertNotIn("Archive desk 11", shown["member"])
        admin = self.forum_reference(self.readers["admin"])
        guest = self.forum_reference(self.readers["guest"])
        member = self.forum_reference(self.readers["member"])
        # Stubs share their titles with desk threads 300, 301, 900 and 901: in id order they
        # come last, so each of those titles names its stub.
        desk = Thread.objects.filter(forum=self.desk).order_by("pk")
        by_title = dict(desk.values_list("title", "pk"))
        # Stubs: to the lounge for everyone, into the vault only for who may read it.
        self.assertIn(by_title["Archive desk 300"], guest)
        self.assertNotIn(by_title["Archive desk 301"], guest)
        self.assertIn(by_title["Archive desk 301"], admin)
        # Held threads: their author and moderators; deleted ones: moderators.
        self.assertIn(by_title["Archive desk 89"], member)  # held, Alice's (odd: hers)
        self.assertNotIn(by_title["Archive desk 178"], member)  # held, Bob's
        self.assertIn(by_title["Archive desk 178"], admin)
        self.assertNotIn(by_title["Archive desk 97"], member)
        self.assertIn(by_title["Archive desk 97"], admin)

    def test_a_deep_forum_page_over_http(self) -> None:
        self.client.force_login(self.w.member)
        reference = self.forum_reference(self.readers["member"])
        expected = Thread.objects.in_bulk(reference[60 * PER_PAGE : 61 * PER_PAGE])
        response = self.client.get(f"{self.desk.get_absolute_url()}page-61")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            titles(response.content.decode()),
            [expected[pk].title for pk in reference[60 * PER_PAGE : 61 * PER_PAGE]],
        )

    def test_whats_new_pages_match_the_reference_ordering(self) -> None:
        per_page = activity.WHATS_NEW_PER_PAGE
        for name, perms in self.readers.items():
            listed = queries.thread_list_queryset(perms)
            for order, feed in (
                (activity.BY_ACTIVITY, activity.new_posts),
                (activity.BY_START, activity.new_threads),
            ):
                reference = list(listed.order_by(*order).values_list("pk", flat=True))
                for page in (1, 2, 13, activity.WHATS_NEW_MAX_PAGES):
                    shown = [t.pk for t in feed(perms, page=page).threads]
                    expected = reference[(page - 1) * per_page : page * per_page]
                    self.assertEqual(shown, expected, f"{name}, {order}, page {page}")

    def test_unread_and_participated_pages_match_the_reference(self) -> None:
        member = self.w.member
        perms = self.readers["member"]
        recent = queries.thread_list_queryset(perms).filter(
            last_post_at__gt=activity.unread_cutoff()
        )
        reference = list(
            activity.unread_only(member, recent)
            .order_by(*activity.BY_ACTIVITY)
            .values_list("pk", flat=True)
        )
        per_page = activity.WHATS_NEW_PER_PAGE
        for page in (1, 2, 7):
            shown = [t.pk for t in activity.new_posts(perms, page=page, unread=True).threads]
            self.assertEqual(shown, reference[(page - 1) * per_page : page * per_page], page)

    def test_listing_keys_must_descend_to_the_id(self) -> None:
        for order in ((), ("-last_post_at",), ("last_post_at", "-id"), ("-id", "-last_post_at")):
            with self.assertRaises(ValueError):
                queries.listed_page(Thread.objects.all(), order, 0, 1)

    # --- The plans walk the listing indexes ---------------------------------------------------

    def listing_sql(self, read: Any, *args: Any, **kwargs: Any) -> str:
        with CaptureQueriesContext(connection) as captured:
            read(*args, **kwargs)
        self.assertEqual(len(captured), 1)  # one query for a page, however deep
        return str(captured[0]["sql"])

    def assert_walks(self, sql: str, index: str) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                details = [str(row[-1]) for row in cursor.fetchall()]
                plan = "\n".join(details)
                self.assertNotIn("TEMP B-TREE", plan)
                self.assertIn(f"USING COVERING INDEX {index}", plan)
                self.assertFalse([d for d in details if re.fullmatch(r"SCAN \w+", d)], plan)
                return
            # This test board is small: near its end PostgreSQL rightly prefers reading the
            # forum's rows and sorting them. With plain scans and sorts priced out, what is
            # checked is that the index can give the page in order (a Sort node remains when no
            # index can), which is what makes a deep page cheap on a big board.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            found = cursor.fetchone()[0]
            cursor.execute("SET LOCAL enable_seqscan = on")
            cursor.execute("SET LOCAL enable_sort = on")
        root = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
        nodes: list[dict[str, Any]] = []
        pending = [root]
        while pending:
            node = pending.pop()
            nodes.append(node)
            pending.extend(node.get("Plans", []))
        plan = json.dumps(root, indent=1)
        self.assertFalse([n for n in nodes if "Sort" in n["Node Type"]], plan)
        # The page's ids: a Limit whose driving (outer) side is the walk of the index, anti-joins
        # for unread state at most in between. (How the page's few rows are then fetched by id
        # is the planner's business: on a table this small, a sequential scan.)
        walks = []
        for limit in (n for n in nodes if n["Node Type"] == "Limit"):
            node = limit
            while outer := [
                c for c in node.get("Plans", []) if c["Parent Relationship"] != "SubPlan"
            ]:
                node = outer[0]
            walks.append((node["Node Type"], node.get("Index Name")))
        self.assertIn(walks, ([("Index Only Scan", index)], [("Index Scan", index)]), plan)

    def test_forum_list_walks_thread_listing(self) -> None:
        for name, perms in self.readers.items():
            for page in (2, 150):
                with self.subTest(reader=name, page=page):
                    sql = self.listing_sql(queries.forum_threads, perms, self.desk, page)
                    self.assert_walks(sql, "thread_listing")

    def test_whats_new_walks_its_indexes(self) -> None:
        for name, perms in self.readers.items():
            with self.subTest(reader=name):
                for page in (1, activity.WHATS_NEW_MAX_PAGES):
                    posts = self.listing_sql(activity.new_posts, perms, page=page)
                    self.assert_walks(posts, "thread_listed_latest")
                    threads = self.listing_sql(activity.new_threads, perms, page=page)
                    self.assert_walks(threads, "thread_listed_newest")
        # "Unread" walks the index too. ("Participated" is left to the planner: starting from
        # the member's own posts and sorting their threads is the better plan for most members.)
        sql = self.listing_sql(activity.new_posts, self.readers["member"], unread=True)
        self.assert_walks(sql, "thread_listed_latest")
