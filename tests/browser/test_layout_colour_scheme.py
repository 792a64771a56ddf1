"""The dark colour scheme in a real browser: a guest's pages follow the device's light or dark
setting, and a member's choice in their account settings beats the device's."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_flows import log_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIGHT_PAGE = "rgb(243, 245, 248)"  # --bg in parley.css
DARK_PAGE = "rgb(18, 22, 28)"  # --bg in dark.css
LIGHT_PANEL = "rgb(255, 255, 255)"
DARK_PANEL = "rgb(27, 33, 41)"


def backgrounds(page: Page) -> tuple[str, str]:
    """The page's background and a block's (a panel), as computed."""
    body, block = page.evaluate(
        """() => [getComputedStyle(document.body).backgroundColor,
                  getComputedStyle(document.querySelector('.block')).backgroundColor]"""
    )
    return body, block


def test_guests_follow_the_device(page: Page, world) -> None:
    errors = watch_errors(page)
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    assert backgrounds(page) == (DARK_PAGE, DARK_PANEL)
    page.emulate_media(color_scheme="light")
    assert backgrounds(page) == (LIGHT_PAGE, LIGHT_PANEL)
    assert errors == []


def choose_scheme(page: Page, name: str) -> None:
    page.goto("/account/")
    page.get_by_role("radio", name=name, exact=True).check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your preferences were saved.")).to_be_visible()


def test_a_members_choice_beats_the_device(page: Page, world) -> None:
    errors = watch_errors(page)
    log_in(page, "Alice")
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    assert backgrounds(page) == (DARK_PAGE, DARK_PANEL)  # "System" to begin with

    choose_scheme(page, "Light")
    page.goto(world.long_thread.get_absolute_url())
    assert backgrounds(page) == (LIGHT_PAGE, LIGHT_PANEL)  # light under a dark device

    page.emulate_media(color_scheme="light")
    choose_scheme(page, "Dark")
    page.goto(world.long_thread.get_absolute_url())
    assert backgrounds(page) == (DARK_PAGE, DARK_PANEL)  # dark under a light device

    choose_scheme(page, "System")
    assert backgrounds(page) == (LIGHT_PAGE, LIGHT_PANEL)
    assert errors == []
