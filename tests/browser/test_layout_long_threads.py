"""Long threads in a real browser: the page links under a thread's title, the "Go to page" box
(without JavaScript), and the floating scroll buttons, which stay out of the text on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_flows import post_numbered, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_page_links_under_a_threads_title(page: Page, world) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(world.news.get_absolute_url())
    row = page.locator(".thread-row").filter(has_text=world.long_thread.title)
    expect(row.locator(".thread-pages")).to_have_text("Pages: 1 2 3")
    row.locator(".thread-pages").get_by_role("link", name="3", exact=True).click()
    expect(page).to_have_url(re.compile(r"/page-3$"))
    expect(post_numbered(page, 41)).to_be_visible()


def test_go_to_page_without_javascript(browser: Browser, live_server, world) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(world.long_thread.get_absolute_url())
    jump = page.locator(".page-jump").first
    jump.get_by_text("Go to page").click()
    jump.get_by_label("Page").fill("2")
    jump.get_by_role("button", name="Go").click()
    expect(page).to_have_url(re.compile(r"/page-2$"))
    expect(post_numbered(page, 21)).to_be_visible()
    context.close()


def test_scroll_buttons_float_beside_the_text_of_a_long_thread(page: Page, world) -> None:
    errors = watch_errors(page)
    page.set_viewport_size({"width": 390, "height": 740})
    page.goto(world.long_thread.get_absolute_url())
    to_top = page.get_by_role("link", name="Scroll to top")
    to_bottom = page.get_by_role("link", name="Scroll to bottom")
    expect(to_bottom).to_be_hidden()  # at the top of the page: nothing to scroll back to yet
    page.mouse.wheel(0, 1500)
    expect(to_bottom).to_be_visible()
    expect(to_top).to_be_visible()

    buttons_left = min(to_top.bounding_box()["x"], to_bottom.bounding_box()["x"])  # type: ignore[index]
    text_right = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll(
             '.post-body, .post-actions > *, .post-header > *, .pagenav, .member-card > *')]
           .map(e => e.getBoundingClientRect().right))"""
    )
    assert buttons_left >= text_right  # in the margin, never over the words

    to_bottom.click()
    page.wait_for_function(
        "() => window.scrollY + window.innerHeight >= document.body.scrollHeight - 2"
    )
    expect(page.locator("footer.site-footer")).to_be_in_viewport()
    to_top.click()
    page.wait_for_function("() => window.scrollY < 5")
    assert errors == []


def test_no_scroll_buttons_on_a_short_thread(page: Page, world) -> None:
    page.goto(world.short_thread.get_absolute_url())
    expect(page.locator(".scroll-buttons")).to_have_count(0)
