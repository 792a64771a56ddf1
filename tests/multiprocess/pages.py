"""What a visitor reads off Parley's pages, and the few things they do (log in, log out), in terms
of the rendered HTML: the nav, the ban notice, the reply box, presence blocks, report badges."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

from tests.multiprocess.client import Browser, Element, Form, Page

LOGIN_PATH = "/login/"
LOGOUT_PATH = "/logout/"
ACCOUNT_PATH = "/account/"

# --- Logging in and out -------------------------------------------------------------------------


def log_in(browser: Browser, login: str, password: str) -> Page:
    """Fill in the login form; the page the browser ends on (whatever happened)."""
    page = browser.get(LOGIN_PATH)
    form = page.form(having="password")
    assert form is not None, f"no login form on {page.describe()}"
    form["username"] = login
    form["password"] = password
    return browser.submit(form)


def must_log_in(browser: Browser, login: str, password: str) -> Page:
    page = log_in(browser, login, password)
    assert signed_in_as(page) == login, (
        f"{browser.name} could not log in as {login!r}: {page.describe()}"
    )
    return page


def log_out(browser: Browser, page: Page | None = None) -> Page:
    """Press "Log out" in the nav of `page` (by default, a freshly loaded index)."""
    page = page or browser.get("/")
    form = logout_form(page)
    assert form is not None, f"{browser.name} has no Log out button on {page.describe()}"
    return browser.submit(form)


def logout_form(page: Page) -> Form | None:
    return page.form(action=LOGOUT_PATH)


def _own_text(el: Element) -> str:
    return " ".join("".join(c for c in el.children if isinstance(c, str)).split())


def signed_in_as(page: Page) -> str | None:
    """The member name in the account nav, or None for a guest's page."""
    nav = page.doc.find("nav", cls="user-nav")
    link = nav.find("a", cls="user-link") if nav is not None else None
    if link is None:
        return None
    name = link.find("span", cls="user-name")  # beside the avatar's initial
    return _own_text(name if name is not None else link)


def profile_url(page: Page) -> str:
    url = page.link(cls="user-link")
    assert url, f"no link to the member's own profile on {page.describe()}"
    return url


def redirects_to_login(page: Page) -> bool:
    return page.is_redirect and urllib.parse.urlsplit(page.location or "").path == LOGIN_PATH


def messages(page: Page) -> list[str]:
    """The flash messages shown at the top of the page."""
    box = page.doc.find("ul", cls="messages")
    return [li.text for li in box.find_all("li")] if box is not None else []


def form_errors(page: Page) -> list[str]:
    return [el.text for el in page.doc.find_all(cls="form-errors")]


# --- Threads ------------------------------------------------------------------------------------


def ban_notice(page: Page) -> str | None:
    el = page.doc.find("div", cls="ban-notice")
    return el.text if el is not None else None


def reply_form(page: Page) -> Form | None:
    """The quick-reply box at the bottom of a thread page."""
    box = page.doc.find("section", id="quick-reply")
    if box is None:
        return None
    form = box.find("form")
    return Form(form, page.url) if form is not None else None


def post_texts(page: Page) -> list[str]:
    return [el.text for el in page.doc.find_all("div", cls="post-body")]


def all_post_texts(browser: Browser, thread_url: str) -> list[str]:
    """Every post body of a thread, page by page, as this browser may read them."""
    texts: list[str] = []
    url: str | None = thread_url
    for _ in range(50):
        if url is None:
            break
        page = browser.get(url)
        assert page.status == 200, f"{browser.name} could not read {url}: {page.describe()}"
        texts += post_texts(page)
        url = page.link(cls="pagenav-next")
    return texts


PRESENCE = re.compile(r"\(Total: ([\d,]+), Members: ([\d,]+), Guests: ([\d,]+)\)")


@dataclass(frozen=True)
class Viewers:
    total: int
    members: int
    guests: int
    names: tuple[str, ...]


def thread_viewers(page: Page) -> Viewers | None:
    """The "Users Who Are Viewing This Thread (Total: …)" block, or None if the page has none."""
    block = page.doc.find("section", cls="presence-viewers")
    if block is None:
        return None
    heading = block.find(cls="block-header")
    match = PRESENCE.search(heading.text if heading is not None else "")
    assert match, f"unreadable presence block: {block.text!r}"
    total, members, guests = (int(g.replace(",", "")) for g in match.groups())
    names_el = block.find(cls="presence-names")
    names = tuple(a.text for a in names_el.find_all("a")) if names_el is not None else ()
    return Viewers(total, members, guests, names)


# --- Moderators' nav ----------------------------------------------------------------------------


def reports_badge(page: Page) -> int | None:
    """The number on the nav's Reports link (0 when it has no badge); None without the link."""
    link = page.doc.find("a", cls="nav-reports")
    if link is None:
        return None
    badge = link.find(cls="badge")
    return int(badge.text.replace(",", "")) if badge is not None else 0


def reports_link(page: Page) -> str:
    url = page.link(cls="nav-reports")
    assert url, f"no Reports link in the nav of {page.describe()}"
    return url


def report_queue_counts(page: Page) -> dict[str, int]:
    """The counts on the queue's state tabs ("Open 1", "Assigned 0"), by tab name."""
    tabs = page.doc.find("nav", cls="tabs")
    assert tabs is not None, f"no state tabs on the report queue: {page.describe()}"
    counts = {}
    for a in tabs.find_all("a"):
        count = a.find(cls="count")
        if count is not None:
            counts[_own_text(a)] = int(count.text.replace(",", ""))
    return counts


def report_rows(page: Page) -> list[Element]:
    return page.doc.find_all("div", cls="report-row")


# --- The board, as a guest finds it -------------------------------------------------------------


@dataclass
class ThreadLink:
    title: str
    url: str


@dataclass
class ForumLink:
    title: str
    url: str
    threads: list[ThreadLink] = field(default_factory=list)

    @property
    def id(self) -> int:
        """From the XenForo-style URL, /forums/<slug>.<id>/."""
        return int(urllib.parse.urlsplit(self.url).path.rstrip("/").rsplit(".", 1)[-1])


@dataclass
class Board:
    forums: list[ForumLink]

    def forum_with(self, thread_title: str) -> ForumLink:
        for forum in self.forums:
            if any(t.title.startswith(thread_title) for t in forum.threads):
                return forum
        raise AssertionError(f"no forum lists a thread called {thread_title!r}: {self}")

    def thread(self, title: str) -> ThreadLink:
        for forum in self.forums:
            for t in forum.threads:
                if t.title.startswith(title):
                    return t
        raise AssertionError(f"no thread called {title!r} on the board: {self}")


def read_board(browser: Browser) -> Board:
    """Forums linked from the index and the threads on each forum's first page."""
    index = browser.get("/")
    assert index.status == 200, index.describe()
    links = [a for h3 in index.doc.find_all("h3", cls="node-title") for a in h3.find_all("a")]
    links += [a for ul in index.doc.find_all("ul", cls="subforums") for a in ul.find_all("a")]
    forums = [
        ForumLink(a.text, urllib.parse.urljoin(index.url, a.get("href") or "")) for a in links
    ]
    for forum in forums:
        page = browser.get(forum.url)
        assert page.status == 200, page.describe()
        forum.threads = [
            ThreadLink(a.text, urllib.parse.urljoin(page.url, a.get("href") or ""))
            for a in page.doc.find_all("a", cls="thread-link")
        ]
    return Board(forums)
