"""The editor counts characters the way the server does: code points (Python's len), so an emoji
is one character, not the two UTF-16 units a textarea's maxlength or String.length count.
Near the limit, the counter's verdict is the server's verdict."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from parley.forums.models import BODY_MAX_CHARS, Post
from tests.browser.test_flows import log_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMOJI = "\U0001f30a"  # 🌊: one character, two UTF-16 units


def counted(page: Page) -> tuple[int, bool]:
    counter = page.locator(".char-count")
    return int(counter.get_attribute("data-count") or "-1"), counter.get_attribute(
        "data-over"
    ) == "1"


def test_counter_agrees_with_the_server_near_the_limit(page: Page, world) -> None:
    errors = watch_errors(page)
    log_in(page, "Alice")
    reply_url = f"{world.short_thread.get_absolute_url()}reply"
    page.goto(reply_url)
    box = page.get_by_label("Message")
    counter = page.locator(".char-count")
    expect(counter).to_have_text(f"0 / {BODY_MAX_CHARS:,} characters")

    # Exactly at the limit in characters, nearly twice the limit in UTF-16 units.
    box.fill(EMOJI * (BODY_MAX_CHARS - 3) + " ")
    box.press("Control+End")  # the end of the text, not of a wrapped line
    page.keyboard.type("ok")  # typed, then the trailing space is no longer stripped
    expect(counter).to_have_text(f"{BODY_MAX_CHARS:,} / {BODY_MAX_CHARS:,} characters")
    assert counted(page) == (BODY_MAX_CHARS, False)
    assert page.evaluate("() => document.querySelector('textarea').value.length") > BODY_MAX_CHARS

    # One more emoji is one character over, for the counter and for the server alike.
    page.keyboard.type(EMOJI)
    expect(counter).to_have_text(
        f"{BODY_MAX_CHARS + 1:,} / {BODY_MAX_CHARS:,} characters \u2014 1 over the limit"
    )
    assert counted(page) == (BODY_MAX_CHARS + 1, True)
    expect(counter).to_have_class(re.compile(r"\bfield-error\b"))
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".field-error[role=alert]")).to_have_text(
        f"Your message is {BODY_MAX_CHARS + 1:,} characters long; the limit is "
        f"{BODY_MAX_CHARS:,}. Please shorten it."
    )
    # Nothing typed was lost, and the counter (set up again on the new page) says the same.
    assert counted(page) == (BODY_MAX_CHARS + 1, True)
    assert not Post.objects.filter(thread=world.short_thread, author=world.member).exists()

    # Back at the limit: the counter says it fits, and the server takes it.
    page.get_by_label("Message").press("Control+End")
    page.keyboard.press("Backspace")  # removes the whole emoji, as a person expects
    assert counted(page) == (BODY_MAX_CHARS, False)
    page.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(r"/threads/.+#post-\d+$"))
    post = Post.objects.get(thread=world.short_thread, author=world.member)
    assert len(post.body_source) == BODY_MAX_CHARS
    assert post.body_source == EMOJI * (BODY_MAX_CHARS - 3) + " ok"
    assert errors == []


def test_counter_ignores_what_the_server_strips(page: Page, world) -> None:
    log_in(page, "Alice")
    page.goto(f"{world.short_thread.get_absolute_url()}reply")
    box = page.get_by_label("Message")
    # Surrounding whitespace and invisible control/bidi characters do not count on the server.
    box.fill("  \n\u202ea\U0001f600b\u0007\n\t ")
    assert counted(page) == (3, False)
