"""Inline moderation as a moderator sees it in a real browser: the bar under the posts or threads
stays out of the way until something is ticked, then says how many and stays in view; its menu
starts on "Choose an action…", which the browser will not send (the ticks stay). Without
JavaScript the bar is simply there."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from parley.forums.models import Post
from parley.moderation.actions import services as actions
from tests.browser.test_flows import log_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _box(page: Page, post: Post):  # type: ignore[no-untyped-def]
    return page.locator(f"#post-{post.pk} .mod-check")


def test_the_bar_appears_with_the_first_tick_and_counts_them(new_page, world) -> None:
    thread = world.long_thread
    first, third = (Post.objects.get(thread=thread, position=n) for n in (1, 3))
    moderator: Page = new_page()
    errors = watch_errors(moderator)
    log_in(moderator, "Mod Squad")
    moderator.goto(thread.get_absolute_url())
    bar = moderator.locator("#inline-mod-posts")
    expect(bar).to_be_hidden()

    _box(moderator, first).check()  # the top of the page: the bar is far below
    expect(bar).to_be_visible()
    expect(bar).to_be_in_viewport()  # it follows the moderator down the page
    expect(bar.locator(".inline-mod-count")).to_have_text("1 selected")
    _box(moderator, third).check()
    expect(bar.locator(".inline-mod-count")).to_have_text("2 selected")
    _box(moderator, first).uncheck()
    expect(bar.locator(".inline-mod-count")).to_have_text("1 selected")
    _box(moderator, third).uncheck()
    expect(bar).to_be_hidden()
    assert errors == []


def test_go_without_an_action_keeps_the_ticks_and_says_why(new_page, world) -> None:
    thread = world.long_thread
    ticked = [Post.objects.get(thread=thread, position=n) for n in (3, 5)]
    moderator: Page = new_page()
    errors = watch_errors(moderator)
    log_in(moderator, "Mod Squad")
    moderator.goto(thread.get_absolute_url())
    for post in ticked:
        _box(moderator, post).check()
    menu = moderator.get_by_label("Ticked posts:")
    expect(menu.locator("option:checked")).to_have_text("Choose an action…")

    moderator.get_by_role("button", name="Go").click()
    assert moderator.url.endswith(thread.get_absolute_url())  # not sent
    assert menu.evaluate("s => s.validationMessage") == "Choose what to do with the ticked posts."
    for post in ticked:
        expect(_box(moderator, post)).to_be_checked()
    assert not Post.objects.filter(is_deleted=True).exists()

    menu.select_option("delete")
    moderator.get_by_role("button", name="Go").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Delete 2 posts?")
    assert errors == []


def test_threads_bar_on_the_forum_page(new_page, world) -> None:
    moderator: Page = new_page()
    errors = watch_errors(moderator)
    log_in(moderator, "Mod Squad")
    moderator.goto(world.lounge.get_absolute_url())
    bar = moderator.locator("#inline-mod-threads")
    expect(bar).to_be_hidden()
    moderator.get_by_label("Select Favourite tea").check()
    moderator.get_by_label("Select Old news").check()
    expect(bar.locator(".inline-mod-count")).to_have_text("2 selected")
    moderator.get_by_label("Ticked threads:").select_option("lock")
    moderator.get_by_role("button", name="Go").click()
    expect(moderator.get_by_text("Updated 2 thread(s).")).to_be_visible()
    expect(moderator.locator("#inline-mod-threads")).to_be_hidden()  # nothing ticked now
    assert errors == []


def test_without_javascript_the_bar_is_always_there(browser, live_server, world) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, "Mod Squad")
        page.goto(world.long_thread.get_absolute_url())
        expect(page.locator("#inline-mod-posts")).to_be_visible()
        expect(page.get_by_label("Ticked posts:")).to_be_visible()
    finally:
        context.close()


def _same_line(box: dict, words: dict) -> bool:
    """The checkbox's middle lies within the height of its words: one line, not two."""
    middle = box["y"] + box["height"] / 2
    return words["y"] <= middle <= words["y"] + words["height"] and box["x"] < words["x"]


def test_merge_starts_on_the_oldest_and_checkboxes_sit_beside_their_words(new_page, world) -> None:
    moderator: Page = new_page()
    errors = watch_errors(moderator)
    log_in(moderator, "Mod Squad")
    moderator.goto(world.lounge.get_absolute_url())
    moderator.get_by_label("Select Favourite tea").check()
    moderator.get_by_label("Select Old news").check()
    moderator.get_by_label("Ticked threads:").select_option("merge")
    moderator.get_by_role("button", name="Go").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Merge 2 threads")
    # Both were started at the same moment: the first created is the older.
    expect(moderator.get_by_label("Favourite tea (by Bob)")).to_be_checked()
    expect(moderator.get_by_text("The oldest thread is chosen for you.")).to_be_visible()

    box = moderator.get_by_role("checkbox", name="Leave redirects where the other threads were")
    words = moderator.get_by_text("Leave redirects where the other threads were")
    assert _same_line(box.bounding_box(), words.bounding_box())

    moderator.goto(f"{world.short_thread.get_absolute_url()}moderate/move")
    box = moderator.get_by_role("checkbox", name="Leave a redirect in the old forum")
    words = moderator.get_by_text("Leave a redirect in the old forum")
    assert _same_line(box.bounding_box(), words.bounding_box())
    assert errors == []


def test_the_moderator_log_stacks_each_entry_on_a_phone(new_page, world) -> None:
    post = Post.objects.get(thread=world.long_thread, position=3)
    actions.soft_delete_post(actor=world.moderator, post=post, reason="A long reason " * 8)
    admin: Page = new_page()
    log_in(admin, "Admin")
    for width, stacked in ((1280, False), (390, True)):
        admin.set_viewport_size({"width": width, "height": 800})
        admin.goto("/moderation/log/")
        row = admin.locator(".mod-log tbody tr").first
        when, action = row.locator("td").nth(0), row.get_by_text("Deleted a post")
        below = (
            action.bounding_box()["y"] >= when.bounding_box()["y"] + when.bounding_box()["height"]
        )
        assert below == stacked, width
        wide = admin.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, (width, wide)
