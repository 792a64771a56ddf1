"""A member reports a post, a moderator resolves the report from the queue by deleting the post,
the post is gone for members and the reporter reads the outcome in their alerts."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from parley.forums.models import Post
from parley.moderation.models import Report, ReportReason
from tests.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTCOME = "Thanks, we removed the advert."
# For humans looking at a CI run (never asserted); fixed, well-known paths on purpose.
QUEUE_SCREENSHOT = "/tmp/parley-report-queue.png"  # noqa: S108
REPORT_SCREENSHOT = "/tmp/parley-report.png"  # noqa: S108


def log_in(page: Page, name: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_report_resolved_with_a_delete_reaches_the_reporter(
    new_page: Callable[[], Page], world
) -> None:
    # Transactional tests flush what migrations created; the reasons are board data.
    ReportReason.objects.get_or_create(title="Spam or advertising")
    reported = Post.objects.get(thread=world.long_thread, position=3)  # by Bob
    thread_url = world.long_thread.get_absolute_url()

    # Alice reports Bob's post from the thread page.
    alice = new_page()
    log_in(alice, "Alice")
    alice.goto(thread_url)
    post = alice.locator(f"#post-{reported.pk}")
    expect(post.locator(".post-body")).to_have_text("Reply number 3")
    post.get_by_role("link", name="Report").click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("Report post #3 by Bob")
    alice.get_by_label("Spam or advertising").check()
    alice.get_by_label("Message").fill("Looks like an advert to me.")
    alice.get_by_role("button", name="Report").click()
    expect(alice.get_by_text("Thank you for reporting this post.")).to_be_visible()
    expect(alice.locator(".nav-alerts .badge")).to_have_count(0)

    # The moderator sees the badge, opens the queue and the report, and resolves it.
    moderator = new_page()
    log_in(moderator, "Mod Squad")
    expect(moderator.locator(".nav-reports .badge")).to_have_text("1")
    moderator.locator(".nav-reports").click()
    expect(moderator).to_have_url(re.compile(r"/reports/$"))
    row = moderator.locator(".report-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Harbour bridge closed after storm")
    expect(row).to_contain_text("Spam or advertising")
    moderator.screenshot(path=QUEUE_SCREENSHOT, full_page=True)
    row.locator(".report-link").click()
    expect(moderator.get_by_text("Looks like an advert to me.")).to_be_visible()
    moderator.screenshot(path=REPORT_SCREENSHOT, full_page=True)
    resolve = moderator.locator("#resolve")
    resolve.get_by_label("Outcome").fill(OUTCOME)
    resolve.get_by_label("Delete the post").check()
    resolve.get_by_label("Reason for deleting").fill("Advertising")
    resolve.get_by_role("button", name="Resolve").click()
    expect(moderator).to_have_url(re.compile(r"/reports/$"))
    expect(moderator.get_by_text("Report resolved")).to_be_visible()
    expect(moderator.locator(".report-row")).to_have_count(0)
    expect(moderator.locator(".nav-reports .badge")).to_have_count(0)
    assert Report.objects.get().state == Report.State.RESOLVED

    # The post is gone for members; the reporter reads the outcome in their alerts.
    alice.goto(thread_url)
    expect(alice.locator(f"#post-{reported.pk}")).to_have_count(0)
    expect(alice.get_by_text("Reply number 3", exact=True)).to_have_count(0)
    expect(alice.locator(".nav-alerts .badge")).to_have_text("1")
    alice.locator(".nav-alerts").click()
    alert = alice.locator(".alert-row").first
    expect(alert).to_contain_text(
        f"Your report on Harbour bridge closed after storm was resolved: {OUTCOME}"
    )
    alert.get_by_role("button").click()  # following an alert (a POST) marks it read
    expect(alice).to_have_url(re.compile(re.escape(thread_url)))
    expect(alice.locator(".nav-alerts .badge")).to_have_count(0)
