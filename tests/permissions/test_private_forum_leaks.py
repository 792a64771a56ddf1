"""A private forum is invisible to those who may not view it: its threads, titles, counts and
last-post lines appear nowhere for them, and its URLs answer 404."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client, TestCase

from parley.forums import services
from parley.forums.models import Forum
from parley.forums.services.structure import create_category, create_forum
from parley.permissions import registry
from parley.permissions.services import make_forum_private
from tests.world import build_world

SECRET = "Secret plans for the staff party"
SECRET_BODY = "Nobody outside staff should read this"


class PrivateForumLeakTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        staff = create_category(title="Staff only")
        cls.staff_room = create_forum(category=staff, title="Staff room")
        # A private sub-forum under a public forum: its counts must not leak into the parent's.
        cls.hidden_sub = create_forum(
            category=cls.w.category, parent=cls.w.news, title="Embargoed stories"
        )
        allowed = Group.objects.filter(name__in=[registry.MODERATORS, registry.ADMINISTRATORS])
        for forum in (cls.staff_room, cls.hidden_sub):
            make_forum_private(forum=forum, allowed_groups=allowed)
        cls.secret = services.create_thread(
            actor=cls.w.moderator, forum=cls.staff_room, title=SECRET, body=SECRET_BODY
        )
        cls.secret_reply = services.reply_to_thread(
            actor=cls.w.moderator, thread=cls.secret, body=SECRET_BODY + " either"
        )
        cls.embargoed = services.create_thread(
            actor=cls.w.moderator,
            forum=cls.hidden_sub,
            title="Embargoed: harbour report",
            body="Embargoed text",
        )

    def _readers(self) -> dict[str, Client]:
        guest = Client()
        member = Client()
        member.force_login(self.w.member)
        return {"guest": guest, "member": member}

    def test_listings_never_mention_the_private_forum(self) -> None:
        pages = [
            "/",
            self.w.news.get_absolute_url(),
            "/whats-new/",
            "/whats-new/posts/",
            "/whats-new/threads/",
            self.w.moderator.get_absolute_url(),
        ]
        for name, client in self._readers().items():
            for page in pages:
                response = client.get(page)
                self.assertEqual(response.status_code, 200, f"{name} {page}")
                html = response.content.decode()
                for leak in (SECRET, SECRET_BODY, "Staff room", "Embargoed"):
                    self.assertNotIn(leak, html, f"{name} sees {leak!r} on {page}")

    def test_parent_forum_totals_leave_out_the_private_sub_forum(self) -> None:
        html = Client().get("/").content.decode()
        news_posts = Forum.objects.get(pk=self.w.news.pk).post_count  # its own posts only
        self.assertIn(f"<dd>{news_posts}</dd>", html)
        self.assertNotIn(f"<dd>{news_posts + 1}</dd>", html)

    def test_private_urls_answer_404(self) -> None:
        t, p = self.secret, self.secret_reply
        urls = [
            self.staff_room.get_absolute_url(),
            f"{self.staff_room.get_absolute_url()}post-thread",
            t.get_absolute_url(),
            t.page_url(2),
            t.reply_url(),
            f"{t.get_absolute_url()}new-replies?after=0",
            f"{t.get_absolute_url()}unread",
            p.get_absolute_url(),
            p.quote_url,
            p.edit_url,
            p.delete_url,
            p.report_url,
        ]
        for name, client in self._readers().items():
            for url in urls:
                response = client.get(url)
                # Guests may be sent to log in first for member-only pages; never a 200/403.
                if name == "guest" and response.status_code == 302:
                    self.assertIn("/login/", response["Location"], url)
                    continue
                self.assertEqual(response.status_code, 404, f"{name} {url}")

    def test_staff_see_it(self) -> None:
        client = Client()
        client.force_login(self.w.moderator)
        self.assertContains(client.get("/"), "Staff room")
        self.assertContains(client.get(self.secret.get_absolute_url()), SECRET_BODY)
        self.assertContains(client.get("/whats-new/posts/"), SECRET)
