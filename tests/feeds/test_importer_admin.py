"""The news feed admin: adding a feed (checked by the services), its page showing how the last
fetch went, and "Fetch now" (a button on the page, an action on the list) saying what it did.
Jobs run inline in the test settings, so the fetch has happened when the page comes back."""

from __future__ import annotations

from unittest.mock import patch

from django.utils import timezone

from parley.feeds.importer import services
from parley.feeds.models import NewsFeed
from parley.forums.models import Thread
from parley.forums.services.structure import create_forum
from parley.permissions.services import make_forum_private
from tests.admin.support import submit, tables_cached_as_committed
from tests.core.parsed import parse
from tests.feeds.importer_case import ServedFeedTestCase
from tests.feeds.importer_server import RSS2, serve

ADD = "/admin/feeds/newsfeed/add/"
LIST = "/admin/feeds/newsfeed/"


class AdminPage:
    """An admin page's read-only field values by field name, its messages, its error messages,
    and its forms' actions (each with its buttons' text)."""

    def __init__(self, html: bytes) -> None:
        root = parse(html)
        self.fields: dict[str, str] = {}
        for row in root.find_all("div"):  # a field's row: class "field-<name>", a readonly inside
            names = [c.removeprefix("field-") for c in row.classes if c.startswith("field-")]
            readonly = row.first("div", cls="readonly")
            if names and readonly is not None:
                self.fields.update(dict.fromkeys(names, readonly.folded_text))
        self.messages = [
            li.folded_text
            for ul in root.find_all("ul", cls="messagelist")
            for li in ul.find_all("li")
        ]
        self.errors = [
            li.folded_text
            for ul in root.find_all("ul", cls="errorlist")
            for li in ul.find_all("li")
        ]
        self.forms = {
            form.attrs.get("action", ""): "".join(b.folded_text for b in buttons)
            for form in root.find_all("form")
            if (buttons := form.find_all("button"))
        }


class FeedAdminTests(ServedFeedTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server.route("/gazette.xml", serve(RSS2))
        cls.server.route("/broken.xml", serve("oops", status=500))

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
        assert response.status_code == 302, AdminPage(response.content).errors
        feed = NewsFeed.objects.get()
        assert feed.member == self.bot  # the Newsroom account is offered first
        assert feed.next_fetch_at is not None and feed.last_fetch_at is None
        change = f"/admin/feeds/newsfeed/{feed.pk}/change/"
        before = AdminPage(self.client.get(change).content)
        assert before.forms[f"/admin/feeds/newsfeed/{feed.pk}/fetch/"] == "Fetch now"
        assert before.fields["last_fetch_at"] == "-" and before.fields["entries_imported"] == "0"

        response = self.client.post(f"/admin/feeds/newsfeed/{feed.pk}/fetch/", follow=True)
        assert response.redirect_chain == [(change, 302)]
        after = AdminPage(response.content)
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
        assert AdminPage(response.content).messages == [
            f"Fetching {feed.url} failed: The server answered HTTP 500."
        ]
        shown = AdminPage(
            self.client.get(f"/admin/feeds/newsfeed/{feed.pk}/change/").content
        ).fields
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
        assert AdminPage(response.content).messages == [
            f"Fetching {feed.url} is queued: the job worker fetches it in a moment. Reload this "
            "page to see what it did."
        ]
        with patch("parley.feeds.admin.jobs.safe_enqueue", return_value=False):
            response = self.client.post(fetch_url, follow=True)
        assert AdminPage(response.content).messages == [
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
        assert AdminPage(response.content).errors == [
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
        assert response.status_code == 302, AdminPage(response.content).errors
        feed.refresh_from_db()
        assert (feed.url, feed.etag, feed.failure_count) == (self.server.url("/gazette.xml"), "", 0)
        assert feed.last_result == "Fetched later"  # written by a fetch, not by the form
        assert feed.last_error == "The server answered HTTP 500."  # kept for reading
        assert feed.next_fetch_at is not None and feed.next_fetch_at <= timezone.now()
