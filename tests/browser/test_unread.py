"""Unread tracking in a real browser: a member reads the first page of a three-page thread,
someone else replies, and "What's new" takes her straight to the first post she has not seen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from parley.forums import services
from parley.forums.models import Post
from tests.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, name: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_unread_link_lands_on_the_first_unseen_post(page: Page, world) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    thread = world.long_thread
    log_in(page, "Alice")

    page.goto(thread.get_absolute_url())
    expect(page.get_by_text("#20", exact=True)).to_be_visible()
    expect(page.get_by_text("#21", exact=True)).to_have_count(0)

    services.reply_to_thread(actor=world.other, thread=thread, body="The bridge reopens at noon.")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="What's new").click()
    page.get_by_role("navigation", name="What's new").get_by_role("link", name="New posts").click()
    expect(page).to_have_url(re.compile(r"/whats-new/posts/$"))
    row = page.locator(".thread-row").filter(has_text="Harbour bridge closed after storm")
    expect(row).to_have_class(re.compile(r"\bis-unread\b"))
    expect(row.get_by_role("img", name="Unread")).to_be_visible()

    row.get_by_role("link", name="Jump to new").click()
    first_unread = Post.objects.get(thread=thread, position=21)
    expect(page).to_have_url(re.compile(rf"/page-2#post-{first_unread.pk}$"))
    target = page.locator(f"#post-{first_unread.pk}")
    expect(target.locator(".post-number")).to_have_text("#21")
    expect(target).to_be_in_viewport()

    # She has now read up to #40: the thread stays unread, and the next jump goes to #41.
    page.goto("/whats-new/posts/?unread=1")
    expect(page.locator(".thread-row").filter(has_text="Harbour bridge")).to_have_count(1)
    page.locator(".thread-row").filter(has_text="Harbour bridge").get_by_role(
        "link", name="Jump to new"
    ).click()
    next_unread = Post.objects.get(thread=thread, position=41)
    expect(page).to_have_url(re.compile(rf"/page-3#post-{next_unread.pk}$"))
    expect(page.get_by_text("The bridge reopens at noon.")).to_be_visible()
    page.goto("/whats-new/posts/?unread=1")
    expect(page.locator(".thread-row").filter(has_text="Harbour bridge")).to_have_count(0)

    assert errors == []
