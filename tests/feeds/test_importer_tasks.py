"""The periodic job: only active feeds that are due are fetched, each claimed by one consumer,
and a bad feed neither fails the job nor holds up the others."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from parley.feeds import tasks
from parley.feeds.importer import services
from parley.feeds.models import NewsFeed
from parley.forums.models import Thread
from tests.feeds.importer_server import RSS2, feed_server, serve
from tests.world import build_world


class PeriodicFetchTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.bot = services.ensure_news_member()

    def make(self, url: str, *, due_in_minutes: float | None, active: bool = True) -> NewsFeed:
        feed = services.register_feed(
            actor=None, url=url, forum=self.w.news, member=self.bot, is_active=active
        )
        next_at = None
        if due_in_minutes is not None:
            next_at = timezone.now() + timedelta(minutes=due_in_minutes)
        NewsFeed.objects.filter(pk=feed.pk).update(next_fetch_at=next_at)
        return feed

    def test_only_due_active_feeds_are_claimed_once(self) -> None:
        due = self.make("https://a.example.com/rss", due_in_minutes=-1)
        never = self.make("https://b.example.com/rss", due_in_minutes=None)
        self.make("https://c.example.com/rss", due_in_minutes=10)  # not yet
        self.make("https://d.example.com/rss", due_in_minutes=-60, active=False)
        now = timezone.now()
        assert sorted(services.claim_due_feeds(now)) == [due.pk, never.pk]
        assert services.claim_due_feeds(now) == []  # claimed: another consumer gets nothing
        due.refresh_from_db()
        assert due.next_fetch_at == now + timedelta(minutes=services.CLAIM_MINUTES)

    def test_the_job_fetches_due_feeds_and_a_bad_one_stops_no_other(self) -> None:
        with feed_server() as server, server.allowed():
            bad = self.make(server.route("/bad.xml", serve("down", status=500)), due_in_minutes=-5)
            good = self.make(server.route("/good.xml", serve(RSS2)), due_in_minutes=-1)
            later = self.make(server.route("/later.xml", serve(RSS2)), due_in_minutes=30)
            claimed = tasks.fetch_due_feeds.call_local()
            paths = [seen.path for seen in server.seen]
        assert sorted(claimed) == sorted([bad.pk, good.pk])
        assert sorted(paths) == ["/bad.xml", "/good.xml"]  # not the feed due later
        for feed in (bad, good, later):
            feed.refresh_from_db()
        assert bad.last_error == "The server answered HTTP 500." and bad.failure_count == 1
        assert good.entries_imported == 2 and good.last_error == ""
        assert later.last_fetch_at is None
        assert Thread.objects.filter(author=self.bot).count() == 2

    def test_a_feed_deleted_before_its_job_runs(self) -> None:
        assert tasks.fetch_feed.call_local(987_654) == "gone"
