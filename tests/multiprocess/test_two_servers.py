"""Two app servers, one board: two `parley serve` processes, as two machines of one deployment
would run them, share only PostgreSQL (and Redis when configured). Each has its own port and its
own data directory, so nothing passes through the local disk (no shared file cache, job queue or
generated secret key); both are given the same PARLEY_SECRET_KEY, as a deployment configures
its machines. What one server changes, the other shows on its next request: a reply (also on a
guest page the other had cached), a ban, presence, and a session.

Only PostgreSQL can be shared by two machines, so the module is skipped without
PARLEY_DATABASE_URL (the PostgreSQL + Redis pass of `make test` runs it).
"""

from __future__ import annotations

import os
import secrets
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.multiprocess import pages
from tests.multiprocess.client import Browser
from tests.multiprocess.harness import ParleyServer, engines
from tests.multiprocess.test_workers import ban, member, reply_attempt, wait_for_viewers

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(
        not os.environ.get("PARLEY_DATABASE_URL", "").strip(),
        reason="two app servers share a board only through PostgreSQL (PARLEY_DATABASE_URL is "
        "not set; on SQLite each server's board is a file in its own data directory)",
    ),
]

WORKERS_EACH = 2  # two machines' worth of processes on a two-core test machine
CACHE_HEADER = "x-parley-page-cache"
SESSION_COOKIE = "sessionid"
PRESENCE_SECONDS = 5.0  # presence is stored within about a second; generous on a busy machine
WARM_UP_REQUESTS = 4  # each of the other server's workers has had a chance to remember

# Demo members and threads (parley/demo_content.py), one of each per test.
REPLY_MEMBER = "quietcartographer"
REPLY_THREAD = "What are you reading this week?"
BAN_MEMBER = "dustbowl_dan"
BAN_THREAD = "Ferry workers"
PRESENCE_MEMBER = "Kaito Arashi"
PRESENCE_THREAD = "Clean hydropower figures"
SESSION_MEMBER = "Ravi Menon"


@dataclass(frozen=True)
class Pair:
    a: ParleyServer
    b: ParleyServer
    board: pages.Board


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    key = secrets.token_urlsafe(50)
    with engines() as (pg, redis):
        assert pg is not None
        a, b = (
            ParleyServer(
                tmp_path_factory.mktemp(f"parley-server-{name}"),
                database_url=pg.url,
                redis=redis,
                secret_key=key,
                workers=WORKERS_EACH,
            )
            for name in "ab"
        )
        try:
            a.start()  # the demo, then serving
            b.logins = a.logins
            b.start(demo=False)  # the same database, another machine
            assert a.data_dir != b.data_dir and a.port != b.port
            yield Pair(a, b, pages.read_board(b.browser("board-reader")))
        finally:
            b.stop()
            a.stop()


def path(url: str) -> str:
    """The board's links are B's absolute URLs (B read the board); a path goes to the server
    of the browser that opens it."""
    return urllib.parse.urlsplit(url).path


@pytest.fixture
def admin_on_a(servers: Pair) -> Browser:
    browser = servers.a.browser("admin-on-a")
    logins = servers.a.logins
    assert logins is not None
    pages.must_log_in(browser, logins.admin, logins.admin_password)
    return browser


def test_a_reply_through_one_server_retires_the_guest_page_the_other_cached(servers):
    thread = path(servers.board.thread(REPLY_THREAD).url)
    guest_b = servers.b.browser("guest-on-b")
    states = [guest_b.get(thread).headers.get(CACHE_HEADER) for _ in range(WARM_UP_REQUESTS)]
    assert states[-1] == "hit", f"server B never served its cached guest page: {states}"

    writer = member(servers.a, REPLY_MEMBER, "writer-on-a")
    form = pages.reply_form(writer.get(thread))
    assert form is not None, f"{REPLY_MEMBER} has no reply box on server A"
    text = f"Posted on A {uuid.uuid4().hex[:8]}"
    posted = reply_attempt(writer, form, text)
    assert posted.is_redirect and posted.location, f"the reply was refused: {posted.describe()}"
    assert posted.url.startswith(servers.a.base_url), posted.url

    after = guest_b.get(thread)
    assert after.status == 200 and after.headers.get(CACHE_HEADER) == "miss", (
        f"server B still served its cached page after the reply on A: "
        f"{after.describe()} (page cache: {after.headers.get(CACHE_HEADER)})"
    )
    texts = pages.all_post_texts(guest_b, thread)
    assert any(text in t for t in texts), "a guest on server B does not see the reply from A"
    again = guest_b.get(thread)
    assert again.headers.get(CACHE_HEADER) == "hit", "the new page was not cached again"


def test_a_ban_through_one_server_holds_on_the_other(servers, admin_on_a):
    thread = path(servers.board.thread(BAN_THREAD).url)
    banned_b = member(servers.b, BAN_MEMBER, "banned-on-b")
    for _ in range(WARM_UP_REQUESTS):
        page = banned_b.get(thread)
        assert pages.ban_notice(page) is None and pages.reply_form(page) is not None, (
            f"before any ban, {BAN_MEMBER} should see a reply box on B: {page.describe()}"
        )
    open_box = pages.reply_form(page)
    assert open_box is not None
    # The member's profile as B links it, opened on A (a path: the admin's browser is on A).
    profile = path(pages.profile_url(banned_b.get("/")))

    done = ban(admin_on_a, profile, "Testing bans across app servers")
    assert any("is banned" in m for m in pages.messages(done)), done.describe()

    for i in range(WARM_UP_REQUESTS):
        page = banned_b.get(thread)
        assert page.status == 200 and pages.ban_notice(page) is not None, (
            f"#{i + 1}: server B shows {BAN_MEMBER} no ban notice: {page.describe()}"
        )
        assert pages.reply_form(page) is None, f"#{i + 1}: server B still offers the reply box"
    answer = reply_attempt(banned_b, open_box, f"Sneaking in {uuid.uuid4().hex[:8]}")
    assert not answer.is_redirect and pages.ban_notice(answer) is not None, (
        f"server B accepted a reply from the member banned on A: {answer.describe()}"
    )


def test_a_viewer_on_one_server_is_listed_on_the_other(servers):
    thread = path(servers.board.thread(PRESENCE_THREAD).url)
    viewer_a = member(servers.a, PRESENCE_MEMBER, "viewer-on-a")
    assert viewer_a.get(thread).status == 200
    guest_b = servers.b.browser("presence-guest-on-b")
    deadline = time.monotonic() + PRESENCE_SECONDS
    while True:
        page = guest_b.get(thread)
        viewers = pages.thread_viewers(page)
        if viewers is not None and PRESENCE_MEMBER in viewers.names:
            break
        assert time.monotonic() < deadline, (
            f"within {PRESENCE_SECONDS} s of {PRESENCE_MEMBER} opening the thread on A, a guest "
            f"on B never saw them among the viewers; last reading: {viewers}"
        )
        time.sleep(0.2)
    # And the other way: B's guest is counted on A.
    seen, readings = wait_for_viewers(
        viewer_a, thread, (2, 1, 1), time.monotonic() + PRESENCE_SECONDS
    )
    assert seen is not None, f"A never counted B's guest; readings: {readings}"


def test_a_session_from_one_server_works_on_the_other(servers):
    on_a = member(servers.a, SESSION_MEMBER, "session-on-a")
    cookie = on_a.cookie(SESSION_COOKIE)
    assert cookie, "no session cookie from server A"
    on_b = servers.b.browser("same-cookie-on-b")
    on_b.set_cookie(SESSION_COOKIE, cookie)
    account = on_b.get(pages.ACCOUNT_PATH, follow=False)
    assert account.status == 200, f"A's session cookie did not open B's account page: {account}"
    assert pages.signed_in_as(on_b.get("/")) == SESSION_MEMBER

    pages.log_out(on_b)  # ends the session everywhere: it is a row, not a cookie
    assert pages.redirects_to_login(on_a.get(pages.ACCOUNT_PATH, follow=False))
