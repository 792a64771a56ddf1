"""The test case the importer's database tests share: a scripted feed server on 127.0.0.1 for
the class, allow-listed for its tests only (tests/feeds/importer_server.py), and the world with
the Newsroom member, built once per class."""

from __future__ import annotations

from django.test import TestCase

from parley.accounts.models import Member
from parley.feeds.importer import services
from tests.feeds.importer_server import FeedServer, feed_server
from tests.world import World, build_world


class ServedFeedTestCase(TestCase):
    server: FeedServer
    w: World
    bot: Member

    @classmethod
    def setUpClass(cls) -> None:
        # Class cleanups run after tearDownClass, newest first: the allow-listing is dropped,
        # then the server stopped, also when setting up the class fails part way.
        cls.server = cls.enterClassContext(feed_server())
        cls.enterClassContext(cls.server.allowed())
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.bot = services.ensure_news_member()
