"""`/sitemap.xml`: an index of the forums and threads sections, each paginated as the sitemaps
framework does, listing what a guest may read (whoever fetches it) with the time of the last
post; and `/robots.txt` says where it is."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from parley.feeds.sitemaps import ForumSitemap, ThreadSitemap
from parley.forums import services
from parley.forums.models import Forum, Thread
from tests.feeds.support import HIDDEN, BoardTestCase

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ORIGIN = "http://testserver"


def entries(content: bytes, kind: str) -> list[tuple[str, str | None]]:
    """(loc, lastmod) of each `<url>` (kind "url") or `<sitemap>` (kind "sitemap")."""
    root = ET.fromstring(content)  # noqa: S314 (our own output)
    return [
        (e.findtext(f"{NS}loc") or "", e.findtext(f"{NS}lastmod")) for e in root.iter(NS + kind)
    ]


class SitemapTests(BoardTestCase):
    def test_the_index_lists_each_section(self) -> None:
        response = self.client.get("/sitemap.xml")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/xml")
        locs = [loc for loc, _ in entries(response.content, "sitemap")]
        self.assertEqual(locs, [f"{ORIGIN}/sitemap-forums.xml", f"{ORIGIN}/sitemap-threads.xml"])
        for loc in locs:
            self.assertEqual(self.client.get(loc.removeprefix(ORIGIN)).status_code, 200)

    def test_public_forums_and_threads_with_their_last_post(self) -> None:
        forums = entries(self.client.get("/sitemap-forums.xml").content, "url")
        self.assertEqual(
            [loc for loc, _ in forums],
            [ORIGIN + f.get_absolute_url() for f in (self.w.news, self.w.lounge)],
        )
        news = Forum.objects.select_related("last_post").get(pk=self.w.news.pk)
        self.assertEqual(forums[0][1], news.last_post.created_at.date().isoformat())
        threads = entries(self.client.get("/sitemap-threads.xml").content, "url")
        expected = [self.w.long_thread, self.b.moved, self.w.locked_thread]
        self.assertEqual(
            sorted(threads),
            sorted(
                (ORIGIN + t.get_absolute_url(), t.last_post_at.date().isoformat()) for t in expected
            ),
        )

    def test_nothing_hidden_even_for_an_administrator(self) -> None:
        for client in (self.client, self.admin()):
            for url in ("/sitemap.xml", "/sitemap-forums.xml", "/sitemap-threads.xml"):
                text = client.get(url).content.decode().lower()
                for word in HIDDEN:
                    self.assertNotIn(word, text, url)
            locs = [loc for loc, _ in entries(client.get("/sitemap-threads.xml").content, "url")]
            for hidden in (
                self.b.private_thread,
                self.b.held_thread,
                self.b.deleted_thread,
                self.b.stub,
            ):
                self.assertNotIn(ORIGIN + hidden.get_absolute_url(), locs)
            forum_locs = [
                loc for loc, _ in entries(client.get("/sitemap-forums.xml").content, "url")
            ]
            self.assertNotIn(ORIGIN + self.b.private.get_absolute_url(), forum_locs)

    def test_pages_as_the_framework_makes_them(self) -> None:
        for i in range(4):
            services.create_thread(
                actor=self.w.member, forum=self.w.lounge, title=f"Filler {i}", body="More."
            )
        public = list(
            Thread.objects.filter(
                forum__in=[self.w.news, self.w.lounge],
                redirect_to__isnull=True,
                is_deleted=False,
                awaiting_approval=False,
            ).order_by("pk")
        )
        self.assertEqual(len(public), 7)
        with mock.patch.object(ThreadSitemap, "limit", 3):
            index = [loc for loc, _ in entries(self.client.get("/sitemap.xml").content, "sitemap")]
            self.assertEqual(
                index,
                [
                    f"{ORIGIN}/sitemap-forums.xml",
                    f"{ORIGIN}/sitemap-threads.xml",
                    f"{ORIGIN}/sitemap-threads.xml?p=2",
                    f"{ORIGIN}/sitemap-threads.xml?p=3",
                ],
            )
            pages = [
                [
                    loc
                    for loc, _ in entries(
                        self.client.get(f"/sitemap-threads.xml?p={p}").content, "url"
                    )
                ]
                for p in (1, 2, 3)
            ]
            self.assertEqual(
                pages,
                [[ORIGIN + t.get_absolute_url() for t in public[i : i + 3]] for i in (0, 3, 6)],
            )
            for past in ("4", "0", "x"):
                self.assertEqual(self.client.get(f"/sitemap-threads.xml?p={past}").status_code, 404)
        self.assertEqual(self.client.get("/sitemap-nothing.xml").status_code, 404)

    def test_queries_do_not_grow_with_threads(self) -> None:
        def counts() -> list[int]:
            found = []
            for url in ("/sitemap.xml", "/sitemap-forums.xml", "/sitemap-threads.xml"):
                with CaptureQueriesContext(connection) as queries:
                    self.assertEqual(self.client.get(url).status_code, 200)
                found.append(len(queries))
            return found

        counts()  # the guest's permission table
        before = counts()
        for i in range(6):
            services.create_thread(
                actor=self.w.member, forum=self.w.lounge, title=f"Filler {i}", body="More."
            )
        with (
            mock.patch.object(ForumSitemap, "limit", 1),
            mock.patch.object(ThreadSitemap, "limit", 2),
        ):
            self.assertEqual(counts(), before)
        # The stamps once per section, then per section its newest post and page count (the
        # index), or its count and one page.
        self.assertEqual(before, [6, 3, 3])

    def test_only_reading(self) -> None:
        self.assertEqual(self.client.post("/sitemap.xml").status_code, 405)
        self.assertEqual(self.client.post("/sitemap-threads.xml").status_code, 405)


class RobotsTests(TestCase):
    def test_robots_txt_names_the_sitemap(self) -> None:
        lines = self.client.get("/robots.txt").content.decode().splitlines()
        self.assertIn(f"Sitemap: {ORIGIN}/sitemap.xml", lines)
        response = self.client.get("/robots.txt", secure=True)
        self.assertIn(
            "Sitemap: https://testserver/sitemap.xml", response.content.decode().splitlines()
        )
        self.assertEqual(self.client.get("/sitemap.xml").status_code, 200)
