"""Phones: no page is wider than the screen. Every persona (guest, member, moderator,
administrator) opens the pages they use at the narrow widths phones have, and the page must not
scroll sideways; the navigation folds into a "Menu" that opens without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from parley.forums import services
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_flows import log_in, watch_errors
from tests.world import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 360, 390, 414)  # the narrowest phones in use, up to the large ones
PHONE_HEIGHT = 740
LONG_NAME = "Bartholomew" * 4 + "Wolfeschle"  # 54 > 50: trimmed below to the longest allowed


def _pages(world, persona: str, profile_url: str) -> list[str]:
    pages = [
        "/",
        world.news.get_absolute_url(),
        world.long_thread.get_absolute_url(),
        world.long_thread.page_url(3),  # where the long-named member posted
        "/whats-new/",
        profile_url,
    ]
    if persona != "guest":
        pages += ["/account/", "/account/alerts/"]
    if persona in ("moderator", "admin"):
        pages += ["/reports/", "/approval-queue/"]
    if persona == "admin":
        pages += ["/moderation/log/"]
    return pages


def _overflows(page: Page) -> tuple[int, int] | None:
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return (scroll, inner) if scroll > inner else None


@pytest.fixture
def long_named(world):
    member = make_member(LONG_NAME[:50])
    services.reply_to_thread(
        actor=member, thread=world.long_thread, body="A name that does not fit on a phone."
    )
    return member


def test_no_page_is_wider_than_a_phone(browser: Browser, live_server, world, long_named) -> None:
    too_wide: list[str] = []
    errors: dict[str, list[str]] = {}
    for persona, name in (
        ("guest", None),
        ("member", "Alice"),
        ("moderator", "Mod Squad"),
        ("admin", "Admin"),
    ):
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        errors[persona] = watch_errors(page)
        if name:
            log_in(page, name)
        for url in _pages(world, persona, long_named.get_absolute_url()):
            page.goto(url)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": PHONE_HEIGHT})
                if (sizes := _overflows(page)) is not None:
                    too_wide.append(f"{persona} {url} at {width}px: {sizes[0]}px wide")
        context.close()
    assert too_wide == [], "\n".join(too_wide)
    assert all(found == [] for found in errors.values()), errors


def test_the_menu_opens_without_javascript(browser: Browser, live_server, world) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": PHONE_HEIGHT},
        java_script_enabled=False,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Username or email").fill("Mod Squad")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Log in").click()

    page.goto("/whats-new/")
    alerts = page.get_by_role("link", name="Alerts")
    expect(alerts).to_be_hidden()  # folded away on a phone
    page.get_by_text("Menu", exact=True).click()
    expect(alerts).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    alerts.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")

    page.set_viewport_size({"width": 1280, "height": 800})  # a desktop: everything in the bar
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    expect(page.get_by_role("link", name="What's new")).to_be_visible()
    context.close()


def _box(locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_name_stays_inside_the_member_card(page: Page, world, long_named, width) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(world.long_thread.page_url(3))
    post = page.locator("article.post").filter(has_text="A name that does not fit on a phone.")
    card, name = _box(post.locator(".member-card")), _box(post.locator(".member-name a"))
    assert name["x"] >= card["x"]
    assert name["x"] + name["width"] <= card["x"] + card["width"]
    # "Joined Nov 30, 2026", not "JoinedNov 30, 2026": a space between each label and value.
    for fact in post.locator(".member-facts > div").all():
        label, value = _box(fact.locator("dt")), _box(fact.locator("dd"))
        same_line = abs(label["y"] - value["y"]) < label["height"] / 2
        assert not same_line or value["x"] >= label["x"] + label["width"] + 4, fact.inner_text()
