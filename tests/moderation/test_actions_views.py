"""Moderator action pages over HTTP: confirmation pages, placeholders and tools shown to
moderators only, redirect stubs, inline moderation, and refusals of crafted requests (IDOR)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_category, create_forum
from parley.moderation.actions import services as actions
from parley.moderation.models import ModeratorLogEntry, PostRevision
from parley.permissions import registry
from parley.permissions.services import add_forum_moderator, make_forum_private
from tests.moderation.test_counters import assert_counters_consistent, counters_snapshot
from tests.world import build_world, make_member, warm_permission_cache


def _post(thread: Thread, position: int) -> Post:
    return Post.objects.filter(thread=thread, position=position).published().get()


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _state() -> tuple:
    """Everything a refused request must leave as it was."""
    threads = Thread.objects.order_by("pk").values_list(
        "pk", "forum_id", "is_deleted", "is_locked", "is_sticky", "prefix_id", "redirect_to_id"
    )
    posts = Post.objects.order_by("pk").values_list("pk", "thread_id", "is_deleted", "body_source")
    return (
        list(threads),
        list(posts),
        counters_snapshot(),
        ModeratorLogEntry.objects.count(),
    )


class ModeratorPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.url = cls.w.long_thread.get_absolute_url()

    def test_moderators_get_tools_and_checkboxes_members_do_not(self) -> None:
        self.client.force_login(self.w.moderator)
        html = self.client.get(self.url).content.decode()
        self.assertIn('id="inline-mod-posts"', html)
        self.assertIn('class="mod-check"', html)
        self.assertIn(f'action="{self.url}moderate/lock"', html)
        self.assertIn(f'href="{self.url}moderate/move"', html)
        for client_user in (self.w.member, None):
            self.client.logout()
            if client_user:
                self.client.force_login(client_user)
            html = self.client.get(self.url).content.decode()
            self.assertNotIn("inline-mod-posts", html)
            self.assertNotIn("mod-check", html)
            self.assertNotIn("moderate/", html)

    def test_deleted_post_is_a_placeholder_for_moderators_and_absent_for_others(self) -> None:
        victim = _post(self.w.long_thread, 3)  # Bob's
        actions.soft_delete_post(actor=self.w.moderator, post=victim, reason="Rude <b>words</b>")
        self.client.force_login(self.w.moderator)
        html = self.client.get(self.url).content.decode()
        self.assertIn(
            "Post by <strong>Bob</strong> deleted by <strong>Mod Squad</strong>: "
            "Rude &lt;b&gt;words&lt;/b&gt;",  # the reason is escaped
            html,
        )
        self.assertIn(f'action="/posts/{victim.pk}/moderate/undelete"', html)
        self.assertIn("Reply number 3", html)  # behind "Show the post"
        for user in (self.w.member, None):
            self.client.logout()
            if user:
                self.client.force_login(user)
            html = self.client.get(self.url).content.decode()
            self.assertNotIn("Reply number 3<", html)
            self.assertNotIn("deleted by", html)
            self.assertNotIn(f"post-{victim.pk}", html)

    def test_moderator_page_queries_do_not_grow_with_deleted_posts(self) -> None:
        self.client.force_login(self.w.moderator)
        warm_permission_cache(self.client)
        actions.soft_delete_post(actor=self.w.moderator, post=_post(self.w.long_thread, 2))
        self.client.get(self.url)
        with CaptureQueriesContext(connection) as one:
            self.client.get(self.url)
        for position in (4, 5, 6, 7, 8):
            actions.soft_delete_post(actor=self.w.admin, post=_post(self.w.long_thread, position))
        with CaptureQueriesContext(connection) as six:
            self.client.get(self.url)
        self.assertEqual(len(one), len(six))
        self.assertLessEqual(len(six), 9)

    def test_deleted_thread_is_404_for_members_and_shown_to_moderators(self) -> None:
        actions.soft_delete_thread(actor=self.w.moderator, thread=self.w.short_thread, reason="Dup")
        url = self.w.short_thread.get_absolute_url()
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.w.member)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertNotIn(
            "Favourite tea", self.client.get(self.w.lounge.get_absolute_url()).content.decode()
        )
        self.client.force_login(self.w.moderator)
        text = _text(self.client.get(url))
        self.assertIn("This thread was deleted by Mod Squad : Dup", text)
        html = self.client.get(self.w.lounge.get_absolute_url()).content.decode()
        self.assertIn("Favourite tea", html)
        self.assertIn(">Deleted</span>", html)

    def test_forum_page_has_thread_checkboxes_for_moderators(self) -> None:
        self.client.force_login(self.w.moderator)
        html = self.client.get(self.w.lounge.get_absolute_url()).content.decode()
        self.assertIn('id="inline-mod-threads"', html)
        self.assertIn(f'value="{self.w.short_thread.pk}" form="inline-mod-threads"', html)
        self.client.force_login(self.w.member)
        self.assertNotIn(
            "inline-mod-threads", self.client.get(self.w.lounge.get_absolute_url()).content.decode()
        )


class RedirectStubTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def _move(self, expires=None) -> Thread:  # type: ignore[no-untyped-def]
        actions.move_thread(
            actor=self.w.moderator,
            thread=self.w.short_thread,
            forum=self.w.news,
            leave_redirect=True,
            redirect_expires_at=expires,
        )
        return Thread.objects.get(redirect_to=self.w.short_thread)

    def test_old_forum_lists_moved_thread_linking_to_its_new_place(self) -> None:
        self._move()
        html = self.client.get(self.w.lounge.get_absolute_url()).content.decode()
        self.assertIn(">Moved</span>", html)
        self.assertIn(f'href="{self.w.short_thread.get_absolute_url()}">Favourite tea</a>', html)
        html = self.client.get(self.w.news.get_absolute_url()).content.decode()
        self.assertIn("Favourite tea", html)
        self.assertEqual(self.client.get(self.w.short_thread.get_absolute_url()).status_code, 200)

    def test_expired_redirect_is_not_listed(self) -> None:
        self._move(expires=timezone.now() - timedelta(minutes=1))
        html = self.client.get(self.w.lounge.get_absolute_url()).content.decode()
        self.assertNotIn("Favourite tea", html)

    def test_a_stubs_own_url_redirects_permanently(self) -> None:
        stub = self._move()
        response = self.client.get(stub.get_absolute_url())
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], self.w.short_thread.get_absolute_url())


class SingleActionViewTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_post_delete_confirms_then_deletes_with_reason(self) -> None:
        victim = _post(self.w.long_thread, 3)
        url = f"/posts/{victim.pk}/moderate/delete"
        self.client.force_login(self.w.moderator)
        page = self.client.get(url)
        self.assertContains(page, 'name="reason"')
        self.assertNotContains(page, "Delete permanently")  # administrators only
        self.assertFalse(Post.objects.get(pk=victim.pk).is_deleted)
        response = self.client.post(url, {"confirm": "1", "reason": "Spam"}, follow=True)
        self.assertContains(response, "Post deleted")
        victim.refresh_from_db()
        self.assertEqual((victim.is_deleted, victim.delete_reason), (True, "Spam"))
        assert_counters_consistent()

    def test_administrator_can_delete_permanently(self) -> None:
        victim = _post(self.w.long_thread, 3)
        url = f"/posts/{victim.pk}/moderate/delete"
        self.client.force_login(self.w.admin)
        self.assertContains(self.client.get(url), "Delete permanently")
        self.client.post(url, {"confirm": "1", "hard": "1", "reason": "Illegal"})
        self.assertFalse(Post.objects.filter(pk=victim.pk).exists())
        assert_counters_consistent()

    def test_moderator_cannot_smuggle_a_hard_delete(self) -> None:
        victim = _post(self.w.long_thread, 3)
        self.client.force_login(self.w.moderator)
        self.client.post(f"/posts/{victim.pk}/moderate/delete", {"confirm": "1", "hard": "1"})
        self.assertTrue(Post.objects.get(pk=victim.pk).is_deleted)  # soft, not gone

    def test_first_post_delete_offers_the_thread(self) -> None:
        first = _post(self.w.short_thread, 1)
        self.client.force_login(self.w.moderator)
        page = self.client.get(f"/posts/{first.pk}/moderate/delete")
        self.assertContains(page, "deleting it deletes the whole thread")
        self.client.post(f"/posts/{first.pk}/moderate/delete", {"confirm": "1"})
        self.assertTrue(Thread.objects.get(pk=self.w.short_thread.pk).is_deleted)
        assert_counters_consistent()

    def test_undelete_post(self) -> None:
        victim = _post(self.w.long_thread, 3)
        actions.soft_delete_post(actor=self.w.moderator, post=victim)
        self.client.force_login(self.w.moderator)
        self.assertEqual(self.client.get(f"/posts/{victim.pk}/moderate/undelete").status_code, 405)
        response = self.client.post(f"/posts/{victim.pk}/moderate/undelete")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Post.objects.get(pk=victim.pk).is_deleted)
        assert_counters_consistent()

    def test_moderator_edit_keeps_a_revision_with_the_reason(self) -> None:
        post = _post(self.w.long_thread, 3)
        self.client.force_login(self.w.moderator)
        url = f"/posts/{post.pk}/moderate/edit"
        self.assertContains(self.client.get(url), 'name="reason"')
        response = self.client.post(
            url, {"body": "Cleaned up", "edit_count": "0", "reason": "Phone number"}
        )
        self.assertEqual(response.status_code, 302)
        post.refresh_from_db()
        self.assertEqual(post.body_source, "Cleaned up")
        revision = PostRevision.objects.get(post=post)
        self.assertEqual(
            (revision.body_source, revision.reason), ("Reply number 3", "Phone number")
        )
        self.assertTrue(
            ModeratorLogEntry.objects.filter(action="post_edit", target_id=post.pk).exists()
        )

    def test_lock_and_unlock(self) -> None:
        t = self.w.short_thread
        self.client.force_login(self.w.moderator)
        self.client.post(f"{t.get_absolute_url()}moderate/lock")
        self.assertTrue(Thread.objects.get(pk=t.pk).is_locked)
        self.client.post(f"{t.get_absolute_url()}moderate/unlock")
        self.assertFalse(Thread.objects.get(pk=t.pk).is_locked)
        self.client.post(f"/threads/{t.pk}/moderate/stick")  # the slug is optional
        self.assertTrue(Thread.objects.get(pk=t.pk).is_sticky)

    def test_move_view_offers_only_allowed_forums(self) -> None:
        staff = create_forum(category=create_category(title="Staff"), title="Staff room")
        make_forum_private(
            forum=staff, allowed_groups=Group.objects.filter(name=registry.ADMINISTRATORS)
        )
        t = self.w.short_thread
        url = f"{t.get_absolute_url()}moderate/move"
        self.client.force_login(self.w.moderator)
        page = self.client.get(url).content.decode()
        self.assertIn("Breaking news", page)
        self.assertNotIn("Staff room", page)
        self.assertNotIn(f'value="{self.w.lounge.pk}"', page)  # where it already is
        response = self.client.post(url, {"forum": staff.pk, "reason": "x"})
        self.assertEqual(response.status_code, 200)  # the form again: not a valid choice
        self.assertEqual(Thread.objects.get(pk=t.pk).forum_id, self.w.lounge.pk)
        response = self.client.post(
            url, {"forum": self.w.news.pk, "leave_redirect": "on", "redirect_days": "7"}
        )
        self.assertRedirects(response, t.get_absolute_url(), fetch_redirect_response=False)
        stub = Thread.objects.get(redirect_to=t)
        self.assertIsNotNone(stub.redirect_expires_at)
        assert_counters_consistent()

    def test_prefix_view(self) -> None:
        t = self.w.short_thread
        self.client.force_login(self.w.moderator)
        self.client.post(f"{t.get_absolute_url()}moderate/prefix", {"prefix": self.w.breaking.pk})
        self.assertEqual(Thread.objects.get(pk=t.pk).prefix, self.w.breaking)

    def test_thread_delete_and_undelete_views(self) -> None:
        t = self.w.short_thread
        url = f"{t.get_absolute_url()}moderate/"
        self.client.force_login(self.w.moderator)
        self.assertContains(self.client.get(url + "delete"), 'name="reason"')
        self.client.post(url + "delete", {"confirm": "1", "reason": "Spam"})
        self.assertTrue(Thread.objects.get(pk=t.pk).is_deleted)
        self.client.post(url + "undelete")
        self.assertFalse(Thread.objects.get(pk=t.pk).is_deleted)
        assert_counters_consistent()


class InlineModerationTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.posts_url = f"{cls.w.long_thread.get_absolute_url()}moderate/posts"
        cls.threads_url = f"{cls.w.lounge.get_absolute_url()}moderate/threads"

    def setUp(self) -> None:
        self.client.force_login(self.w.moderator)

    def test_inline_delete_asks_for_a_reason_first(self) -> None:
        ids = [_post(self.w.long_thread, n).pk for n in (4, 9, 30)]
        page = self.client.post(self.posts_url, {"action": "delete", "ids": ids})
        self.assertContains(page, "Delete 3 posts?")
        self.assertFalse(Post.objects.filter(pk__in=ids, is_deleted=True).exists())
        for pk in ids:
            self.assertContains(page, f'name="ids" value="{pk}"')
        self.client.post(
            self.posts_url, {"action": "delete", "ids": ids, "confirm": "1", "reason": "Spam"}
        )
        self.assertEqual(Post.objects.filter(pk__in=ids, is_deleted=True).count(), 3)
        self.assertEqual(ModeratorLogEntry.objects.filter(action="post_delete").count(), 3)
        assert_counters_consistent()
        self.client.post(self.posts_url, {"action": "undelete", "ids": ids})
        self.assertFalse(Post.objects.filter(pk__in=ids, is_deleted=True).exists())
        assert_counters_consistent()

    def test_inline_split(self) -> None:
        ids = [_post(self.w.long_thread, n).pk for n in (10, 11)]
        page = self.client.post(self.posts_url, {"action": "split", "ids": ids})
        self.assertContains(page, 'name="title"')
        response = self.client.post(
            self.posts_url,
            {
                "action": "split",
                "ids": ids,
                "confirm": "1",
                "title": "Side topic",
                "forum": self.w.lounge.pk,
            },
        )
        new = Thread.objects.get(title="Side topic")
        self.assertRedirects(response, new.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(new.reply_count, 1)
        assert_counters_consistent()

    def test_inline_thread_lock_and_move(self) -> None:
        ids = [self.w.short_thread.pk, self.w.locked_thread.pk]
        self.client.post(self.threads_url, {"action": "stick", "ids": ids})
        self.assertEqual(Thread.objects.filter(pk__in=ids, is_sticky=True).count(), 2)
        page = self.client.post(self.threads_url, {"action": "move", "ids": ids})
        self.assertContains(page, 'name="forum"')
        self.client.post(
            self.threads_url,
            {
                "action": "move",
                "ids": ids,
                "confirm": "1",
                "forum": self.w.news.pk,
                "leave_redirect": "on",
            },
        )
        self.assertEqual(Thread.objects.filter(pk__in=ids, forum=self.w.news).count(), 2)
        self.assertEqual(Thread.objects.filter(redirect_to__in=ids, forum=self.w.lounge).count(), 2)
        self.assertEqual(Forum.objects.get(pk=self.w.lounge.pk).thread_count, 0)
        assert_counters_consistent()

    def test_inline_merge(self) -> None:
        ids = [self.w.short_thread.pk, self.w.locked_thread.pk]
        page = self.client.post(self.threads_url, {"action": "merge", "ids": ids})
        self.assertContains(page, 'name="target"')
        self.client.post(
            self.threads_url,
            {"action": "merge", "ids": ids, "confirm": "1", "target": self.w.short_thread.pk},
        )
        self.assertFalse(Thread.objects.filter(pk=self.w.locked_thread.pk).exists())
        self.assertEqual(Thread.objects.get(pk=self.w.short_thread.pk).reply_count, 1)
        assert_counters_consistent()

    def test_inline_thread_delete_confirms(self) -> None:
        ids = [self.w.short_thread.pk]
        self.assertContains(
            self.client.post(self.threads_url, {"action": "delete", "ids": ids}), "Delete 1 thread?"
        )
        self.assertFalse(Thread.objects.get(pk=ids[0]).is_deleted)
        self.client.post(self.threads_url, {"action": "delete", "ids": ids, "confirm": "1"})
        self.assertTrue(Thread.objects.get(pk=ids[0]).is_deleted)
        assert_counters_consistent()

    def test_nothing_ticked_is_a_message_not_an_error(self) -> None:
        response = self.client.post(self.posts_url, {"action": "delete"}, follow=True)
        self.assertContains(response, "Tick some posts")


class CraftedRequestTests(TestCase):
    """IDOR: ids of posts and threads the actor may not moderate are refused whole, and nothing
    changes."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.lounge_mod = make_member("Lounge Mod")
        add_forum_moderator(member=cls.lounge_mod, forum=cls.w.lounge)
        cls.news_post = _post(cls.w.long_thread, 3)
        cls.lounge_post = _post(cls.w.short_thread, 1)

    def assertRefused(self, response, *codes: int) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.assertIn(response.status_code, codes or (403, 404))

    def setUp(self) -> None:
        self.before = _state()

    def tearDown(self) -> None:
        self.assertEqual(_state(), self.before)

    def test_member_cannot_use_inline_moderation(self) -> None:
        self.client.force_login(self.w.member)
        url = f"{self.w.long_thread.get_absolute_url()}moderate/posts"
        data = {"action": "delete", "ids": [self.news_post.pk], "confirm": "1"}
        self.assertRefused(self.client.post(url, data), 403)
        url = f"{self.w.lounge.get_absolute_url()}moderate/threads"
        data = {"action": "lock", "ids": [self.w.short_thread.pk]}
        self.assertRefused(self.client.post(url, data), 403)

    def test_forum_moderator_cannot_reach_another_forum_through_their_own(self) -> None:
        self.client.force_login(self.lounge_mod)
        url = f"{self.w.short_thread.get_absolute_url()}moderate/posts"
        for action in ("delete", "undelete", "split"):
            data = {
                "action": action,
                "ids": [self.lounge_post.pk, self.news_post.pk],
                "confirm": "1",
            }
            self.assertRefused(self.client.post(url, data), 404)
        url = f"{self.w.lounge.get_absolute_url()}moderate/threads"
        for action in ("delete", "lock", "move", "merge"):
            data = {"action": action, "ids": [self.w.short_thread.pk, self.w.long_thread.pk]}
            self.assertRefused(self.client.post(url, {**data, "confirm": "1"}), 404)

    def test_forum_moderator_cannot_act_on_another_forum_directly(self) -> None:
        self.client.force_login(self.lounge_mod)
        t = self.w.long_thread.get_absolute_url()
        self.assertRefused(
            self.client.post(
                f"{t}moderate/posts", {"action": "delete", "ids": [self.news_post.pk]}
            ),
            403,
        )
        self.assertRefused(
            self.client.post(
                f"{self.w.news.get_absolute_url()}moderate/threads",
                {"action": "lock", "ids": [self.w.long_thread.pk]},
            ),
            403,
        )
        for change in ("lock", "stick", "undelete"):
            self.assertRefused(self.client.post(f"{t}moderate/{change}"), 403)
        for page in ("delete", "move", "prefix"):
            self.assertRefused(
                self.client.post(
                    f"{t}moderate/{page}", {"confirm": "1", "forum": self.w.lounge.pk}
                ),
                403,
            )
        for page in ("delete", "undelete", "edit"):
            data = {"confirm": "1", "body": "Hijacked", "edit_count": "0"}
            self.assertRefused(
                self.client.post(f"/posts/{self.news_post.pk}/moderate/{page}", data), 403
            )
        self.assertRefused(self.client.get(f"/posts/{self.news_post.pk}/history"), 404)

    def test_members_get_nothing_from_any_moderation_url(self) -> None:
        self.client.force_login(self.w.other)
        t = self.w.short_thread.get_absolute_url()
        post = f"/posts/{self.lounge_post.pk}/"
        for url in [
            *(
                f"{t}moderate/{p}"
                for p in (
                    "delete",
                    "undelete",
                    "lock",
                    "unlock",
                    "stick",
                    "unstick",
                    "prefix",
                    "move",
                    "posts",
                )
            ),
            f"{self.w.lounge.get_absolute_url()}moderate/threads",
            *(f"{post}moderate/{p}" for p in ("delete", "undelete", "edit")),
        ]:
            response = self.client.post(
                url,
                {
                    "confirm": "1",
                    "action": "delete",
                    "ids": [self.w.short_thread.pk],
                    "forum": self.w.news.pk,
                },
            )
            self.assertRefused(response, 403, 404)
        self.assertRefused(self.client.get(f"{post}history"), 404)
        self.assertRefused(self.client.get("/moderation/log/"), 404)

    def test_post_ids_from_another_thread_are_refused(self) -> None:
        self.client.force_login(self.w.moderator)
        url = f"{self.w.short_thread.get_absolute_url()}moderate/posts"
        data = {"action": "delete", "ids": [self.news_post.pk], "confirm": "1"}
        self.assertRefused(self.client.post(url, data), 404)
        self.assertRefused(self.client.post(url, {**data, "ids": ["999999"]}), 404)

    def test_private_forum_threads_stay_invisible(self) -> None:
        staff = create_forum(category=create_category(title="Staff"), title="Staff room")
        make_forum_private(
            forum=staff, allowed_groups=Group.objects.filter(name=registry.ADMINISTRATORS)
        )
        from parley.forums import services

        secret = services.create_thread(actor=self.w.admin, forum=staff, title="Secret", body="x")
        self.before = _state()
        self.client.force_login(self.w.moderator)
        url = f"{self.w.lounge.get_absolute_url()}moderate/threads"
        data = {
            "action": "merge",
            "ids": [self.w.short_thread.pk, secret.pk],
            "confirm": "1",
            "target": self.w.short_thread.pk,
        }
        self.assertRefused(self.client.post(url, data), 404)
        self.assertRefused(self.client.post(f"{secret.get_absolute_url()}moderate/lock"), 404)
