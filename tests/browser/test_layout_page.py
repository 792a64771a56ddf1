"""The page's frame as a reader sees it: the footer stays at the bottom of the window on a short
page and follows the content on a long one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

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
