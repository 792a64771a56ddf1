"""The demo's news: two shipped feed documents imported through the importer without the
network, so a fresh board shows labelled stories with their sources, one of them reported by
both outlets and grouped into one thread."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from parley.core.markup import plain_text
from parley.demo import load_demo
from parley.feeds.importer import fetch as fetch_module
from parley.feeds.models import ImportedEntry, NewsFeed
from parley.forums.models import Post, Thread

pytestmark = pytest.mark.django_db


def ago(now: datetime, then: datetime) -> int:
    return round((now - then) / timedelta(minutes=1))


def test_the_demo_imports_labelled_stories_one_grouped(monkeypatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the demo must not fetch anything")

    monkeypatch.setattr(fetch_module, "fetch", no_network)
    now = timezone.now()
    result = load_demo(now=now)
    assert result is not None

    feeds = list(NewsFeed.objects.order_by("pk"))
    assert [(f.source_name, f.is_active, f.entries_imported) for f in feeds] == [
        ("Aldra Valley Post", False, 2),
        ("Meridian Wire", False, 1),
    ]
    stories = list(Thread.objects.filter(author__username="Newsroom").order_by("created_at"))
    assert [t.title for t in stories] == [
        "Aldra river falls to its lowest level in ten years below the Kessary Dam",
        "Night ferry runs aground off Carrowmere Point, all 212 aboard safe",
    ]
    for story in stories:
        assert story.prefix is not None and story.prefix.title == "Breaking news"
        assert story.source_name == "Aldra Valley Post"
        assert story.source_url.startswith("https://aldra-post.example.org/")
    river, ferry = stories
    assert ago(now, river.created_at) == 190  # RFC 822 times have whole seconds
    assert ago(now, ferry.created_at) == 50

    ferry.refresh_from_db()
    assert ferry.reply_count == 1
    reply = Post.objects.get(thread=ferry, position=2)
    assert plain_text(reply.body_html).startswith(
        "Also reported by Meridian Wire: Ferry aground off Carrowmere Point; coastguard says "
        "all 212 aboard are safe"
    )
    assert ago(now, reply.created_at) == 35
    grouped = ImportedEntry.objects.get(grouped=True)
    assert (grouped.source_name, grouped.thread_id) == ("Meridian Wire", ferry.pk)
    # The demo's other counts include the imported stories.
    assert result.thread_count == Thread.objects.count()
    assert result.post_count == Post.objects.count()
