"""The page's frame as a reader sees it: the footer stays at the bottom of the window on a short
page and follows the content on a long one; sticky and locked threads carry drawn icons."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from parley.forums import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _footer_box(page: Page) -> dict[str, float]:
    box = page.locator("footer.site-footer").bounding_box()
    assert box is not None
    return box


@pytest.mark.parametrize("size", [(1280, 1100), (390, 900)])
def test_the_footer_sits_at_the_bottom_of_a_short_page(page: Page, world, size) -> None:
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/login/")
    footer = _footer_box(page)
    assert abs(footer["y"] + footer["height"] - height) <= 1
    assert page.evaluate("document.documentElement.scrollHeight") <= height


def test_the_footer_follows_a_long_page(page: Page, world) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(world.long_thread.get_absolute_url())
    main = page.locator("main").bounding_box()
    assert main is not None
    footer = _footer_box(page)
    assert footer["y"] >= main["y"] + main["height"]
    assert footer["y"] > 800


def test_sticky_and_locked_icons_are_drawn_in_rows_and_on_the_thread(page: Page, world) -> None:
    services.set_thread_state(actor=world.moderator, thread=world.short_thread, is_sticky=True)
    page.goto(world.lounge.get_absolute_url())
    for name, title in (("Sticky", "Favourite tea"), ("Locked", "Old news")):
        row = page.locator(".thread-row").filter(has_text=title)
        icon = row.get_by_role("img", name=name)
        expect(icon).to_be_visible()
        box = icon.bounding_box()
        assert box is not None and 10 <= box["width"] <= 20 and 10 <= box["height"] <= 20
    page.goto(world.locked_thread.get_absolute_url())
    status = page.locator(".thread-header .status")
    expect(status).to_have_text("Locked")
    expect(status.locator("svg")).to_be_visible()
