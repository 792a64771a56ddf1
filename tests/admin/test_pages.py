"""Django's admin (staff only) manages forums, groups and their permissions, members, prefixes
and report reasons; every page of every registered model opens (or is refused where the admin
offers no such change), and members who are not staff are kept out."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import Model
from django.test import TestCase
from django.utils import timezone

from parley.accounts.models import Member
from parley.core.models import FailedJob
from parley.feeds.importer.services import register_feed
from parley.feeds.models import ImportedEntry, NewsFeed
from parley.forums.models import Category, Forum, Prefix, Thread
from parley.moderation.models import Report, ReportEntry, ReportReason
from parley.permissions.models import ForumModerator
from parley.permissions.services import add_forum_moderator
from tests.world import World, build_world

PAGES = [
    "/admin/forums/forum/",
    "/admin/forums/category/",
    "/admin/forums/prefix/",
    "/admin/forums/thread/",
    "/admin/auth/group/",
    "/admin/accounts/member/",
    "/admin/permissions/forummoderator/",
    "/admin/moderation/reportreason/",
    "/admin/moderation/report/",
]


class AdminTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_every_page_opens_for_the_administrator(self) -> None:
        self.client.force_login(self.w.admin)
        registered = Group.objects.get(name="Registered")
        for url in [
            *PAGES,
            f"/admin/auth/group/{registered.pk}/change/",
            f"/admin/forums/forum/{self.w.news.pk}/change/",
            f"/admin/accounts/member/{self.w.member.pk}/change/",
        ]:
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_every_page_of_every_registered_model(self) -> None:
        samples = samples_of_every_model(self.w)
        self.client.force_login(self.w.admin)
        request = self.client.get("/admin/").wsgi_request
        for model, model_admin in admin.site._registry.items():
            meta = model._meta
            base = f"/admin/{meta.app_label}/{meta.model_name}/"
            self.assertIn(model, samples, f"{base}: add a sample to samples_of_every_model")
            obj = samples[model]
            allowed = {
                f"{base}": True,
                f"{base}add/": model_admin.has_add_permission(request),
                f"{base}{obj.pk}/change/": True,  # a view-only page where nothing may change
                f"{base}{obj.pk}/delete/": model_admin.has_delete_permission(request, obj),
                f"{base}{obj.pk}/history/": True,
            }
            for url, expected in allowed.items():
                with self.subTest(url=url):
                    self.assertEqual(self.client.get(url).status_code, 200 if expected else 403)

    def test_members_are_kept_out(self) -> None:
        self.client.force_login(self.w.member)
        response = self.client.get("/admin/forums/forum/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])


class AdminChangesReachReadersTests(TestCase):
    """Forum-tree changes made in the admin move the permission stamp, so every worker's cached
    tables are retired on the next request (a new forum shows, a deleted one goes)."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)
        self.guest = self.client_class()

    def forum_titles_for_guest(self) -> set[str]:
        from html.parser import HTMLParser

        class Titles(HTMLParser):
            def __init__(self) -> None:
                super().__init__()
                self.found: set[str] = set()
                self._in = False

            def handle_starttag(self, tag, attrs) -> None:  # type: ignore[no-untyped-def]
                href = dict(attrs).get("href") or ""
                self._in = tag == "a" and href.startswith("/forums/") and href.count("/") == 3

            def handle_data(self, data: str) -> None:
                if self._in and data.strip():
                    self.found.add(data.strip())
                    self._in = False

        parser = Titles()
        parser.feed(self.guest.get("/").content.decode())
        return parser.found

    def test_a_forum_added_in_the_admin_shows_at_once_and_a_deleted_category_goes(self) -> None:
        from parley.forums.models import Category
        from parley.permissions import grants

        self.assertIn("Breaking news", self.forum_titles_for_guest())  # tables cached now
        before = grants.version()
        response = self.client.post(
            "/admin/forums/forum/add/",
            {
                "category": self.w.category.pk,
                "title": "Fresh forum",
                "slug": "fresh-forum",
                "description": "",
                "display_order": 5,
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(grants.version(), before + 1)
        self.assertIn("Fresh forum", self.forum_titles_for_guest())

        other = Category.objects.create(title="Short-lived")
        response = self.client.post(f"/admin/forums/category/{other.pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(grants.version(), before + 2)


def samples_of_every_model(w: World) -> dict[type[Model], Model]:
    """One row of each model the admin registers."""
    now = timezone.now()
    post = w.long_thread.first_post
    report = Report.objects.create(post=post, created_at=now, report_count=1)
    reason = ReportReason.objects.first()
    ReportEntry.objects.create(
        report=report, reporter=w.other, reason=reason, reason_title=reason.title, created_at=now
    )
    feed = register_feed(
        actor=w.admin, url="https://news.example.com/rss", forum=w.news, member=w.member
    )
    return {
        Category: w.category,
        Forum: w.news,
        Prefix: w.breaking,
        Thread: w.long_thread,
        Group: Group.objects.get(name="Moderators"),
        Member: w.member,
        ForumModerator: add_forum_moderator(member=w.member, forum=w.lounge),
        ReportReason: reason,
        Report: report,
        FailedJob: FailedJob.objects.create(task="parley.core.tasks.x", task_id="1", error="E"),
        NewsFeed: feed,
        ImportedEntry: ImportedEntry.objects.create(feed=feed, title="A story", imported_at=now),
    }
