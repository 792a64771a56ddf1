"""Importing through the services, fetched from a scripted server on 127.0.0.1 (allow-listed for
these tests only): entries become news threads, nothing is posted twice (across runs, across
feeds, by GUID and by normalised link), retold stories join their first report's thread, and a
bad feed records its error, posts nothing, backs off and stops no other feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from parley.core.markup import plain_text
from parley.feeds.importer import services
from parley.feeds.importer.fetch import MAX_BYTES
from parley.feeds.models import ImportedEntry, NewsFeed
from parley.forums.models import Forum, Post, Thread
from parley.forums.services import set_thread_state
from parley.forums.services.structure import create_forum
from parley.permissions import registry
from parley.permissions.services import make_forum_private
from tests.feeds.importer_case import ServedFeedTestCase
from tests.feeds.importer_server import (
    ATOM,
    BILLION_LAUGHS,
    HOSTILE,
    MALFORMED,
    RSS1,
    RSS2,
    Handler,
    endless,
    redirect,
    rss,
    rss_item,
    serve,
    sleepy,
)

SHORT = 0.4

FERRY = (
    "Ferry crews on the Carrowmere line walked out at dawn on Monday, halting every crossing "
    "to the islands. The union says the strike will last 48 hours unless the operator reopens "
    "pay talks."
)
FERRY_RETOLD = (
    "Ferry crews on the Carrowmere line walked out at dawn on Monday, halting every crossing "
    "to the islands, the union said. The strike will last 48 hours unless the operator "
    "reopens pay talks, it added."
)


def retold(**item: str) -> str:
    """Another outlet's feed telling the ferry strike again (FERRY_RETOLD), close enough to the
    Gazette's first report (FERRY) to join its thread; `item` as rss_item takes it (its `pub`)."""
    return rss(
        "Meridian Wire",
        rss_item(
            "Carrowmere ferry strike halts island crossings",
            "https://wire.example.org/ferry",
            "w-ferry",
            FERRY_RETOLD,
            **item,
        ),
    )


FERRY_NEXT_DAY = (
    "The operator of the Carrowmere ferry line offered striking crews a 4% pay rise on "
    "Tuesday, a day after a walkout halted crossings to the islands. Union leaders said they "
    "would put the offer to members."
)


class ImporterTestCase(ServedFeedTestCase):
    def feed(self, path: str, document: str | bytes | Handler | None = None, **kwargs) -> NewsFeed:
        """A feed of the server's `path` answering `document` (a handler, or the text to
        serve); with no document, `path` is the feed's address as it is."""
        url = path
        if document is not None:
            handler = document if callable(document) else serve(document)
            url = self.server.route(path, handler)
        options = {"forum": self.w.news, "member": self.bot, "prefix": self.w.breaking}
        return services.register_feed(actor=self.w.admin, url=url, **{**options, **kwargs})

    def fetch(self, feed: NewsFeed, **kwargs) -> services.ImportReport:
        return services.fetch_and_import(feed, timeout=kwargs.pop("timeout", SHORT), **kwargs)

    def imported_threads(self) -> list[Thread]:
        return list(Thread.objects.filter(author=self.bot).order_by("created_at"))


class ImportTests(ImporterTestCase):
    def test_rss2_entries_become_news_threads(self) -> None:
        feed = self.feed("/gazette.xml", RSS2)
        threads_before = Forum.objects.get(pk=self.w.news.pk).thread_count
        report = self.fetch(feed)
        assert report.summary() == "2 posted, 0 added to existing stories, 0 skipped."
        tram, ferry = self.imported_threads()
        assert ferry.title == "Ferry crews walk out, halting all Carrowmere crossings"
        assert ferry.prefix == self.w.breaking and ferry.forum == self.w.news
        assert ferry.source_name == "The Carrowmere Gazette"  # the channel's title
        assert ferry.source_url.startswith("https://gazette.example.com/2026/11/ferry-strike")
        assert ferry.created_at == datetime(2026, 11, 30, 7, 15, tzinfo=UTC)  # published
        assert tram.created_at == datetime(2026, 11, 29, 18, 40, tzinfo=UTC)
        first = Post.objects.get(pk=ferry.first_post_id)
        assert first.author == self.bot and first.created_at == ferry.created_at
        assert plain_text(first.body_html) == (
            f"{FERRY} Continue reading at The Carrowmere Gazette"
        )
        assert not first.awaiting_approval and not ferry.awaiting_approval
        feed.refresh_from_db()
        assert feed.source_name == "The Carrowmere Gazette"
        assert (feed.entries_imported, feed.failure_count, feed.last_error) == (2, 0, "")
        assert feed.next_fetch_at == feed.last_fetch_at + timedelta(minutes=30)
        news = Forum.objects.get(pk=self.w.news.pk)
        assert news.thread_count == threads_before + 2
        # Posted in the past, the stories do not push aside the forum's newest post.
        assert news.last_post_id == self.w.long_thread.last_post_id

    def test_rss1_and_atom_entries_too(self) -> None:
        self.fetch(self.feed("/almanac.rdf", RSS1))
        self.fetch(self.feed("/wire.atom", ATOM))
        titles = {t.title: t for t in self.imported_threads()}
        assert set(titles) == {
            "Late frost spares most of the valley's pear orchards",
            "Observatory on Mount Ketterin spots a new comet",
            "Saint-Ivane port reopens after storm repairs",
        }
        comet = titles["Observatory on Mount Ketterin spots a new comet"]
        assert comet.source_name == "Meridian Wire"
        assert comet.source_url == "https://wire.example.org/science/ketterin-comet"
        port = Post.objects.get(
            pk=titles["Saint-Ivane port reopens after storm repairs"].first_post_id
        )
        assert plain_text(port.body_html).startswith("The port of Saint-Ivane reopened")

    def test_a_chosen_source_name_and_the_first_n_characters(self) -> None:
        feed = self.feed("/short.xml", RSS2, source_name="Gazette <b>Online</b>", excerpt_chars=60)
        self.fetch(feed)
        ferry = Thread.objects.get(title__startswith="Ferry crews")
        assert ferry.source_name == "Gazette Online"
        text = plain_text(Post.objects.get(pk=ferry.first_post_id).body_html)
        assert text == (
            "Ferry crews on the Carrowmere line walked out at dawn on… "
            "Continue reading at Gazette Online"
        )

    def test_a_hostile_summary_is_stored_inert(self) -> None:
        self.fetch(self.feed("/trojan.xml", HOSTILE))
        (thread,) = self.imported_threads()
        assert thread.title == "Harbour fireworks moved to Saturday"
        post = Post.objects.get(pk=thread.first_post_id)
        for needle in ("<script", "onclick", "onmouseover", "onerror", 'href="javascript'):
            assert needle not in post.body_html and needle not in post.body_source
        assert plain_text(post.body_html) == (
            "The harbour fireworks move to Saturday. Read the timetable "
            "[url=javascript:alert(3)]here[/url] Continue reading at Trojan Times"
        )

    def test_a_publication_time_in_the_future_is_not_kept(self) -> None:
        ahead = (timezone.now() + timedelta(days=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        document = rss(
            "Clockwork Courier",
            rss_item("Tomorrow's news today", "https://c.example.com/1", "c1", "Early.", ahead),
        )  # noqa: E501
        before = timezone.now()
        self.fetch(self.feed("/future.xml", document))
        (thread,) = self.imported_threads()
        assert before <= thread.created_at <= timezone.now()

    def test_the_posting_gate_lets_the_newsroom_post_a_burst(self) -> None:
        """Flood control (10 s between posts) and newcomer approval apply to members, not to
        the News feeds group: a feed posts several stories in the same second."""
        with override_settings(PARLEY_APPROVAL_FIRST_POSTS=5, PARLEY_FLOOD_SECONDS=600):
            report = self.fetch(self.feed("/burst.xml", RSS2))
        assert len(report.posted) == 2 and not report.skipped
        assert not Thread.objects.filter(author=self.bot, awaiting_approval=True).exists()
        assert self.bot.groups.filter(name=services.NEWS_GROUP).exists()

    def test_a_member_chosen_to_post_joins_the_news_group(self) -> None:
        feed = self.feed("/alice.xml", RSS2, member=self.w.member)
        assert self.w.member.groups.filter(name=services.NEWS_GROUP).exists()
        with override_settings(PARLEY_FLOOD_SECONDS=600):
            assert len(self.fetch(feed).posted) == 2


class DedupeTests(ImporterTestCase):
    def test_a_second_run_posts_nothing_again(self) -> None:
        feed = self.feed("/twice.xml", RSS2)
        self.fetch(feed)
        report = self.fetch(feed)
        assert report.posted == [] and len(report.skipped) == 2
        assert {why for _, why in report.skipped} == {"already imported (same GUID or link)"}
        assert len(self.imported_threads()) == 2

    def test_the_same_guid_from_another_feed_is_skipped(self) -> None:
        self.fetch(self.feed("/gazette.xml", RSS2))
        mirror = rss(
            "Gazette Mirror",
            rss_item(
                "Mirror: ferry strike",
                "https://mirror.example.com/a",
                "gazette-20261130-ferry",
                "Same.",
            ),  # noqa: E501
        )
        report = self.fetch(self.feed("/mirror.xml", mirror))
        assert report.skipped == [("Mirror: ferry strike", "already imported (same GUID or link)")]

    def test_the_same_link_dressed_differently_from_another_feed_is_skipped(self) -> None:
        self.fetch(self.feed("/gazette.xml", RSS2))
        link = "HTTPS://Gazette.Example.com/2026/11/ferry-strike/?fbclid=abc&amp;utm_campaign=x#top"
        aggregator = rss(
            "Aggregator", rss_item("Strike on the ferries", link, "agg-991", "Different words.")
        )  # noqa: E501
        report = self.fetch(self.feed("/aggregator.xml", aggregator))
        assert report.skipped == [("Strike on the ferries", "already imported (same GUID or link)")]
        assert len(self.imported_threads()) == 2

    def test_the_database_refuses_a_second_row_for_one_entry(self) -> None:
        """Two workers importing at once both pass any check made before writing; the unique
        keys make the second insert fail, inside its entry's transaction, before posting."""
        now = timezone.now()
        ImportedEntry.objects.create(
            title="A", guid_key="g" * 64, link_key="l" * 64, imported_at=now
        )
        for keys in ({"guid_key": "g" * 64}, {"link_key": "l" * 64}):
            with self.assertRaises(IntegrityError), transaction.atomic():
                ImportedEntry.objects.create(title="B", imported_at=now, **keys)
        ImportedEntry.objects.create(title="C", imported_at=now)  # neither key: no clash

    def test_deleting_a_feed_keeps_its_memory(self) -> None:
        feed = self.feed("/gazette.xml", RSS2)
        self.fetch(feed)
        services.delete_feeds(actor=self.w.admin, feeds=[feed])
        report = self.fetch(self.feed("/gazette.xml", RSS2))
        assert report.posted == [] and len(report.skipped) == 2


class GroupingTests(ImporterTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.first = rss(
            "Carrowmere Gazette",
            rss_item(
                "Ferry crews walk out, halting all Carrowmere crossings",
                "https://gazette.example.com/ferry",
                "g-ferry",
                FERRY,
            ),
        )  # noqa: E501

    def test_a_retold_story_becomes_an_also_reported_reply(self) -> None:
        self.fetch(self.feed("/first.xml", self.first))
        retold_later = retold(pub="Mon, 30 Nov 2026 08:00:00 +0000")
        report = self.fetch(self.feed("/retold.xml", retold_later))
        (thread,) = self.imported_threads()
        assert report.grouped == [
            ("Carrowmere ferry strike halts island crossings", thread.get_absolute_url())
        ]  # noqa: E501
        thread.refresh_from_db()
        assert thread.reply_count == 1
        reply = Post.objects.get(thread=thread, position=2)
        assert reply.author == self.bot
        assert plain_text(reply.body_html).startswith(
            "Also reported by Meridian Wire: Carrowmere ferry strike halts island crossings"
        )
        assert 'href="https://wire.example.org/ferry"' in reply.body_html
        entry = ImportedEntry.objects.get(link="https://wire.example.org/ferry")
        assert entry.grouped and entry.thread_id == thread.pk and entry.post_id == reply.pk

    def test_the_next_days_story_on_the_same_subject_is_a_thread_of_its_own(self) -> None:
        self.fetch(self.feed("/first.xml", self.first))
        follow_up = rss(
            "Meridian Wire",
            rss_item(
                "Carrowmere ferry operator offers crews 4% to end strike",
                "https://wire.example.org/offer",
                "w-offer",
                FERRY_NEXT_DAY,
            ),
        )  # noqa: E501
        report = self.fetch(self.feed("/follow-up.xml", follow_up))
        assert len(report.posted) == 1 and report.grouped == []
        assert len(self.imported_threads()) == 2

    def test_a_story_whose_thread_was_locked_starts_a_new_one(self) -> None:
        self.fetch(self.feed("/first.xml", self.first))
        (first,) = self.imported_threads()
        set_thread_state(actor=self.w.moderator, thread=first, is_locked=True)
        report = self.fetch(self.feed("/retold.xml", retold()))
        assert len(report.posted) == 1 and report.grouped == [] and report.skipped == []

    def test_the_threshold_is_a_knob(self) -> None:
        self.fetch(self.feed("/first.xml", self.first))
        with override_settings(PARLEY_FEED_SIMILARITY_PERCENT=90):
            report = self.fetch(self.feed("/retold.xml", retold()))
        assert len(report.posted) == 1 and report.grouped == []

    def test_only_stories_imported_in_the_last_48_hours_are_joined(self) -> None:
        self.fetch(self.feed("/first.xml", self.first))
        ImportedEntry.objects.update(imported_at=timezone.now() - timedelta(hours=49))
        report = self.fetch(self.feed("/retold.xml", retold()))
        assert len(report.posted) == 1 and report.grouped == []


class BadFeedTests(ImporterTestCase):
    def assert_failed(self, feed: NewsFeed, report: services.ImportReport, message: str) -> None:
        feed.refresh_from_db()
        assert message in report.error
        assert feed.last_error == report.error and feed.last_result == f"Failed: {report.error}"
        assert feed.last_error_at == feed.last_fetch_at is not None
        assert feed.failure_count == 1 and feed.entries_imported == 0
        assert self.imported_threads() == [] and not ImportedEntry.objects.exists()

    def test_malformed_xml(self) -> None:
        feed = self.feed("/malformed.xml", MALFORMED)
        self.assert_failed(feed, self.fetch(feed), "The feed is not well-formed XML")

    def test_billion_laughs(self) -> None:
        feed = self.feed("/laughs.xml", BILLION_LAUGHS)
        self.assert_failed(feed, self.fetch(feed), "declares XML entities")

    def test_too_big(self) -> None:
        url = self.server.route("/endless.xml", endless(self.server, "/endless.xml"))
        feed = self.feed(url)
        self.assert_failed(feed, self.fetch(feed, timeout=2), f"more than {MAX_BYTES:,} bytes")

    def test_timeout(self) -> None:
        feed = self.feed(self.server.route("/slow.xml", sleepy(SHORT * 4)))
        self.assert_failed(feed, self.fetch(feed), f"Timed out after {SHORT:g} seconds")

    def test_redirect_loop(self) -> None:
        self.server.route("/loop-a", redirect("/loop-b"))
        feed = self.feed(self.server.route("/loop-b", redirect("/loop-a")))
        self.assert_failed(feed, self.fetch(feed), "Redirect loop")

    def test_redirect_to_a_private_address(self) -> None:
        feed = self.feed(self.server.route("/moved", redirect("http://192.168.0.10/rss")))
        self.assert_failed(feed, self.fetch(feed), "a private address")

    def test_refused_address(self) -> None:
        feed = self.feed("http://169.254.169.254/latest/meta-data/")
        self.assert_failed(feed, self.fetch(feed), "a cloud metadata address")

    def test_http_500(self) -> None:
        feed = self.feed("/broken.xml", serve("oops", status=500))
        self.assert_failed(feed, self.fetch(feed), "The server answered HTTP 500.")

    def test_a_member_who_may_no_longer_post_there(self) -> None:
        private = create_forum(category=self.w.category, title="Staff room")
        feed = self.feed("/gazette.xml", RSS2, forum=private)
        make_forum_private(forum=private, allowed_groups=[])
        self.assert_failed(feed, self.fetch(feed), "Newsroom may not start threads in Staff room")

    def test_an_unforeseen_error_is_still_this_feeds_failure(self) -> None:
        feed = self.feed("/gazette.xml", RSS2)
        with (
            mock.patch.object(services, "import_document", side_effect=RecursionError("deep")),
            self.assertLogs("parley.feeds.importer.services", "ERROR"),
        ):
            report = self.fetch(feed)
        self.assert_failed(feed, report, "Could not import the feed (RecursionError: deep).")

    def test_failures_in_a_row_back_off_and_a_success_resets(self) -> None:
        handler = {"answer": serve("down", status=503)}
        url = self.server.route("/flaky.xml", lambda request: handler["answer"](request))
        feed = self.feed(url, interval_minutes=20)
        waits = []
        for _ in range(4):
            self.fetch(feed)
            feed.refresh_from_db()
            waits.append((feed.next_fetch_at - feed.last_fetch_at) / timedelta(minutes=1))
        assert waits == [20, 40, 80, 160] and feed.failure_count == 4
        for _ in range(6):
            self.fetch(feed)
        feed.refresh_from_db()
        assert feed.next_fetch_at - feed.last_fetch_at == timedelta(days=1)  # the cap
        handler["answer"] = serve(RSS2)
        self.fetch(feed)
        feed.refresh_from_db()
        assert feed.failure_count == 0 and feed.last_error  # the last error stays readable
        assert feed.next_fetch_at - feed.last_fetch_at == timedelta(minutes=20)
        assert feed.last_result.startswith("2 posted")

    def test_conditional_get_and_a_304_posts_nothing(self) -> None:
        feed = self.feed("/etag.xml", serve(RSS2, etag='"gazette-7"'))
        assert len(self.fetch(feed).posted) == 2
        feed.refresh_from_db()
        assert feed.etag == '"gazette-7"'
        ImportedEntry.objects.all().delete()  # were the body read again, it would be posted
        report = self.fetch(feed)
        assert report.not_modified and report.posted == []
        assert self.server.seen[-1].headers["If-None-Match"] == '"gazette-7"'
        feed.refresh_from_db()
        assert feed.last_result == "Not modified since the last fetch (HTTP 304): nothing new."
        assert len(self.imported_threads()) == 2


class RegisterTests(ImporterTestCase):
    def test_only_administrators_manage_feeds(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.register_feed(
                actor=self.w.moderator, url="https://x.example.com/rss", forum=self.w.news,
                member=self.bot,
            )  # fmt: skip

    def test_settings_are_checked(self) -> None:
        private = create_forum(category=self.w.category, title="Back office")
        make_forum_private(forum=private, allowed_groups=[])
        cases = [
            ({"url": "ftp://x.example.com/rss"}, "url"),
            ({"url": "javascript:alert(1)"}, "url"),
            ({"interval_minutes": 1}, "interval_minutes"),
            ({"excerpt_chars": 10}, "excerpt_chars"),
            ({"forum": private}, "member"),
        ]
        for change, field in cases:
            options = {
                "actor": self.w.admin,
                "url": "https://x.example.com/rss",
                "forum": self.w.news,
                "member": self.bot,
                **change,
            }
            with self.subTest(field=field), self.assertRaises(ValidationError) as caught:
                services.register_feed(**options)
            assert field in caught.exception.message_dict
        services.register_feed(
            actor=None, url="https://x.example.com/rss", forum=self.w.news, member=self.bot
        )  # noqa: E501
        with self.assertRaises(ValidationError):
            services.register_feed(
                actor=None, url="https://x.example.com/rss", forum=self.w.news, member=self.bot
            )  # noqa: E501

    def test_the_news_group_bypasses_flood_and_approval(self) -> None:
        group = services.ensure_news_group()
        allowed = set(
            group.permission_entries.filter(forum=None, value=registry.ALLOW).values_list(
                "permission", flat=True
            )
        )
        assert allowed == {registry.BYPASS_FLOOD, registry.POST_WITHOUT_APPROVAL}
