"""An administrator adds a news feed in the admin (a feed served by the test on 127.0.0.1,
allow-listed for this test only), clicks "Fetch now", and the story appears as a labelled news
thread with its source on the forum page and on the thread page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from parley.feeds.importer import services
from tests.feeds.importer_server import RSS2, FeedServer, feed_server, serve
from tests.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORY = "Ferry crews walk out, halting all Carrowmere crossings"
# For humans looking at a CI run (never asserted); fixed, well-known paths on purpose.
ADMIN_SCREENSHOT = "/tmp/parley-news-feed-admin.png"  # noqa: S108
THREAD_SCREENSHOT = "/tmp/parley-news-thread.png"  # noqa: S108


@pytest.fixture
def gazette(settings) -> Iterator[FeedServer]:
    with feed_server() as server:
        server.route("/gazette.xml", serve(RSS2))
        settings.PARLEY_FEED_ALLOWED_HOSTS = (f"127.0.0.1:{server.port}",)
        yield server


def log_in(page: Page, name: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_an_admin_adds_a_feed_and_the_story_appears(page: Page, world, gazette: FeedServer) -> None:
    services.ensure_news_member()
    log_in(page, "Admin")

    page.goto("/admin/feeds/newsfeed/add/")
    page.get_by_label("Feed address").fill(gazette.url("/gazette.xml"))
    page.get_by_label("Forum").select_option(label="Breaking news")
    expect(page.get_by_label("Posting member")).to_have_value(str(services.ensure_news_member().pk))
    page.get_by_label("Prefix").select_option(label="Breaking news")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.locator("#result_list").get_by_role("link", name=gazette.url("/gazette.xml")).click()
    page.get_by_role("button", name="Fetch now").click()
    expect(page.locator(".messagelist .success")).to_have_text(
        "Fetched The Carrowmere Gazette: 2 posted, 0 added to existing stories, 0 skipped."
    )
    expect(page.locator(".field-entries_imported .readonly")).to_have_text("2")
    page.screenshot(path=ADMIN_SCREENSHOT, full_page=True)
    assert [seen.path for seen in gazette.seen] == ["/gazette.xml"]

    # The forum page: the story's row, labelled, naming its source.
    page.goto(world.news.get_absolute_url())
    row = page.locator(".thread-row", has_text=STORY)
    expect(row.locator(".label")).to_have_text("Breaking news")
    via = row.locator(".thread-source a")
    expect(via).to_have_text("The Carrowmere Gazette")
    expect(via).to_have_attribute("rel", "nofollow noopener ugc")

    # The thread page: a news post with its source at the top.
    row.get_by_role("link", name=STORY).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Breaking news {STORY}")
    first = page.locator("article.post").first
    expect(first.locator(".news-source")).to_have_text("Source: The Carrowmere Gazette")
    expect(first.locator(".news-source a")).to_have_attribute(
        "href", re.compile(r"^https://gazette\.example\.com/2026/11/ferry-strike")
    )
    expect(first.locator(".username")).to_have_text("Newsroom")
    expect(first.locator(".post-body")).to_contain_text("Ferry crews on the Carrowmere line")
    expect(first.get_by_role("link", name="Report")).to_be_visible()
    page.screenshot(path=THREAD_SCREENSHOT, full_page=True)
