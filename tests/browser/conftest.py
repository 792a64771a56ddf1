"""Browser fixtures: one Debian Chromium for the browser tests, a fresh context (cookies, storage)
per page, every page pointed at pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000  # a live-server page loads in well under a second; fail fast instead
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an asyncio event loop running in the main thread, so Django
    # sees the test thread as async and raises SynchronousOnlyOperation on every ORM call
    # (building the world, reading counts back). Those calls are plain synchronous ones made
    # between browser steps, never concurrently with the loop, so the guard protects nothing here.
    # Set for this package only, not at import: the variable also trips Django's deployment check
    # async.E001, which `parley check` (tests/test_cli.py) runs in the same pytest session.
    was_set = ASYNC_UNSAFE in os.environ
    os.environ.setdefault(ASYNC_UNSAFE, "true")
    yield
    if not was_set:
        del os.environ[ASYNC_UNSAFE]


@pytest.fixture(scope="package")
def browser(_allow_orm_beside_playwright: None) -> Iterator[Browser]:
    # Package scope, not session: the Playwright loop must stop when the browser tests end, or
    # every later test in the session would still run "inside" it.
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing. Browser tests always run (they never skip): "
            "install it with `apt-get install -y chromium`.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def _background_flush(settings) -> Iterator[None]:
    """The live server is a real server: its background flusher stores visits and view counts
    as it does in production (the rest of the suite flushes by hand)."""
    from parley.core import flusher

    settings.PARLEY_BACKGROUND_FLUSH = True
    yield
    flusher.stop()


@pytest.fixture
def new_page(browser: Browser, live_server, _background_flush) -> Iterator[Callable[[], Page]]:
    """Open a page in a new browser context: a separate person with their own cookies."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


@pytest.fixture
def world(transactional_db):
    from tests.world import build_world

    return build_world()
