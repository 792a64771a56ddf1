"""Two workers importing the same entries at the same moment (two feeds carrying one story,
each import on its own thread and database connection): each entry is posted once. The first
import lingers inside its entry's transaction, after posting, while the other arrives, so the
race is certain rather than lucky; the unique keys, inserted first, decide it. On SQLite the
IMMEDIATE transaction already queues the second writer; on PostgreSQL the second insert waits
on the unique index, then fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

from django.db import connection
from django.test import TransactionTestCase

from parley.feeds.importer import services
from parley.feeds.models import ImportedEntry, NewsFeed
from parley.forums.models import Thread
from tests.feeds.importer_server import RSS2
from tests.world import build_world

LINGER_SECONDS = 0.3


class ConcurrentImportTests(TransactionTestCase):
    def test_two_feeds_with_one_story_imported_at_once_post_it_once(self) -> None:
        w = build_world()
        bot = services.ensure_news_member()
        feeds = [
            services.register_feed(
                actor=None, url=f"https://mirror{i}.example.com/rss", forum=w.news, member=bot
            )
            for i in (1, 2)
        ]
        real = services.create_thread

        def lingering(*args: Any, **kwargs: Any) -> Thread:
            thread = real(*args, **kwargs)
            time.sleep(LINGER_SECONDS)  # still inside the entry's transaction
            return thread

        start = threading.Barrier(2)
        reports: list[services.ImportReport] = []
        errors: list[BaseException] = []

        def worker(feed_id: int) -> Callable[[], None]:
            def run() -> None:
                try:
                    feed = NewsFeed.objects.get(pk=feed_id)
                    start.wait()
                    reports.append(services.import_document(feed=feed, document=RSS2.encode()))
                except BaseException as exc:  # reported below, in the test's thread
                    errors.append(exc)
                finally:
                    connection.close()

            return run

        with mock.patch.object(services, "create_thread", lingering):
            threads = [threading.Thread(target=worker(f.pk)) for f in feeds]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
        assert errors == []
        assert sorted(len(r.posted) for r in reports) in ([0, 2], [1, 1])
        assert sum(len(r.skipped) for r in reports) == 2
        assert {why for r in reports for _, why in r.skipped} == {
            "already imported (same GUID or link)"
        }
        assert Thread.objects.filter(author=bot).count() == 2
        assert ImportedEntry.objects.count() == 2
