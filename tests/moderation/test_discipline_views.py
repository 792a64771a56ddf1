"""Warnings, bans and the spam cleaner over HTTP: the pages, what a banned member experiences,
and crafted requests from members that must change nothing."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums.models import Post, Thread
from parley.moderation.discipline import queries as discipline_queries
from parley.moderation.discipline import services as discipline
from parley.moderation.models import Ban, ModeratorLogEntry, Report, ReportReason, Warning
from parley.permissions.guardian import perms_for
from tests.moderation.test_discipline import DisciplineTestCase
from tests.world import PASSWORD, make_member


def member_path(member: Member, action: str) -> str:
    return f"/members/{member.slug}.{member.pk}/{action}"


class WarnPageTests(DisciplineTestCase):
    def test_the_warn_page_shows_active_points_and_warns(self) -> None:
        discipline.warn_member(actor=self.w.admin, member=self.w.other, points=3, reason="Earlier")
        self.client.force_login(self.w.moderator)
        url = f"/posts/{self.bob_post.pk}/warn"
        page = self.client.get(url)
        self.assertContains(page, "Active warnings: 3 points")
        self.assertContains(page, "Earlier")
        response = self.client.post(
            url, {"points": "2", "reason": "Rude reply", "expires_in": "30"}
        )
        self.assertRedirects(response, f"/posts/{self.bob_post.pk}/", fetch_redirect_response=False)
        warning = Warning.objects.get(reason="Rude reply")
        self.assertEqual((warning.points, warning.post_id), (2, self.bob_post.pk))
        self.assertAlmostEqual(
            warning.expires_at, timezone.now() + timedelta(days=30), delta=timedelta(minutes=1)
        )
        self.assertEqual(discipline_queries.active_warning_points(self.w.other), 5)

    def test_a_missing_reason_keeps_what_was_typed(self) -> None:
        self.client.force_login(self.w.moderator)
        response = self.client.post(
            f"/posts/{self.bob_post.pk}/warn", {"points": "7", "reason": ""}
        )
        self.assertContains(response, "Please give a reason.")
        self.assertContains(response, 'value="7"')
        self.assertFalse(Warning.objects.exists())

    def test_members_cannot_warn_by_crafted_post(self) -> None:
        self.client.force_login(self.w.member)
        url = f"/posts/{self.bob_post.pk}/warn"
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.post(url, {"points": "5", "reason": "x"}).status_code, 403)
        self.assertFalse(Warning.objects.exists())
        self.client.logout()
        self.assertEqual(self.client.post(url, {"points": "5", "reason": "x"}).status_code, 302)
        self.assertFalse(Warning.objects.exists())


class BanPageTests(DisciplineTestCase):
    def test_ban_and_lift_from_the_member_page(self) -> None:
        self.client.force_login(self.w.moderator)
        url = member_path(self.w.other, "ban")
        self.assertContains(self.client.get(url), "Ban Bob")
        response = self.client.post(url, {"length": "7", "reason": "Flame war"})
        self.assertRedirects(
            response, self.w.other.get_absolute_url(), fetch_redirect_response=False
        )
        ban = Ban.objects.get(member=self.w.other)
        self.assertAlmostEqual(
            ban.ends_at, timezone.now() + timedelta(days=7), delta=timedelta(minutes=1)
        )
        page = self.client.get(url)
        self.assertContains(page, "Flame war")
        self.assertContains(page, "Lift ban")
        self.client.post(member_path(self.w.other, "lift-ban"), {"reason": "Apologised"})
        self.assertIsNotNone(Ban.objects.get(pk=ban.pk).lifted_at)

    def test_a_permanent_ban(self) -> None:
        self.client.force_login(self.w.admin)
        self.client.post(member_path(self.w.other, "ban"), {"length": "", "reason": "Spam"})
        self.assertIsNone(Ban.objects.get(member=self.w.other).ends_at)

    def test_crafted_bans_from_members_and_forum_moderators_change_nothing(self) -> None:
        for actor in (self.w.member, self.lounge_mod):
            self.client.force_login(actor)
            for action, data in (
                ("ban", {"length": "", "reason": "x"}),
                ("lift-ban", {}),
                ("spam-clean", {"reason": "x", "confirm": "on"}),
            ):
                response = self.client.post(member_path(self.w.other, action), data)
                self.assertEqual(response.status_code, 403, (actor, action))
        self.assertFalse(Ban.objects.exists())
        self.assertFalse(Post.objects.filter(author=self.w.other, is_deleted=True).exists())
        self.assertFalse(ModeratorLogEntry.objects.filter(target_kind="member").exists())

    def test_lifting_is_post_only(self) -> None:
        self.client.force_login(self.w.moderator)
        self.assertEqual(self.client.get(member_path(self.w.other, "lift-ban")).status_code, 405)


class BannedMemberTests(DisciplineTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ends = timezone.now() + timedelta(days=2)
        discipline.ban_member(
            actor=cls.w.moderator, member=cls.w.other, reason="Trolling", ends_at=cls.ends
        )

    def test_can_log_in_and_sees_why_on_every_page(self) -> None:
        client = Client()
        response = client.post("/login/", {"username": "Bob", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)
        for url in ("/", self.w.short_thread.get_absolute_url(), self.w.news.get_absolute_url()):
            page = client.get(url)
            self.assertContains(page, "You have been banned until", msg_prefix=url)
            self.assertContains(page, "Trolling", msg_prefix=url)
        self.assertNotContains(self.client.get("/"), "You have been banned")

    def test_cannot_reply_start_threads_or_report(self) -> None:
        self.client.force_login(self.w.other)
        thread = self.w.short_thread
        posts, threads = Post.objects.count(), Thread.objects.count()
        reply = self.client.post(
            f"/threads/{thread.slug}.{thread.pk}/reply", {"body": "Let me in", "client_token": "b1"}
        )
        self.assertEqual(reply.status_code, 403)
        self.assertContains(reply, "You have been banned", status_code=403)
        new_thread = self.client.post(
            f"/forums/{self.w.lounge.slug}.{self.w.lounge.pk}/post-thread",
            {"title": "Still here", "body": "Hello", "client_token": "b2"},
        )
        self.assertEqual(new_thread.status_code, 403)
        alice_post = Post.objects.filter(author=self.w.member).first()
        reason = ReportReason.objects.create(title="Spam")
        report = self.client.post(f"/posts/{alice_post.pk}/report", {"reason": reason.pk})
        self.assertEqual(report.status_code, 403)
        self.assertEqual((Post.objects.count(), Thread.objects.count()), (posts, threads))
        self.assertFalse(Report.objects.exists())
        self.assertNotContains(self.client.get(thread.get_absolute_url()), 'id="quick-reply"')

    def test_the_ban_ends_by_itself(self) -> None:
        from unittest import mock

        self.client.force_login(self.w.other)
        thread = self.w.short_thread
        with mock.patch("django.utils.timezone.now", return_value=self.ends + timedelta(hours=1)):
            page = self.client.get("/")
            response = self.client.post(
                f"/threads/{thread.slug}.{thread.pk}/reply",
                {"body": "Back, and behaving", "client_token": "b3"},
            )
        self.assertNotContains(page, "You have been banned")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Post.objects.filter(body_source="Back, and behaving").exists())


class SpamCleanPageTests(DisciplineTestCase):
    def test_confirm_then_clean(self) -> None:
        spammer = make_member("Spam Bot", joined_at=timezone.now() - timedelta(days=2))
        from parley.forums import services

        services.create_thread(actor=spammer, forum=self.w.lounge, title="Pills", body="Cheap")
        url = member_path(spammer, "spam-clean")
        self.client.force_login(self.w.moderator)
        page = self.client.get(url)
        self.assertContains(page, "1 thread")
        self.assertContains(page, "1 post")
        response = self.client.post(url, {"reason": "Spam"})
        self.assertContains(response, "Tick the box to confirm.")
        self.assertFalse(Thread.objects.get(title="Pills").is_deleted)
        response = self.client.post(url, {"reason": "Spam", "confirm": "on"}, follow=True)
        self.assertContains(response, "Removed 1 thread(s) and 1 post(s)")
        self.assertTrue(Thread.objects.get(title="Pills").is_deleted)
        self.assertIsNone(Ban.objects.get(member=spammer).ends_at)


class TemplateToolTests(DisciplineTestCase):
    """The template tags other pages use to link here, and their URLs against the URLconf."""

    def render(self, source: str, user: Member | None, **context: object) -> str:
        request = RequestFactory().get("/")
        request.user = user or AnonymousUser()
        request.perms = perms_for(user)
        return Template("{% load discipline moderator_tools %}" + source).render(
            Context({"request": request, **context})
        )

    def test_urls_match_the_urlconf(self) -> None:
        bob = self.w.other
        self.assertEqual(
            self.bob_post.action_url("warn"), reverse("post-warn", args=[self.bob_post.pk])
        )
        tools = "{% member_discipline_tools member as t %}{{ t.ban_url }} {{ t.spam_clean_url }}"
        self.assertEqual(
            self.render(tools, self.w.moderator, member=bob),
            f"{reverse('member-ban', args=[bob.slug, bob.pk])} "
            f"{reverse('member-spam-clean', args=[bob.slug, bob.pk])}",
        )
        queue = "{% approval_queue_url as url %}{{ url }}"
        self.assertEqual(self.render(queue, self.lounge_mod), reverse("approval-queue"))

    def test_readers_without_the_right_get_nothing(self) -> None:
        tools = "{% member_discipline_tools member as t %}{{ t.ban_url }}"
        queue = "{% approval_queue_url as url %}{{ url }}"
        for reader in (None, self.w.member, self.lounge_mod):
            self.assertEqual(self.render(tools, reader, member=self.w.other), "", reader)
        for reader in (None, self.w.member):
            self.assertEqual(self.render(queue, reader), "", reader)

    def test_warn_link_predicate(self) -> None:
        self.assertTrue(perms_for(self.lounge_mod).can_warn_post(self.bob_post))
        self.assertFalse(perms_for(self.lounge_mod).can_warn_post(self.alice_news_post))
        self.assertFalse(perms_for(self.w.other).can_warn_post(self.bob_post))
        self.assertFalse(perms_for(self.w.member).can_warn_post(self.bob_post))
