"""Feed addresses, built with f-strings like the forums' own URLs (`Thread.page_url`): the thread
page prints one in its head. tests/feeds/test_discovery.py pins them to the URLconf."""

from __future__ import annotations

from django.urls import get_script_prefix

from parley.forums.models import Forum, Thread

FEED_FILE = "index.rss"  # XenForo's name, after the forum's or thread's own address


def board_feed_url() -> str:
    # "-" stands where a forum's `<slug>.<id>` would: the whole board.
    return f"{get_script_prefix()}forums/-/{FEED_FILE}"


def forum_feed_url(forum: Forum) -> str:
    return f"{forum.get_absolute_url()}{FEED_FILE}"


def thread_feed_url(thread: Thread) -> str:
    return f"{thread.get_absolute_url()}{FEED_FILE}"
