"""A reader on a thread's last page is offered new replies as they arrive, without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from parley.forums import services
from tests.world import THREE_PAGE_POSTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guest_is_offered_a_new_reply_and_loads_it_in_place(page: Page, world, settings) -> None:
    settings.PARLEY_LIVE_POLL_SECONDS = 1  # the live server reads settings per request
    page.goto(world.long_thread.page_url(3))
    expect(page.locator("article.post")).to_have_count(THREE_PAGE_POSTS - 40)
    page.evaluate("() => { window.__sameDocument = true; }")

    services.reply_to_thread(
        actor=world.other, thread=world.long_thread, body="Ferries are **back** on schedule."
    )
    offer = page.get_by_role("button", name=re.compile(r"^1 new reply"))
    expect(offer).to_be_visible(timeout=5_000)
    offer.click()

    new_post = page.locator("article.post").last
    expect(new_post.locator(".post-number")).to_have_text(f"#{THREE_PAGE_POSTS + 1}")
    expect(new_post.locator(".post-body strong")).to_have_text("back")
    expect(page.get_by_role("button", name=re.compile("new repl"))).to_have_count(0)
    # Loaded in place: the same document, not a navigation.
    assert page.evaluate("() => window.__sameDocument === true")

    services.reply_to_thread(actor=world.member, thread=world.long_thread, body="Second wave")
    expect(page.get_by_role("button", name=re.compile(r"^1 new reply"))).to_be_visible(
        timeout=5_000
    )
