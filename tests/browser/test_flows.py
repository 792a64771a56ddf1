"""What a person sees doing the product's main flows in a real browser: reading a long thread as
a guest, registering and posting, quoting with the page's script, editing, bad input, preview."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

from parley.forums.models import Post
from tests.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For humans looking at a CI run (never asserted); a fixed, well-known path on purpose.
SCREENSHOT = "/tmp/parley-thread.png"  # noqa: S108


def watch_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions (CSP violations are reported as console errors)."""
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(f"{msg.text} ({msg.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def log_in(page: Page, name: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def post_numbered(page: Page, number: int) -> Locator:
    return page.locator("article.post").filter(
        has=page.locator(".post-number", has_text=re.compile(rf"^#{number}$"))
    )


def test_guest_reads_the_long_thread(page: Page, world) -> None:
    errors = watch_errors(page)
    page.goto(world.long_thread.get_absolute_url())

    title = page.get_by_role("heading", level=1)
    expect(title).to_contain_text("Harbour bridge closed after storm")
    expect(title.locator(".label")).to_have_text("Breaking news")
    expect(page.locator(".news-source")).to_have_text("Source: Coast Courier")
    expect(page.get_by_role("link", name="Coast Courier")).to_have_attribute(
        "href", "https://example.org/bridge"
    )
    expect(page.get_by_text("#1", exact=True)).to_be_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("link", name="Bottom", exact=True).click()
    expect(page).to_have_url(re.compile(r"#bottom$"))
    expect(page.locator("footer.site-footer")).to_be_in_viewport()
    # The stylesheet scrolls smoothly: wait for the scroll to settle at the end of the page.
    # (Predicates are functions: a bare expression would be eval'd, which the app's CSP forbids.)
    page.wait_for_function(
        "() => window.scrollY + window.innerHeight >= document.body.scrollHeight - 2"
    )
    assert page.evaluate("window.scrollY") > 0

    page.get_by_role("link", name="Top", exact=True).click()
    expect(page).to_have_url(re.compile(r"#top$"))
    page.wait_for_function("() => window.scrollY < 5")
    assert page.evaluate("window.scrollY") < 5

    pagenav = page.locator(".pagenav").first
    pagenav.get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url(re.compile(r"/page-2$"))
    expect(page.get_by_text("#21", exact=True)).to_be_visible()
    expect(page.get_by_text("#1", exact=True)).to_have_count(0)

    page.locator(".pagenav").first.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"/page-3$"))
    expect(page.get_by_text("#45", exact=True)).to_be_visible()
    expect(page.locator("article.post")).to_have_count(5)
    expect(page.locator(".guest-note")).to_have_text("You must log in or register to reply here.")
    expect(page.locator("#quick-reply")).to_have_count(0)
    expect(page.get_by_role("link", name="+ Quote")).to_have_count(0)

    assert errors == []


def test_newcomer_registers_posts_and_is_quoted(
    page: Page, new_page: Callable[[], Page], world, settings
) -> None:
    settings.PARLEY_REGISTER_MIN_SECONDS = 0  # a robot-fast form fill is what tests do
    page.goto("/register/")
    page.get_by_label("Username").fill("Nadia Okafor")
    page.get_by_label("Email").fill("nadia@example.org")
    page.get_by_label("Password").fill("tidal-lighthouse-47-orchard")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_text("Welcome, Nadia Okafor!")).to_be_visible()

    page.get_by_role("heading", name="Breaking news").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Breaking news")
    page.get_by_role("link", name="Post thread").click()
    page.get_by_label("Title").fill("Ferry service resumes tonight")
    page.get_by_label("Message").fill("The evening ferry is **running again** from 6pm.")
    page.get_by_role("button", name="Post thread").click()

    expect(page).to_have_url(re.compile(r"/threads/[\w-]+\.\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ferry service resumes tonight")
    first = post_numbered(page, 1)
    expect(first.locator(".username")).to_have_text("Nadia Okafor")
    expect(first.locator(".post-body strong")).to_have_text("running again")
    first_post_id = first.get_attribute("data-post-id")
    thread_url = page.url

    bob = new_page()
    log_in(bob, "Bob")
    bob.goto(thread_url)
    quote = post_numbered(bob, 1).get_by_role("link", name="+ Quote")
    quote.click()
    expect(post_numbered(bob, 1).get_by_role("link", name="Quoted ✓")).to_be_visible()
    box = bob.locator("#quick-reply textarea")
    expect(box).to_have_value(re.compile(r'^\[quote="Nadia Okafor, post: \d+, member: \d+"\]\n'))
    expect(box).to_have_value(re.compile(r"running again.*\[/quote\]\n$", re.DOTALL))
    box.focus()
    bob.keyboard.press("Control+End")
    bob.keyboard.type("Took it this evening, right on time.")
    bob.locator("#quick-reply").get_by_role("button", name="Post reply").click()

    expect(bob).to_have_url(re.compile(r"#post-\d+$"))
    reply = bob.locator(f"#{bob.url.rsplit('#', 1)[1]}")
    expect(reply.locator(".username")).to_have_text("Bob")
    expect(reply.locator(".post-number")).to_have_text("#2")
    attribution = reply.locator("blockquote.bbquote .bbquote-head a")
    expect(attribution).to_have_text("Nadia Okafor said:")
    expect(attribution).to_have_attribute("href", f"/posts/{first_post_id}/")
    expect(reply.locator("blockquote.bbquote .bbquote-body")).to_contain_text("running again")
    expect(reply.locator(".post-body > p")).to_have_text("Took it this evening, right on time.")


def test_member_edits_her_post(page: Page, world) -> None:
    log_in(page, "Alice")
    page.goto(world.long_thread.get_absolute_url())
    post = post_numbered(page, 2)
    expect(post.locator(".post-body")).to_have_text("Reply number 2")
    expect(post.locator(".post-edited")).to_have_count(0)
    post.get_by_role("link", name="Edit").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Edit post #2")
    editor = page.get_by_label("Message")
    expect(editor).to_have_value("Reply number 2")
    editor.fill("Reply number 2, corrected: the bridge reopens at *noon*.")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"#post-\d+$"))
    post = post_numbered(page, 2)
    expect(post.locator(".post-body")).to_have_text(
        "Reply number 2, corrected: the bridge reopens at noon."
    )
    expect(post.locator(".post-body em")).to_have_text("noon")
    expect(post.locator(".post-edited")).to_contain_text("Last edited")


def test_bad_input_keeps_the_typed_text(page: Page, new_page: Callable[[], Page], world) -> None:
    log_in(page, "Alice")
    page.goto(world.news.get_absolute_url())
    page.get_by_role("link", name="Post thread").click()
    body = "\n".join(
        f'Paragraph {i}: the <b>harbour</b> & "bridge" — **still** closed, ünïcödé.  '
        for i in range(1, 41)
    )
    page.get_by_label("Message").fill(body)
    page.get_by_role("button", name="Post thread").click()
    expect(page.locator(".field-error")).to_have_text(
        "Please enter a title of at least 3 characters."
    )
    expect(page.get_by_label("Message")).to_have_value(body)
    expect(page.get_by_label("Title")).to_have_value("")

    page.goto(world.short_thread.get_absolute_url())
    page.locator("#quick-reply textarea").fill("   \n\t  ")
    page.locator("#quick-reply").get_by_role("button", name="Post reply").click()
    expect(page.locator(".field-error")).to_have_text("Please enter a message.")
    expect(page.get_by_label("Message")).to_have_value("   \n\t  ")

    guest = new_page()
    guest.goto("/register/")
    guest.get_by_label("Username").fill("Short Pass")
    guest.get_by_label("Email").fill("short@example.org")
    guest.get_by_label("Password").fill("hx7")
    guest.get_by_role("button", name="Register").click()
    expect(guest.locator(".field-error").first).to_contain_text("This password is too short.")
    expect(guest.get_by_label("Username")).to_have_value("Short Pass")
    expect(guest.get_by_label("Email")).to_have_value("short@example.org")
    expect(guest.get_by_role("button", name="Log out")).to_have_count(0)


def test_preview_renders_without_posting(page: Page, world) -> None:
    log_in(page, "Alice")
    page.goto(world.short_thread.get_absolute_url())
    posts_before = Post.objects.filter(thread=world.short_thread).count()
    page.locator("#quick-reply textarea").fill("*hi*")
    page.locator("#quick-reply").get_by_role("button", name="Preview").click()

    preview = page.locator(".preview .post-body")
    expect(preview.locator("em")).to_have_text("hi")
    expect(preview).to_have_text("hi")
    expect(page.get_by_label("Message")).to_have_value("*hi*")
    assert Post.objects.filter(thread=world.short_thread).count() == posts_before
