"""A guest types a word in the header's search box, sees the highlighted result and follows it
to the post, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from parley.forums import services
from tests.browser.test_flows import watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_header_search_finds_and_opens_the_post(page: Page, world) -> None:
    post = services.reply_to_thread(
        actor=world.other, thread=world.long_thread, body="The ferry timetable changed again."
    )
    errors = watch_errors(page)
    page.goto("/")
    box = page.get_by_role("search").get_by_role("searchbox", name="Search the forums")
    box.fill("timetable")
    box.press("Enter")
    expect(page).to_have_url("/search/?q=timetable")
    results = page.locator("article.search-result")
    expect(results).to_have_count(1)
    expect(page.locator(".search-results h2")).to_have_text("1 result")
    expect(results.locator("mark")).to_have_text(["timetable"])
    expect(results.locator(".search-snippet")).to_have_text("The ferry timetable changed again.")
    results.get_by_role("link", name="Harbour bridge closed after storm").click()
    expect(page).to_have_url(f"{world.long_thread.page_url(3)}#post-{post.pk}")
    expect(page.locator(f"#post-{post.pk}")).to_contain_text("The ferry timetable changed again.")
    assert errors == []
