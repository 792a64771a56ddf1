"""The news feed admin: adding a feed (checked by the services), its page showing how the last
fetch went, and "Fetch now" (a button on the page, an action on the list) saying what it did.
Jobs run inline in the test settings, so the fetch has happened when the page comes back."""

from __future__ import annotations

from html.parser import HTMLParser
from unittest.mock import patch

from django.test import TestCase
from django.utils import timezone

from parley.feeds.importer import services
from parley.feeds.models import NewsFeed
from parley.forums.models import Thread
from parley.forums.services.structure import create_forum
from parley.permissions.services import make_forum_private
from tests.admin.support import submit, tables_cached_as_committed
from tests.feeds.importer_server import RSS2, feed_server, serve
from tests.world import build_world

ADD = "/admin/feeds/newsfeed/add/"
LIST = "/admin/feeds/newsfeed/"


class _AdminPage(HTMLParser):
    """Read-only field values by field name, the messages, and the forms' actions."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self.messages: list[str] = []
        self.errors: list[str] = []
        self.forms: dict[str, str] = {}  # action -> its button's text
        self._field: str | None = None
        self._capture: list[str] | None = None
        self._depth = 0
        self._form: str | None = None
        self._button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "div":
            self._depth += 1
            for c in classes:
                if c.startswith("field-"):
                    self._field = c.removeprefix("field-")
            if "readonly" in classes and self._field:
                self._capture = []
        if (
            tag == "li"
            and self._capture is None
            and any(c in classes for c in ("success", "info", "error", "warning"))
        ):  # noqa: E501
            self._capture = []
            self._field = f"message:{a['class']}"
        if tag == "ul" and "errorlist" in classes:
            self._capture, self._field = [], "error"
        if tag == "form":
            self._form = a.get("action", "")
        if tag == "button" and self._form is not None:
            self._button = True

    def handle_endtag(self, tag: str) -> None:
        if self._capture is not None and tag in ("div", "li", "ul") and self._field:
            text = " ".join("".join(self._capture).split())
            if self._field.startswith("message:"):
                self.messages.append(text)
            elif self._field == "error":
                self.errors.append(text)
            else:
                self.fields[self._field] = text
            self._capture = None
            self._field = None if tag != "div" else self._field
        if tag == "form":
            self._form = None
        if tag == "button":
            self._button = False

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._capture.append(data)
        if self._button and self._form is not None:
            self.forms[self._form] = self.forms.get(self._form, "") + data.strip()


def page(html: bytes) -> _AdminPage:
    parser = _AdminPage()
    parser.feed(html.decode())
    return parser


class FeedAdminTests(TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls._server_context = feed_server()
        cls.server = cls._server_context.__enter__()
        cls.server.route("/gazette.xml", serve(RSS2))
        cls.server.route("/broken.xml", serve("oops", status=500))
        cls._allow = cls.server.allowed()
        cls._allow.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._allow.disable()
        cls._server_context.__exit__(None, None, None)

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.bot = services.ensure_news_member()

    def setUp(self) -> None:
        tables_cached_as_committed()
        self.client.force_login(self.w.admin)

    def add(self, url: str, **changes: str) -> object:
        fields = {
            "url": url,
            "forum": str(self.w.news.pk),
            "prefix": str(self.w.breaking.pk),
            "interval_minutes": "30",
            "excerpt_chars": "0",
            "is_active": "on",
            **changes,
        }
        return submit(self.client, ADD, fields)

    def test_adding_a_feed_then_fetching_it_now(self) -> None:
        response = self.add(self.server.url("/gazette.xml"))
        assert response.status_code == 302, page(response.content).errors
        feed = NewsFeed.objects.get()
        assert feed.member == self.bot  # the Newsroom account is offered first
        assert feed.next_fetch_at is not None and feed.last_fetch_at is None
        change = f"/admin/feeds/newsfeed/{feed.pk}/change/"
        before = page(self.client.get(change).content)
        assert before.forms[f"/admin/feeds/newsfeed/{feed.pk}/fetch/"] == "Fetch now"
        assert before.fields["last_fetch_at"] == "-" and before.fields["entries_imported"] == "0"

        response = self.client.post(f"/admin/feeds/newsfeed/{feed.pk}/fetch/", follow=True)
        assert response.redirect_chain == [(change, 302)]
        after = page(response.content)
        assert after.messages == [
            "Fetched The Carrowmere Gazette: 2 posted, 0 added to existing stories, 0 skipped."
        ]
        assert after.fields["entries_imported"] == "2" and after.fields["failure_count"] == "0"
        assert after.fields["last_result"].startswith("2 posted")
        assert after.fields["last_fetch_at"] != "-"
        assert Thread.objects.filter(author=self.bot, prefix=self.w.breaking).count() == 2
        assert self.client.get(f"/admin/feeds/newsfeed/{feed.pk}/fetch/").status_code == 405

    def test_a_failed_fetch_shows_its_error_and_when(self) -> None:
        feed = services.register_feed(
            actor=self.w.admin,
            url=self.server.url("/broken.xml"),
            forum=self.w.news,
            member=self.bot,
        )
        response = self.client.post(
            LIST, {"action": "fetch_now", "_selected_action": [str(feed.pk)]}, follow=True
        )  # noqa: E501
        assert page(response.content).messages == [
            f"Fetching {feed.url} failed: The server answered HTTP 500."
        ]
        shown = page(self.client.get(f"/admin/feeds/newsfeed/{feed.pk}/change/").content).fields
        assert shown["last_error"] == "The server answered HTTP 500."
        assert shown["last_error_at"] == shown["last_fetch_at"] != "-"
        assert shown["failure_count"] == "1"

    def test_with_a_real_queue_the_page_says_the_fetch_is_queued(self) -> None:
        feed = services.register_feed(
            actor=None, url=self.server.url("/gazette.xml"), forum=self.w.news, member=self.bot
        )
        fetch_url = f"/admin/feeds/newsfeed/{feed.pk}/fetch/"
        with patch("parley.feeds.admin.jobs.safe_enqueue", return_value=True) as enqueue:
            response = self.client.post(fetch_url, follow=True)
        assert enqueue.call_args.args[1:] == (feed.pk,)
        assert page(response.content).messages == [
            f"Fetching {feed.url} is queued: the job worker fetches it in a moment. Reload this "
            "page to see what it did."
        ]
        with patch("parley.feeds.admin.jobs.safe_enqueue", return_value=False):
            response = self.client.post(fetch_url, follow=True)
        assert page(response.content).messages == [
            f"Could not fetch {feed.url}: the job queue is unavailable. Try again shortly, or run "
            f"`parley feeds fetch {feed.pk}`."
        ]
        feed.refresh_from_db()
        assert feed.last_fetch_at is None

    def test_refused_settings_show_under_their_fields(self) -> None:
        private = create_forum(category=self.w.category, title="Back office")
        make_forum_private(forum=private, allowed_groups=[])
        tables_cached_as_committed()
        response = self.add("ftp://x.example.com/rss", forum=str(private.pk), interval_minutes="2")
        assert response.status_code == 200
        assert page(response.content).errors == [
            "The feed address must be a web address starting with http:// or https://.",
            "Newsroom may not start threads in Back office.",
            "Fetch every 5 to 10,080 minutes.",
        ]
        assert not NewsFeed.objects.exists()

    def test_staff_who_are_not_administrators_are_kept_out(self) -> None:
        feed = services.register_feed(
            actor=None, url=self.server.url("/gazette.xml"), forum=self.w.news, member=self.bot
        )
        self.client.force_login(self.w.moderator)
        assert self.client.get(LIST).status_code == 403
        assert self.client.post(f"/admin/feeds/newsfeed/{feed.pk}/fetch/").status_code == 403
        feed.refresh_from_db()
        assert feed.last_fetch_at is None

    def test_changing_the_address_starts_afresh_and_keeps_the_fetch_state_its_own(self) -> None:
        feed = services.register_feed(
            actor=None, url=self.server.url("/broken.xml"), forum=self.w.news, member=self.bot
        )
        services.fetch_and_import(feed, timeout=1)
        NewsFeed.objects.filter(pk=feed.pk).update(etag='"old"', last_result="Fetched later")
        change = f"/admin/feeds/newsfeed/{feed.pk}/change/"
        response = submit(self.client, change, {"url": self.server.url("/gazette.xml")})
        assert response.status_code == 302, page(response.content).errors
        feed.refresh_from_db()
        assert (feed.url, feed.etag, feed.failure_count) == (self.server.url("/gazette.xml"), "", 0)
        assert feed.last_result == "Fetched later"  # written by a fetch, not by the form
        assert feed.last_error == "The server answered HTTP 500."  # kept for reading
        assert feed.next_fetch_at is not None and feed.next_fetch_at <= timezone.now()
