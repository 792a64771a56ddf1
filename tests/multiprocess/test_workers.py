"""Against a real `parley serve --workers 3`: what one request changes, the next request sees,
whichever worker serves it.

Every test first lets its visitors browse a little, so each worker has had a chance to remember
what it saw (a per-process cache is exactly what these tests are after), then changes something
through the site as a person would, then checks the following requests one by one, each on a new
connection. Failures list every request that showed the old state, not just the first.

The tests share one server (module scope) and so keep to their own demo members, threads and
forum. Run them alone with `pytest -m multiprocess`, leave them out with `-m "not multiprocess"`.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from itertools import cycle

import pytest

from parley.core import knobs
from tests.multiprocess import pages
from tests.multiprocess.client import Browser, Form, Page
from tests.multiprocess.harness import WORKERS, ParleyServer, cpu_ticks

pytestmark = pytest.mark.multiprocess

# Who and where, from the demo board (parley/demo_content.py). One member per test.
BAN_MEMBER = "dustbowl_dan"
PRESENCE_MEMBER = "Kaito Arashi"
REPORTER = "quietcartographer"
LOGOUT_MEMBER = "Ravi Menon"
PASSWORD_MEMBER = "Tomasz.K"
OTHER_SESSIONS_MEMBER = "harbourlight"
THROTTLED_MEMBER = "NoSpinZone"
BAN_THREAD = "Ferry workers"  # breaking news, open for replies
PRIVATE_FORUM_THREAD = "Time zones roll call"  # the lounge is the forum made private
PRESENCE_THREAD = "Clean hydropower figures"
REPORT_THREAD = "The Ostrelian florin"
REDIS_THREAD = "Why small states"
# The Redis test reuses two members whose own tests leave nothing behind that matters here.
REDIS_BAN_MEMBER = PRESENCE_MEMBER
REDIS_LOGOUT_MEMBER = REPORTER

AFTER_CHANGE_REQUESTS = 30
LOGOUT_REQUESTS = 16
REDIS_REQUESTS = 12
SESSION_COOKIE = "sessionid"  # Django's default name; Parley keeps it
WARM_UP_REQUESTS = 9  # before a change: three per worker on average
PRESENCE_SECONDS = 2.0
# Production login throttling: the server runs with the knobs' defaults (the harness passes it
# no PARLEY_ variable that changes them).
LOGIN_FAILURES_ALLOWED = knobs.LOGIN_FAILURES_PER_ACCOUNT.default
LOGIN_WINDOW_SECONDS = knobs.LOGIN_COOLOFF_SECONDS.default
REDIS_PAUSE_REQUEST_TIMEOUT = 30.0  # gunicorn kills a worker stuck for 60 s
REDIS_WATCHDOG_SECONDS = 120  # SIGCONT no matter what, should this process die mid-test


@pytest.fixture(scope="module")
def board(parley_server: ParleyServer) -> pages.Board:
    return pages.read_board(parley_server.browser("board-reader"))


@pytest.fixture
def admin(parley_server: ParleyServer) -> Browser:
    browser = parley_server.browser("admin")
    logins = parley_server.logins
    assert logins is not None
    pages.must_log_in(browser, logins.admin, logins.admin_password)
    return browser


def member(server: ParleyServer, name: str, label: str = "") -> Browser:
    """A browser logged in as a demo member."""
    assert server.logins is not None
    assert name in server.logins.members, f"{name!r} is not a demo member: {server.logins}"
    browser = server.browser(label or re.sub(r"\W+", "-", name.lower()))
    pages.must_log_in(browser, name, server.logins.member_password)
    return browser


def report(problems: list[str], what: str, total: int) -> str:
    return f"{what} on {len(problems)} of {total} requests:\n  " + "\n  ".join(problems)


# --- The harness itself --------------------------------------------------------------------------


def test_requests_are_spread_over_the_workers(parley_server):
    """Otherwise every other test here could pass with one worker doing all the work."""
    workers = parley_server.worker_pids()
    assert len(workers) == WORKERS, f"expected {WORKERS} gunicorn workers, found {workers}"
    before = {pid: cpu_ticks(pid) or 0 for pid in workers}
    guest = parley_server.browser("spread-check")
    for n in range(AFTER_CHANGE_REQUESTS):
        # Rendered each time (a query string skips the page cache): a cached page can cost a
        # worker less than the one CPU tick this counts in.
        assert guest.get(f"/?spread={n}").status == 200
    used = {pid: (cpu_ticks(pid) or 0) - before[pid] for pid in workers}
    assert sum(1 for ticks in used.values() if ticks > 0) >= 2, (
        f"{AFTER_CHANGE_REQUESTS} requests, each on a new connection, all went to one worker "
        f"(CPU ticks used per worker: {used})"
    )


# --- Bans ---------------------------------------------------------------------------------------


def ban_page(admin: Browser, profile_url: str) -> tuple[str, Page]:
    """The member's ban page, reached through the Ban link on their profile."""
    profile = admin.get(profile_url)
    url = profile.link("Ban")
    assert url, f"the admin sees no Ban link on {profile.describe()}"
    return url, admin.get(url)


def ban(admin: Browser, profile_url: str, reason: str) -> Page:
    _, page = ban_page(admin, profile_url)
    form = page.form(button="Ban")
    assert form is not None, f"no ban form on {page.describe()}"
    form.choose("length", "1 week")
    form["reason"] = reason
    return form_submitted(admin, form, "Ban")


def form_submitted(browser: Browser, form: Form, button: str) -> Page:
    done = browser.submit(form, button=button)
    assert done.status == 200 and done.history, (
        f"{browser.name}: {button!r} was not accepted: {done.describe()} {pages.form_errors(done)}"
    )
    return done


def lift_ban(admin: Browser, profile_url: str) -> Page:
    _, page = ban_page(admin, profile_url)
    form = page.form(cls="lift-ban-form")
    assert form is not None, f"the ban page offers no Lift ban: {page.describe()}"
    return admin.submit(form)


def reply_attempt(browser: Browser, stale_form: Form, body: str) -> Page:
    """Submit the reply box of a page loaded earlier (the member had it open)."""
    form = stale_form.clone()
    form["body"] = body
    form["client_token"] = uuid.uuid4().hex
    return browser.submit(form, button="Post reply", follow=False)


def test_ban_holds_on_every_worker_and_so_does_lifting_it(parley_server, board, admin):
    thread = board.thread(BAN_THREAD)
    banned = member(parley_server, BAN_MEMBER, "member-to-ban")
    profile = pages.profile_url(banned.get("/"))
    for _ in range(WARM_UP_REQUESTS):
        page = banned.get(thread.url)
        assert pages.ban_notice(page) is None and pages.reply_form(page) is not None, (
            f"before any ban, {BAN_MEMBER} should see a reply box: {page.describe()}"
        )
    open_reply_box = pages.reply_form(page)
    assert open_reply_box is not None

    done = ban(admin, profile, "Testing bans across workers")
    assert any("is banned" in m for m in pages.messages(done)), done.describe()
    try:
        problems, attempts = [], []
        for i in range(1, AFTER_CHANGE_REQUESTS + 1):
            if i % 3 == 0:  # every third request: the member tries to post anyway
                body = f"Reply {i} while banned {secrets.token_hex(4)}"
                attempts.append(body)
                answer = reply_attempt(banned, open_reply_box, body)
                if answer.is_redirect:
                    problems.append(f"#{i} reply POST accepted: {answer.describe()}")
                elif pages.ban_notice(answer) is None:  # e.g. a CSRF failure, not the ban
                    problems.append(
                        f"#{i} reply POST refused without a ban notice: {answer.describe()}"
                    )
            else:
                page = banned.get(thread.url)
                notice, box = pages.ban_notice(page), pages.reply_form(page)
                if page.status != 200 or notice is None or box is not None:
                    problems.append(
                        f"#{i} thread page {page.status}: ban notice "
                        f"{'shown' if notice else 'MISSING'}, reply box "
                        f"{'OFFERED' if box else 'hidden'}"
                    )
        published = [
            b for b in attempts if any(b in t for t in pages.all_post_texts(admin, thread.url))
        ]
        assert not problems, report(
            problems, f"{BAN_MEMBER} did not look banned", AFTER_CHANGE_REQUESTS
        )
        assert not published, f"replies by the banned member were published: {published}"
    finally:
        lifted = lift_ban(admin, profile)
    assert any("was lifted" in m for m in pages.messages(lifted)), lifted.describe()

    problems = []
    for i in range(1, AFTER_CHANGE_REQUESTS // 2 + 1):
        page = banned.get(thread.url)
        notice, box = pages.ban_notice(page), pages.reply_form(page)
        if page.status != 200 or notice is not None or box is None:
            problems.append(
                f"#{i} thread page {page.status}: ban notice {'STILL SHOWN' if notice else 'gone'}"
                f", reply box {'offered' if box else 'MISSING'}"
            )
    assert not problems, report(problems, "the lifted ban still showed", AFTER_CHANGE_REQUESTS // 2)
    box = pages.reply_form(page)
    assert box is not None
    body = f"Back after the ban {secrets.token_hex(4)}"
    box["body"] = body
    answer = banned.submit(box, button="Post reply")
    assert answer.history and answer.status == 200, f"reply refused: {answer.describe()}"
    assert any(body in t for t in pages.all_post_texts(parley_server.browser(), thread.url))


# --- Private forums -----------------------------------------------------------------------------

GUESTS_GROUP = "Guests"
ENTRIES = "permission_entries"  # the group page's inline formset of permission entries


def group_change_page(admin: Browser, group: str) -> tuple[Page, Form]:
    """Django admin: Groups → the group's change page, and its form."""
    home = admin.get("/admin/")
    groups = home.link("Groups")
    assert groups, f"no Groups in the admin: {home.describe()}"
    listing = admin.get(groups)
    url = listing.link(group)
    assert url, f"no group {group!r} listed: {listing.describe()}"
    page = admin.get(url)
    form = page.form(button="Save", having=f"{ENTRIES}-TOTAL_FORMS")
    assert form is not None, f"no group form with permission entries: {page.describe()}"
    return page, form


def add_inline_row(form: Form, prefix: str) -> str:
    """Add a row to an admin inline formset as its "Add another" link does; the row's prefix."""
    total = int(form[f"{prefix}-TOTAL_FORMS"])
    row = f"{prefix}-{total}-"
    template = f"{prefix}-__prefix__-"
    for name in form.names():
        if name.startswith(template):
            new = row + name[len(template) :]
            if name in form.values:
                form.values[new] = list(form.values[name])
            if name in form.choices:
                form.choices[new] = list(form.choices[name])
    form[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    return row


def blank_inline_rows(form: Form, prefix: str) -> list[str]:
    total = int(form[f"{prefix}-TOTAL_FORMS"])
    rows = [f"{prefix}-{i}-" for i in range(total)]
    return [r for r in rows if not form[f"{r}id"] and not form[f"{r}permission"]]


def save_admin_form(admin: Browser, form: Form) -> Page:
    done = admin.submit(form, button="Save")
    errors = [e.text for e in done.doc.find_all(cls="errorlist")] + [
        e.text for e in done.doc.find_all(cls="errornote")
    ]
    assert done.history and not errors, f"the admin refused the change: {errors} {done.describe()}"
    return done


def forbid_guests(admin: Browser, forum_id: int) -> None:
    """Guests get "No" for viewing the forum and reading its threads: private to members."""
    _, form = group_change_page(admin, GUESTS_GROUP)
    rows = blank_inline_rows(form, ENTRIES)
    while len(rows) < 2:
        rows.append(add_inline_row(form, ENTRIES))
    for row, permission in zip(
        rows, ("View the forum (see it listed)", "Read threads"), strict=False
    ):
        form[f"{row}forum"] = str(forum_id)  # an autocomplete select: any forum's id
        form.choose(f"{row}permission", permission)
        form.choose(f"{row}value", "No")
    save_admin_form(admin, form)


def allow_guests_again(admin: Browser, forum_id: int) -> None:
    _, form = group_change_page(admin, GUESTS_GROUP)
    total = int(form[f"{ENTRIES}-TOTAL_FORMS"])
    for i in range(total):
        row = f"{ENTRIES}-{i}-"
        if form[f"{row}id"] and form[f"{row}forum"] == str(forum_id):
            form.check(f"{row}DELETE")
    save_admin_form(admin, form)


def test_private_forum_is_404_for_guests_on_every_worker(parley_server, board, admin):
    forum = board.forum_with(PRIVATE_FORUM_THREAD)
    urls = [forum.url, *(t.url for t in forum.threads)]
    guest = parley_server.browser("guest-locked-out")
    for url in urls * 3:
        page = guest.get(url)
        assert page.status == 200, f"before it is private, a guest reads {page.describe()}"

    forbid_guests(admin, forum.id)
    try:
        problems = []
        for i, url in zip(range(1, AFTER_CHANGE_REQUESTS + 1), cycle(urls), strict=False):
            page = guest.get(url, follow=False)
            if page.status != 404:
                problems.append(f"#{i} {urllib.parse.urlsplit(url).path} answered {page.status}")
        assert not problems, report(
            problems,
            f"a guest could still open the private forum {forum.title!r}",
            AFTER_CHANGE_REQUESTS,
        )
        index = guest.get("/")
        assert forum.url not in index.links(), (
            "the forum index still lists the private forum to guests"
        )
    finally:
        allow_guests_again(admin, forum.id)


# --- Guests' page cache --------------------------------------------------------------------------

CACHED_THREAD = "What are you reading this week?"
PAGE_CACHE_HEADER = "x-parley-page-cache"


def test_a_reply_through_one_worker_retires_the_guests_cached_page_on_every_worker(
    parley_server, board, admin
):
    thread = board.thread(CACHED_THREAD)
    guest = parley_server.browser("cached-guest")
    states = [guest.get(thread.url).headers.get(PAGE_CACHE_HEADER) for _ in range(WARM_UP_REQUESTS)]
    # One render serves every worker: the cache is shared, not per process.
    assert states.count("miss") <= 1 and states.count("hit") >= WARM_UP_REQUESTS - 1, states

    page = admin.get(thread.url)
    assert PAGE_CACHE_HEADER not in page.headers, "a member was served a guest's cached page"
    form = pages.reply_form(page)
    assert form is not None, f"the admin has no reply box on {page.describe()}"
    text = f"Cache check {uuid.uuid4().hex[:8]}"
    posted = reply_attempt(admin, form, text)
    assert posted.is_redirect and posted.location, f"the reply was refused: {posted.describe()}"
    where = urllib.parse.urlsplit(posted.location).path

    problems = []
    for i in range(1, AFTER_CHANGE_REQUESTS + 1):
        seen = guest.get(where)
        if seen.status != 200 or not any(text in body for body in pages.post_texts(seen)):
            state = seen.headers.get(PAGE_CACHE_HEADER)
            problems.append(f"#{i} {seen.describe()} (page cache: {state}) lacks the reply")
    assert not problems, report(
        problems, "a guest was served the thread page from before the reply", AFTER_CHANGE_REQUESTS
    )


# --- Presence -----------------------------------------------------------------------------------


def wait_for_viewers(browser: Browser, url: str, expected: tuple[int, int, int], until: float):
    """Reload until the thread's viewers block reads `expected` (total, members, guests) or the
    deadline passes; every reading, for the failure message."""
    readings = []
    while True:
        page = browser.get(url)
        viewers = pages.thread_viewers(page)
        readings.append(viewers)
        if viewers is not None and (viewers.total, viewers.members, viewers.guests) == expected:
            return viewers, readings
        if time.monotonic() >= until:
            return None, readings
        time.sleep(0.1)


def test_presence_block_counts_visitors_of_every_worker(parley_server, board):
    thread = board.thread(PRESENCE_THREAD)
    viewer = member(parley_server, PRESENCE_MEMBER, "viewing-member")
    guest = parley_server.browser("viewing-guest")

    opened = viewer.get(thread.url)
    assert opened.status == 200, opened.describe()
    seen, readings = wait_for_viewers(
        guest, thread.url, (2, 1, 1), time.monotonic() + PRESENCE_SECONDS
    )
    assert seen is not None, (
        f"within {PRESENCE_SECONDS} s of {PRESENCE_MEMBER} opening the thread, a guest never read "
        f"'Total: 2, Members: 1, Guests: 1'; readings: {readings}"
    )
    assert PRESENCE_MEMBER in seen.names, seen

    seen, readings = wait_for_viewers(
        viewer, thread.url, (2, 1, 1), time.monotonic() + PRESENCE_SECONDS
    )
    assert seen is not None, (
        f"within {PRESENCE_SECONDS} s of the guest's visit, {PRESENCE_MEMBER} never read "
        f"'Total: 2, Members: 1, Guests: 1' on reloading; readings: {readings}"
    )


# --- Reports ------------------------------------------------------------------------------------


def file_report(reporter: Browser, thread_url: str, reporter_name: str) -> None:
    page = reporter.get(thread_url)
    for post in page.doc.find_all("article", cls="post"):
        author = post.find("a", cls="username")
        link = post.find("a", where=lambda a: a.text == "Report")
        if link is not None and author is not None and author.text != reporter_name:
            break
    else:
        raise AssertionError(f"{reporter_name} finds no post to report on {page.describe()}")
    form_page = reporter.get(urllib.parse.urljoin(page.url, link.get("href") or ""))
    form = form_page.form(button="Report")
    assert form is not None, f"no report form: {form_page.describe()}"
    first_reason = form.choices["reason"][0]
    form.choose("reason", value=first_reason[0])
    form["message"] = "Reported by the multi-worker test."
    done = reporter.submit(form)
    assert any("Thank you for reporting" in m for m in pages.messages(done)), done.describe()


def badge_problem(page: Page, expected: int) -> str | None:
    """Whether the nav badge shows `expected` active reports and, on the queue page, agrees
    with the queue (Open + Assigned counts, and the rows listed under Open)."""
    badge = pages.reports_badge(page)
    queue = ""
    agrees = True
    if page.doc.find("nav", cls="tabs") is not None:
        counts = pages.report_queue_counts(page)
        rows = len(pages.report_rows(page))
        active = counts.get("Open", 0) + counts.get("Assigned", 0)
        agrees = active == badge and rows == counts.get("Open", 0)
        queue = f"; the queue shows {counts} and lists {rows} report(s)"
    if page.status != 200 or badge != expected or not agrees:
        return f"{page.status} {page.path}: Reports badge {badge}, expected {expected}{queue}"
    return None


def test_reports_badge_agrees_with_the_queue_on_every_worker(parley_server, board, admin):
    thread = board.thread(REPORT_THREAD)
    queue_url = pages.reports_link(admin.get("/"))
    for url in [queue_url, "/", thread.url] * 3:
        problem = badge_problem(admin.get(url), 0)
        assert problem is None, f"before any report: {problem}"

    reporter = member(parley_server, REPORTER, "reporter")
    file_report(reporter, thread.url, REPORTER)

    problems = []
    for i, url in zip(range(1, 11), cycle([queue_url, "/", thread.url]), strict=False):
        if (problem := badge_problem(admin.get(url), 1)) is not None:
            problems.append(f"#{i} {problem}")
    assert not problems, report(problems, "the new report was not counted", 10)

    queue = admin.get(queue_url)
    rows = pages.report_rows(queue)
    assert len(rows) == 1, f"expected one open report: {queue.describe()}"
    detail_url = queue.link(cls="report-link")
    assert detail_url
    detail = admin.get(detail_url)
    form = detail.form(id="resolve")
    assert form is not None, f"no Resolve form: {detail.describe()}"
    form["resolve-outcome"] = "Looked at it; nothing to do."
    done = admin.submit(form, button="Resolve")
    assert any("Report resolved" in m for m in pages.messages(done)), done.describe()

    problems = []
    for i, url in zip(
        range(1, AFTER_CHANGE_REQUESTS + 1), cycle([queue_url, "/", thread.url]), strict=False
    ):
        if (problem := badge_problem(admin.get(url), 0)) is not None:
            problems.append(f"#{i} {problem}")
    assert not problems, report(
        problems, "the resolved report was still counted", AFTER_CHANGE_REQUESTS
    )


# --- Sessions -----------------------------------------------------------------------------------


class SavedSession:
    """A copy of a browser's session cookie, replayed as it was on every request: a browser
    drops the cookie once a response deletes it, but whoever copied it (another tab, a thief)
    keeps sending it."""

    def __init__(self, server: ParleyServer, browser: Browser, label: str) -> None:
        value = browser.cookie(SESSION_COOKIE)
        assert value, f"{browser.name} has no session cookie"
        self.value = value
        self.browser = server.browser(label)

    def get(self, path: str) -> Page:
        self.browser.set_cookie(SESSION_COOKIE, self.value)
        return self.browser.get(path, follow=False)

    def problems(self, requests: int) -> list[str]:
        """Requests on which the account page opened instead of sending the visitor to log in."""
        problems = []
        for i in range(1, requests + 1):
            page = self.get(pages.ACCOUNT_PATH)
            if not pages.redirects_to_login(page):
                problems.append(f"#{i} {pages.ACCOUNT_PATH} answered {page.describe()}")
        return problems


def warm_up_account(browser: Browser) -> None:
    for _ in range(WARM_UP_REQUESTS):
        page = browser.get(pages.ACCOUNT_PATH, follow=False)
        assert page.status == 200, f"{browser.name}: {page.describe()}"


def test_logged_out_session_cookie_opens_nothing_on_any_worker(parley_server):
    leaving = member(parley_server, LOGOUT_MEMBER, "logging-out")
    warm_up_account(leaving)
    saved = SavedSession(parley_server, leaving, "saved-cookie")
    assert saved.get(pages.ACCOUNT_PATH).status == 200, "the copied cookie should work until then"

    out = pages.log_out(leaving)
    assert pages.signed_in_as(out) is None, f"still logged in after Log out: {out.describe()}"
    problems = saved.problems(LOGOUT_REQUESTS)
    assert not problems, report(
        problems, "the logged-out session cookie still worked", LOGOUT_REQUESTS
    )


def test_changing_password_ends_the_members_other_sessions(parley_server):
    here = member(parley_server, PASSWORD_MEMBER, "changing-password")
    elsewhere = member(parley_server, PASSWORD_MEMBER, "other-device")
    warm_up_account(elsewhere)
    elsewhere_session = SavedSession(parley_server, elsewhere, "other-device-cookie")

    page = here.get(pages.ACCOUNT_PATH)
    change = here.get(page.link("Change password") or "/account/password/")
    form = change.form(having="new_password1")
    assert form is not None, f"no change-password form: {change.describe()}"
    assert parley_server.logins is not None
    new_password = f"Fresh-{secrets.token_urlsafe(9)}"
    form["old_password"] = parley_server.logins.member_password
    form["new_password1"] = form["new_password2"] = new_password
    done = form_submitted(here, form, "Save")
    assert any("password was changed" in m for m in pages.messages(done)), done.describe()

    problems = elsewhere_session.problems(LOGOUT_REQUESTS)
    assert not problems, report(
        problems, "the other session survived the password change", LOGOUT_REQUESTS
    )
    for _ in range(3):
        assert here.get(pages.ACCOUNT_PATH, follow=False).status == 200, (
            "changing the password logged out the session that changed it"
        )


OTHER_SESSIONS_WORDS = re.compile(
    r"other (sessions|devices|browsers)|log(ged)? ?out (of )?(all |every )?(other|elsewhere)"
    r"|everywhere else",
    re.IGNORECASE,
)


def other_sessions_form(browser: Browser) -> Form | None:
    """A form on the account pages that logs out the member's other sessions, found by what
    it says (its button, its text) or where it posts ("...sessions...", "...other...")."""
    start = browser.get(pages.ACCOUNT_PATH)
    candidates = [start]
    for a in start.doc.find_all("a"):
        href = urllib.parse.urljoin(start.url, a.get("href") or "")
        path = urllib.parse.urlsplit(href).path
        seen = {p.path for p in candidates}
        if path.startswith(pages.ACCOUNT_PATH) and path not in seen:
            candidates.append(browser.get(href))
    for page in candidates:
        for form in page.forms():
            action = urllib.parse.urlsplit(form.url).path
            if action == pages.LOGOUT_PATH:
                continue
            words = " ".join([*form.button_texts(), form.element.text])
            if OTHER_SESSIONS_WORDS.search(words) or re.search(r"session|other", action):
                return form
    return None


def test_log_out_other_sessions_ends_them_on_every_worker(parley_server):
    here = member(parley_server, OTHER_SESSIONS_MEMBER, "keeping-this-session")
    elsewhere = member(parley_server, OTHER_SESSIONS_MEMBER, "forgotten-device")
    warm_up_account(elsewhere)
    elsewhere_session = SavedSession(parley_server, elsewhere, "forgotten-device-cookie")

    form = other_sessions_form(here)
    if form is None:
        pytest.fail(
            "FEATURE MISSING: the account pages offer no form to log out other sessions "
            "(looked for a form on /account/ and the /account/… pages it links to whose button "
            "or text says so, or whose action mentions sessions).",
            pytrace=False,
        )
    assert parley_server.logins is not None
    if "password" in form:
        form["password"] = parley_server.logins.member_password
    button = form.button_texts()[0] if form.buttons else None
    done = here.submit(form, button=button)
    assert done.status == 200, f"logging out other sessions failed: {done.describe()}"

    problems = elsewhere_session.problems(LOGOUT_REQUESTS)
    assert not problems, report(
        problems, "another session survived 'log out other sessions'", LOGOUT_REQUESTS
    )
    for _ in range(3):
        assert here.get(pages.ACCOUNT_PATH, follow=False).status == 200, (
            "logging out the other sessions also ended this one"
        )


# --- Login throttling ---------------------------------------------------------------------------


@pytest.fixture
def clear_of_window_edge() -> None:
    """The limit counts in fixed windows (parley/core/ratelimit.py); a run straddling a window's
    end would rightly start counting afresh, so start well inside one."""
    left = LOGIN_WINDOW_SECONDS - time.time() % LOGIN_WINDOW_SECONDS
    if left < 20:
        time.sleep(left + 1)


def test_failed_logins_are_counted_across_workers(parley_server, clear_of_window_edge):
    assert parley_server.logins is not None
    password = parley_server.logins.member_password
    for attempt in range(1, LOGIN_FAILURES_ALLOWED + 1):
        guesser = parley_server.browser(f"guess-{attempt}")
        page = pages.log_in(guesser, THROTTLED_MEMBER, f"wrong-{attempt}-{password}")
        errors = " ".join(pages.form_errors(page))
        assert pages.signed_in_as(page) is None and "Incorrect" in errors, (
            f"failed attempt {attempt} should be told the password is wrong: {page.describe()}"
        )

    owner = parley_server.browser("right-password")
    page = pages.log_in(owner, THROTTLED_MEMBER, password)
    errors = " ".join(pages.form_errors(page))
    assert pages.signed_in_as(page) is None, (
        f"after {LOGIN_FAILURES_ALLOWED} failures spread over the workers, the right password "
        f"still logged in (each worker counts on its own?): {page.describe()}"
    )
    assert "Too many failed attempts" in errors, f"no cool-off message: {page.describe()}"
    assert pages.redirects_to_login(owner.get(pages.ACCOUNT_PATH, follow=False))


# --- Redis paused -------------------------------------------------------------------------------


@pytest.fixture
def redis_pause(
    parley_server: ParleyServer,
) -> Iterator[tuple[Callable[[], None], Callable[[], None]]]:
    """SIGSTOP / SIGCONT for the server's Redis, with a watchdog process that resumes Redis on
    its own should this test process die while Redis is stopped (it is shared)."""
    if not os.environ.get("PARLEY_REDIS_URL", "").strip():
        pytest.skip("PARLEY_REDIS_URL is not set: this test pauses the Redis the server uses")
    assert parley_server.redis is not None
    pid = parley_server.redis.server_pid()
    watchdog: list[subprocess.Popen[bytes]] = []

    def pause() -> None:
        code = (
            f"import os, signal, time; time.sleep({REDIS_WATCHDOG_SECONDS}); "
            f"os.kill({pid}, signal.SIGCONT)"
        )
        watchdog.append(
            subprocess.Popen([sys.executable, "-c", code], start_new_session=True)  # noqa: S603
        )
        os.kill(pid, signal.SIGSTOP)

    def resume() -> None:
        os.kill(pid, signal.SIGCONT)
        for process in watchdog:
            process.kill()
            process.wait()
        watchdog.clear()

    try:
        yield pause, resume
    finally:
        resume()


def redis_backoff_seconds() -> float:
    """How long a worker skips Redis after a failure (parley/core/cache.py)."""
    from parley.core import cache

    return float(getattr(cache, "RETRY_AFTER_SECONDS", 10))


def test_logout_and_ban_hold_after_redis_was_paused(redis_pause, parley_server, board, admin):
    pause, resume = redis_pause
    thread = board.thread(REDIS_THREAD)
    target = member(parley_server, REDIS_BAN_MEMBER, "banned-while-redis-paused")
    leaving = member(parley_server, REDIS_LOGOUT_MEMBER, "logout-while-redis-paused")
    target_profile = pages.profile_url(target.get("/"))
    for _ in range(WARM_UP_REQUESTS):
        page = target.get(thread.url)
        assert pages.ban_notice(page) is None and pages.reply_form(page) is not None
    warm_up_account(leaving)
    saved = SavedSession(parley_server, leaving, "saved-cookie-redis")
    # Both pages are open in their browsers when Redis stops.
    logout = pages.logout_form(leaving.get("/"))
    _, page = ban_page(admin, target_profile)
    ban_form = page.form(button="Ban")
    assert logout is not None and ban_form is not None
    ban_form.choose("length", "1 week")
    ban_form["reason"] = "Banned while Redis was paused"

    pause()
    try:
        started = time.monotonic()
        out = leaving.submit(logout, timeout=REDIS_PAUSE_REQUEST_TIMEOUT)
        banned = admin.submit(ban_form, button="Ban", timeout=REDIS_PAUSE_REQUEST_TIMEOUT)
        paused_for = time.monotonic() - started
    finally:
        resume()
        resumed = time.monotonic()
    try:
        assert out.status == 200 and pages.signed_in_as(out) is None, (
            f"logging out while Redis was paused: {out.describe()}"
        )
        assert banned.status == 200 and any("is banned" in m for m in pages.messages(banned)), (
            f"banning while Redis was paused ({paused_for:.1f} s): {banned.describe()}"
        )

        # Spread over the time a worker that saw Redis fail leaves it alone (and reads the
        # database instead), and a little beyond: the last checks run with the cache in use
        # again in every worker, where a stale copy of the session or the permissions would be.
        span = redis_backoff_seconds() + 2
        problems = []
        for i in range(1, REDIS_REQUESTS + 1):
            due = resumed + span * (i - 1) / (REDIS_REQUESTS - 1)
            time.sleep(max(0.0, due - time.monotonic()))
            wrong = []
            account = saved.get(pages.ACCOUNT_PATH)
            if not pages.redirects_to_login(account):
                wrong.append(f"the logged-out cookie opened {account.describe()}")
            page = target.get(thread.url)
            if pages.ban_notice(page) is None:
                wrong.append(f"{REDIS_BAN_MEMBER} saw no ban notice")
            if pages.reply_form(page) is not None:
                wrong.append(f"{REDIS_BAN_MEMBER} was offered the reply box")
            if wrong:
                problems.append(f"#{i} " + "; ".join(wrong))
        assert not problems, report(
            problems, "a change made while Redis was paused did not hold", REDIS_REQUESTS
        )
    finally:
        lift_ban(admin, target_profile)
