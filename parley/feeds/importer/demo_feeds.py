"""The demo's news: two feed documents that ship with the project (invented outlets and
stories), imported through the same parse, dedupe and grouping path as a fetched feed, without
the network. Their feeds are registered inactive, so the demo never fetches anything from the
internet on schedule."""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from parley.accounts.models import Member
from parley.feeds.importer import services
from parley.feeds.models import NewsFeed
from parley.forums.models import Forum, Prefix

HERE = Path(__file__).parent
# (document, the address its feed would have): the first outlet's stories, then the wire's
# retelling of one of them.
DEMO_FEEDS = [
    ("demo_feed.xml", "https://aldra-post.example.org/rss.xml"),
    ("demo_feed_wire.xml", "https://meridian-wire.example.net/latest.atom"),
]
_WHEN = re.compile(r"\{\{(rfc822|iso):(\d+)\}\}")


@dataclass(frozen=True)
class DemoNews:
    feeds: list[NewsFeed]
    reports: list[services.ImportReport]

    @property
    def threads(self) -> int:
        return sum(len(r.posted) for r in self.reports)

    @property
    def posts(self) -> int:
        return sum(len(r.posted) + len(r.grouped) for r in self.reports)


def dated(document: str, now: datetime) -> bytes:
    """The document with each {{rfc822:N}} / {{iso:N}} mark as the time N minutes before now."""

    def when(match: re.Match[str]) -> str:
        at = now - timedelta(minutes=int(match.group(2)))
        return email.utils.format_datetime(at) if match.group(1) == "rfc822" else at.isoformat()

    return _WHEN.sub(when, document).encode()


def load_demo_news(
    *, forum: Forum, prefix: Prefix | None, now: datetime, member: Member | None = None
) -> DemoNews:
    member = member or services.ensure_news_member()
    feeds, reports = [], []
    for name, url in DEMO_FEEDS:
        feed = services.register_feed(
            actor=None, url=url, forum=forum, member=member, prefix=prefix, is_active=False
        )
        document = dated((HERE / name).read_text(encoding="utf-8"), now)
        feeds.append(feed)
        reports.append(services.import_document(feed=feed, document=document, now=now))
    return DemoNews(feeds=feeds, reports=reports)
