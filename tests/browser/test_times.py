"""Times as the reader lives them: a guest's "Today at / Yesterday at" and its tooltip in the
browser's zone (they agree), a member's in their chosen zone whatever the browser's, relative
times that tick while the page is open, and registration starting from the browser's zone.
The browser's clock is Playwright's, so the calendar is fixed whatever the day the suite runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from parley.accounts.models import Member
from parley.forums import services
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_flows import log_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROWSER_NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
POSTED = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)  # 3½ hours earlier, on the UTC day before


@pytest.fixture
def zoned_page(browser: Browser, live_server, _background_flush) -> Iterator[Callable[..., Page]]:
    """A page whose browser lives in `zone` with its clock at `now`."""
    contexts = []

    def open_page(zone: str, now: datetime) -> Page:
        context = browser.new_context(base_url=live_server.url, timezone_id=zone)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.clock.install(time=now)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def story(world):
    return services.create_thread(
        actor=world.other, forum=world.lounge, title="Night ferry delayed", body="Fog.", now=POSTED
    )


def post_time(page: Page, thread) -> tuple[str, str]:
    time = page.locator(f"#post-{thread.first_post_id} .post-time time")
    return time.inner_text(), time.get_attribute("title") or ""


@pytest.mark.parametrize(
    ("zone", "text", "tooltip"),
    [
        ("America/New_York", "Today at 7:30 PM", "Jun 14, 2026 at 7:30 PM"),
        ("Asia/Tokyo", "Today at 8:30 AM", "Jun 15, 2026 at 8:30 AM"),
        ("UTC", "Yesterday at 11:30 PM", "Jun 14, 2026 at 11:30 PM"),
    ],
)
def test_a_guest_reads_times_in_the_browsers_zone(zoned_page, story, zone, text, tooltip) -> None:
    page = zoned_page(zone, BROWSER_NOW)
    errors = watch_errors(page)
    page.goto(story.get_absolute_url())
    expect(page.locator(f"#post-{story.first_post_id} .post-time time")).to_have_text(text)
    assert post_time(page, story) == (text, tooltip)
    assert errors == []


def test_a_member_reads_times_in_their_chosen_zone(zoned_page, world, story) -> None:
    Member.objects.filter(pk=world.member.pk).update(time_zone="Asia/Tokyo")
    page = zoned_page("America/New_York", BROWSER_NOW)
    log_in(page, "Alice")
    page.goto(story.get_absolute_url())
    expect(page.locator(f"#post-{story.first_post_id} .post-time time")).to_have_text(
        "Today at 8:30 AM"
    )
    assert post_time(page, story)[1] == "Jun 15, 2026 at 8:30 AM"


def test_relative_times_tick_while_the_page_is_open(zoned_page, world) -> None:
    fresh = services.create_thread(
        actor=world.other, forum=world.lounge, title="Bridge reopens", body="Just now."
    )
    page = zoned_page("Europe/Paris", timezone.now() + timedelta(seconds=20))
    page.goto(fresh.get_absolute_url())
    time = page.locator(f"#post-{fresh.first_post_id} .post-time time")
    expect(time).to_have_text("A moment ago")
    page.clock.run_for("05:00")
    expect(time).to_have_text("5 minutes ago")
    page.clock.run_for("01:00")
    expect(time).to_have_text("6 minutes ago")


def test_registration_starts_from_the_browsers_zone(zoned_page) -> None:
    page = zoned_page("Europe/Berlin", timezone.now())
    page.goto("/register/")
    assert page.locator("select[name=time_zone]").input_value() == "Europe/Berlin"
