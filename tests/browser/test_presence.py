"""Two people on one thread see each other in its viewers block, which refreshes by itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADING = "Users Who Are Viewing This Thread"


@pytest.fixture
def presence(settings) -> Iterator[None]:
    """The site's own backend (database, or Redis when PARLEY_REDIS_URL is set), starting empty
    and polling every second; the live server reads settings per request."""
    from parley.activity.presence.backends import get_backend, reset_backend
    from parley.activity.presence.backends.redis import RedisBackend
    from tests.activity.presence_support import unique_prefix

    settings.PARLEY_PRESENCE_POLL_SECONDS = 1
    settings.PARLEY_PRESENCE_REDIS_PREFIX = unique_prefix()
    reset_backend()
    yield
    backend = get_backend()
    if isinstance(backend, RedisBackend):
        backend.clear()
    reset_backend()


def log_in(page: Page, name: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_guest_sees_alice_join_the_thread_without_reloading(new_page, world, presence) -> None:
    thread_url = world.long_thread.get_absolute_url()
    guest = new_page()
    guest.goto(thread_url)
    block = guest.locator("section.presence-viewers")
    expect(block.locator("h2")).to_have_text(f"{HEADING} (Total: 1, Members: 0, Guests: 1)")
    guest.evaluate("() => { window.__sameDocument = true; }")

    alice = new_page()
    log_in(alice, "Alice")
    alice.goto(thread_url)
    expect(alice.locator("section.presence-viewers h2")).to_contain_text("Members: 1")

    expect(block.locator("h2")).to_have_text(
        f"{HEADING} (Total: 2, Members: 1, Guests: 1)", timeout=5_000
    )
    expect(block.get_by_role("link", name="Alice")).to_have_attribute(
        "href", world.member.get_absolute_url()
    )
    assert guest.evaluate("() => window.__sameDocument === true")  # refreshed in place


def test_index_sidebar_names_members_online(new_page, world, presence) -> None:
    alice = new_page()
    log_in(alice, "Alice")
    alice.goto("/")
    sidebar = alice.locator("section.presence-sidebar")
    expect(sidebar.get_by_role("heading", name="Members online")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Alice")).to_be_visible()
    expect(sidebar).to_contain_text("Total: 1 (members: 1, guests: 0, robots: 0)")
    sidebar.get_by_role("link", name="Current visitors").click()
    expect(alice.get_by_role("heading", name="Current visitors")).to_be_visible()
    expect(alice.locator(".visitor-row").first).to_contain_text("Alice")
    expect(alice.locator(".visitor-row").first).to_contain_text("Viewing online list")
