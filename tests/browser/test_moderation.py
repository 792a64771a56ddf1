"""A moderator in a real browser: ticks posts on the thread page (the checkboxes belong to the
inline form through the `form` attribute, no script), deletes them with a reason, sees the
placeholders and undeletes one; a member sees neither the posts nor the tools."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from parley.forums.models import Post, Thread
from tests.browser.test_flows import log_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For humans looking at a CI run (never asserted); a fixed, well-known path on purpose.
SCREENSHOT = "/tmp/parley-moderation.png"  # noqa: S108


def test_moderator_deletes_posts_inline_and_undeletes_one(new_page, world) -> None:
    thread = world.long_thread
    victims = [Post.objects.get(thread=thread, position=n) for n in (3, 5)]
    moderator: Page = new_page()
    errors = watch_errors(moderator)
    log_in(moderator, "Mod Squad")
    moderator.goto(thread.get_absolute_url())
    for post in victims:
        moderator.locator(f"#post-{post.pk} .mod-check").check()
    moderator.get_by_label("Ticked posts:").select_option("delete")
    moderator.get_by_role("button", name="Go").click()

    expect(moderator.get_by_role("heading", level=1)).to_have_text("Delete 2 posts?")
    moderator.get_by_label("Reason").fill("Advertising")
    moderator.get_by_role("button", name="Delete").click()

    expect(moderator.get_by_text("Deleted 2 posts.")).to_be_visible()
    placeholder = moderator.locator(f"#post-{victims[0].pk}")
    expect(placeholder).to_contain_text("deleted by Mod Squad: Advertising")
    assert Post.objects.filter(pk__in=[p.pk for p in victims], is_deleted=True).count() == 2
    assert Thread.objects.get(pk=thread.pk).reply_count == 42
    moderator.locator(".mod-menu > summary").click()
    moderator.screenshot(path=SCREENSHOT, full_page=False)

    placeholder.get_by_role("button", name="Undelete").click()
    expect(moderator.get_by_text("Post undeleted.")).to_be_visible()
    expect(moderator.locator(f"#post-{victims[0].pk}")).not_to_have_class(re.compile("placeholder"))
    assert errors == []

    member: Page = new_page()
    log_in(member, "Alice")
    member.goto(thread.get_absolute_url())
    expect(member.locator(f"#post-{victims[0].pk}")).to_be_visible()
    expect(member.locator(f"#post-{victims[1].pk}")).to_have_count(0)
    expect(member.locator(".mod-check")).to_have_count(0)
    expect(member.get_by_text("deleted by")).to_have_count(0)
