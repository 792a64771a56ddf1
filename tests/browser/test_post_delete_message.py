"""A member deletes her own reply in a real browser and is told so on the page she lands on."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from parley.forums.models import Post
from tests.browser.test_flows import log_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_deletes_her_reply_and_reads_the_confirmation(page: Page, world) -> None:
    mine = Post.objects.get(thread=world.long_thread, position=4)  # Alice's
    errors = watch_errors(page)
    log_in(page, "Alice")
    page.goto(world.long_thread.get_absolute_url())
    page.locator(f"#post-{mine.pk}").get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text("Your post was deleted.")
    expect(page.locator(f"#post-{mine.pk}")).to_have_count(0)
    assert Post.objects.get(pk=mine.pk).is_deleted
    assert errors == []
