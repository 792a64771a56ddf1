"""Moderator action services: each one's effect, its log entry, its permission check, and the
counters (checked against resync after every action)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone

from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_category, create_forum, create_prefix
from parley.moderation.actions import services as actions
from parley.moderation.models import ModeratorLogEntry, PostRevision
from parley.permissions import registry
from parley.permissions.services import add_forum_moderator, make_forum_private
from tests.moderation.test_counters import assert_counters_consistent
from tests.world import THREE_PAGE_POSTS, build_world, make_member


def _post(thread: Thread, position: int) -> Post:
    return Post.objects.filter(thread=thread, position=position).published().get()


def _fresh(obj):  # type: ignore[no-untyped-def]
    obj.refresh_from_db()
    return obj


def _positions(thread: Thread) -> list[int]:
    return list(
        Post.objects.filter(thread=thread)
        .published()
        .order_by("position")
        .values_list("position", flat=True)
    )


class PostActionTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        ModeratorLogEntry.objects.all().delete()  # the world's lock; each test counts its own

    def test_soft_delete_hides_the_post_and_keeps_positions_contiguous(self) -> None:
        t = self.w.long_thread
        victim = _post(t, 10)
        alice_before = _fresh(self.w.member).message_count
        actions.soft_delete_post(actor=self.w.moderator, post=victim, reason="Off topic")
        victim.refresh_from_db()
        self.assertTrue(victim.is_deleted)
        self.assertEqual(victim.deleted_by, self.w.moderator)
        self.assertEqual(victim.delete_reason, "Off topic")
        self.assertEqual(victim.position, 9)  # shares its predecessor's
        self.assertEqual(_positions(t), list(range(1, THREE_PAGE_POSTS)))
        self.assertEqual(_fresh(t).reply_count, THREE_PAGE_POSTS - 2)
        self.assertEqual(_fresh(self.w.member).message_count, alice_before - 1)
        self.assertEqual(_fresh(self.w.news).post_count, THREE_PAGE_POSTS - 1)
        entry = ModeratorLogEntry.objects.get(action="post_delete")
        self.assertEqual(
            (entry.actor, entry.target_id, entry.reason), (self.w.moderator, victim.pk, "Off topic")
        )
        assert_counters_consistent()

    def test_deleting_neighbours_and_undeleting_in_any_order(self) -> None:
        t = self.w.long_thread
        a, b, c = _post(t, 5), _post(t, 6), _post(t, 7)
        for post in (b, a, c):
            actions.soft_delete_post(actor=self.w.moderator, post=post)
            assert_counters_consistent()
        for post in (c, a, b):
            actions.undelete_post(actor=self.w.moderator, post=_fresh(post))
            assert_counters_consistent()
        self.assertEqual(_positions(t), list(range(1, THREE_PAGE_POSTS + 1)))
        self.assertEqual(
            list(ModeratorLogEntry.objects.values_list("action", flat=True).order_by("id")),
            ["post_delete"] * 3 + ["post_undelete"] * 3,
        )

    def test_deleting_the_last_post_moves_the_last_post_back(self) -> None:
        t = self.w.long_thread
        last = _post(t, THREE_PAGE_POSTS)
        actions.soft_delete_post(actor=self.w.moderator, post=last)
        t.refresh_from_db()
        self.assertEqual(t.last_post, _post(t, THREE_PAGE_POSTS - 1))
        self.assertEqual(_fresh(self.w.news).last_post_id, t.last_post_id)
        assert_counters_consistent()

    def test_deleting_the_first_post_deletes_the_thread(self) -> None:
        t = self.w.short_thread
        actions.soft_delete_post(actor=self.w.moderator, post=_post(t, 1), reason="Spam")
        t.refresh_from_db()
        self.assertTrue(t.is_deleted)
        self.assertFalse(_post(t, 1).is_deleted)  # the post stays; the thread hides it
        self.assertEqual(t.delete_reason, "Spam")
        self.assertTrue(ModeratorLogEntry.objects.filter(action="thread_delete").exists())
        assert_counters_consistent()

    def test_hard_delete_is_for_administrators(self) -> None:
        victim = _post(self.w.long_thread, 3)
        with self.assertRaises(PermissionDenied):
            actions.hard_delete_post(actor=self.w.moderator, post=victim)
        self.assertTrue(Post.objects.filter(pk=victim.pk).exists())
        actions.hard_delete_post(actor=self.w.admin, post=victim, reason="Illegal")
        self.assertFalse(Post.objects.filter(pk=victim.pk).exists())
        self.assertEqual(_positions(self.w.long_thread), list(range(1, THREE_PAGE_POSTS)))
        self.assertEqual(ModeratorLogEntry.objects.get().action, "post_hard_delete")
        assert_counters_consistent()

    def test_hard_deleting_a_soft_deleted_post_changes_no_totals(self) -> None:
        victim = _post(self.w.long_thread, 3)
        actions.soft_delete_post(actor=self.w.moderator, post=victim)
        totals = _fresh(self.w.news).post_count
        actions.hard_delete_post(actor=self.w.admin, post=_fresh(victim))
        self.assertEqual(_fresh(self.w.news).post_count, totals)
        assert_counters_consistent()

    def test_members_may_not_moderate(self) -> None:
        victim = _post(self.w.long_thread, 3)  # Bob's
        for actor in (self.w.member, self.w.other):
            with self.assertRaises(PermissionDenied):
                actions.soft_delete_post(actor=actor, post=victim)
        self.assertFalse(_fresh(victim).is_deleted)
        self.assertFalse(ModeratorLogEntry.objects.exists())

    def test_author_delete_is_not_logged_but_a_moderators_is(self) -> None:
        own = _post(self.w.long_thread, 2)  # Alice's
        services.delete_post(actor=self.w.member, post=own)
        self.assertFalse(ModeratorLogEntry.objects.exists())
        services.delete_post(actor=self.w.moderator, post=_post(self.w.long_thread, 3), reason="x")
        self.assertEqual(ModeratorLogEntry.objects.get().action, "post_delete")
        assert_counters_consistent()

    def test_author_delete_keeps_later_hidden_posts_next_to_their_predecessor(self) -> None:
        t = self.w.long_thread
        hidden = _post(t, 5)
        actions.soft_delete_post(actor=self.w.moderator, post=hidden)  # now shares #4
        services.delete_post(actor=self.w.member, post=_post(t, 4))  # Alice's
        self.assertEqual(_fresh(hidden).position, 3)
        assert_counters_consistent()


class EditHistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        ModeratorLogEntry.objects.all().delete()  # the world's lock; each test counts its own

    def test_every_edit_keeps_the_previous_text(self) -> None:
        post = _post(self.w.long_thread, 2)
        services.edit_post(actor=self.w.member, post=post, body="Second text", base_edit_count=0)
        services.edit_post(
            actor=self.w.moderator,
            post=post,
            body="Third text",
            base_edit_count=1,
            reason="Removed a phone number",
        )
        revisions = list(PostRevision.objects.filter(post=post).order_by("edited_at", "id"))
        self.assertEqual([r.body_source for r in revisions], ["Reply number 2", "Second text"])
        self.assertEqual([r.edited_by for r in revisions], [self.w.member, self.w.moderator])
        self.assertEqual(revisions[1].reason, "Removed a phone number")
        entry = ModeratorLogEntry.objects.get()  # the author's own edit is not a moderator action
        self.assertEqual((entry.action, entry.reason), ("post_edit", "Removed a phone number"))

    def test_a_no_op_save_keeps_no_revision(self) -> None:
        post = _post(self.w.long_thread, 2)
        services.edit_post(actor=self.w.member, post=post, body="Reply number 2", base_edit_count=0)
        self.assertFalse(PostRevision.objects.exists())


class ThreadActionTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        ModeratorLogEntry.objects.all().delete()  # the world's lock; each test counts its own

    def test_soft_delete_and_undelete_a_thread(self) -> None:
        t = self.w.long_thread
        alice, bob = _fresh(self.w.member).message_count, _fresh(self.w.other).message_count
        actions.soft_delete_thread(actor=self.w.moderator, thread=t, reason="Duplicate")
        news = _fresh(self.w.news)
        self.assertEqual((news.thread_count, news.post_count, news.last_post_id), (0, 0, None))
        self.assertEqual(_fresh(self.w.member).message_count, alice - 23)
        self.assertEqual(_fresh(self.w.other).message_count, bob - 22)
        assert_counters_consistent()
        actions.undelete_thread(actor=self.w.moderator, thread=_fresh(t))
        news = _fresh(self.w.news)
        self.assertEqual((news.thread_count, news.post_count), (1, THREE_PAGE_POSTS))
        self.assertEqual(_fresh(self.w.member).message_count, alice)
        self.assertEqual(
            list(ModeratorLogEntry.objects.values_list("action", flat=True).order_by("id")),
            ["thread_delete", "thread_undelete"],
        )
        assert_counters_consistent()

    def test_hard_delete_thread(self) -> None:
        t = self.w.short_thread
        with self.assertRaises(PermissionDenied):
            actions.hard_delete_thread(actor=self.w.moderator, thread=t)
        actions.hard_delete_thread(actor=self.w.admin, thread=t, reason="Spam")
        self.assertFalse(Thread.objects.filter(pk=t.pk).exists())
        self.assertFalse(Post.objects.filter(thread_id=t.pk).exists())
        lounge = _fresh(self.w.lounge)
        self.assertEqual((lounge.thread_count, lounge.post_count), (1, 1))
        entry = ModeratorLogEntry.objects.get()
        self.assertEqual((entry.action, entry.target_title), ("thread_hard_delete", t.title))
        assert_counters_consistent()

    def test_lock_stick_and_prefix_are_logged_once_per_change(self) -> None:
        t = self.w.short_thread
        services.set_thread_state(actor=self.w.moderator, thread=t, is_locked=True, is_sticky=True)
        services.set_thread_state(actor=self.w.moderator, thread=t, is_locked=True)  # no change
        prefix = create_prefix(title="Solved", colour="green")
        actions.set_thread_prefix(actor=self.w.moderator, thread=t, prefix=prefix)
        t.refresh_from_db()
        self.assertTrue(t.is_locked and t.is_sticky)
        self.assertEqual(t.prefix, prefix)
        self.assertEqual(
            list(ModeratorLogEntry.objects.values_list("action", flat=True).order_by("id")),
            ["thread_lock", "thread_stick", "thread_prefix"],
        )
        with self.assertRaises(PermissionDenied):
            services.set_thread_state(actor=self.w.member, thread=t, is_locked=False)
        with self.assertRaises(PermissionDenied):
            actions.set_thread_prefix(actor=self.w.member, thread=t, prefix=None)

    def test_move_with_a_redirect(self) -> None:
        t = self.w.short_thread
        expires = timezone.now() + timedelta(days=7)
        actions.move_thread(
            actor=self.w.moderator,
            thread=t,
            forum=self.w.news,
            leave_redirect=True,
            redirect_expires_at=expires,
            reason="Belongs in news",
        )
        t.refresh_from_db()
        self.assertEqual(t.forum, self.w.news)
        stub = Thread.objects.get(redirect_to=t)
        self.assertEqual(
            (stub.forum, stub.title, stub.redirect_expires_at), (self.w.lounge, t.title, expires)
        )
        lounge, news = _fresh(self.w.lounge), _fresh(self.w.news)
        self.assertEqual((lounge.thread_count, lounge.post_count), (1, 1))  # the stub counts not
        self.assertEqual((news.thread_count, news.post_count), (2, THREE_PAGE_POSTS + 1))
        entry = ModeratorLogEntry.objects.get()
        self.assertEqual(entry.details["from_forum"], self.w.lounge.pk)
        assert_counters_consistent()
        # Moving it back removes the stub it left there.
        actions.move_thread(actor=self.w.moderator, thread=t, forum=self.w.lounge)
        self.assertFalse(Thread.objects.filter(redirect_to=t).exists())
        assert_counters_consistent()

    def test_nobody_replies_to_a_redirect(self) -> None:
        actions.move_thread(
            actor=self.w.moderator,
            thread=self.w.short_thread,
            forum=self.w.news,
            leave_redirect=True,
        )
        stub = Thread.objects.get(redirect_to=self.w.short_thread)
        for actor in (self.w.member, self.w.admin):
            with self.assertRaises(PermissionDenied):
                services.reply_to_thread(actor=actor, thread=stub, body="Into the void")
        self.assertFalse(stub.posts.exists())

    def test_a_reply_in_a_deleted_thread_counts_once_it_is_undeleted(self) -> None:
        t = self.w.short_thread
        actions.soft_delete_thread(actor=self.w.moderator, thread=t)
        services.reply_to_thread(actor=self.w.moderator, thread=_fresh(t), body="Note to mods")
        self.assertEqual(_fresh(self.w.lounge).post_count, 1)
        assert_counters_consistent()
        actions.undelete_thread(actor=self.w.moderator, thread=_fresh(t))
        self.assertEqual(_fresh(self.w.lounge).post_count, 3)
        assert_counters_consistent()

    def test_expired_redirects_are_purged(self) -> None:
        t = self.w.short_thread
        actions.move_thread(
            actor=self.w.moderator,
            thread=t,
            forum=self.w.news,
            leave_redirect=True,
            redirect_expires_at=timezone.now() - timedelta(seconds=1),
        )
        self.assertEqual(actions.purge_expired_redirects(), 1)
        self.assertFalse(Thread.objects.filter(redirect_to=t).exists())
        assert_counters_consistent()

    def test_merge_orders_posts_by_date_and_leaves_redirects(self) -> None:
        target, source = self.w.locked_thread, self.w.short_thread  # both start at world start
        reply = services.reply_to_thread(actor=self.w.other, thread=source, body="Late reply")
        actions.merge_threads(
            actor=self.w.moderator, target=target, sources=[source], leave_redirects=True
        )
        target.refresh_from_db()
        posts = list(Post.objects.filter(thread=target).order_by("position"))
        self.assertEqual(len(posts), 3)
        self.assertEqual([p.position for p in posts], [1, 2, 3])
        self.assertEqual(posts[-1], reply)
        self.assertEqual(target.first_post, posts[0])
        self.assertEqual(target.reply_count, 2)
        source.refresh_from_db()
        self.assertEqual(source.redirect_to, target)
        lounge = _fresh(self.w.lounge)
        self.assertEqual((lounge.thread_count, lounge.post_count), (1, 3))
        self.assertEqual(ModeratorLogEntry.objects.get().action, "thread_merge")
        assert_counters_consistent()

    def test_merge_across_forums_without_redirects(self) -> None:
        actions.merge_threads(
            actor=self.w.moderator, target=self.w.short_thread, sources=[self.w.long_thread]
        )
        self.assertFalse(Thread.objects.filter(pk=self.w.long_thread.pk).exists())
        short = _fresh(self.w.short_thread)
        self.assertEqual(short.reply_count, THREE_PAGE_POSTS)
        # The news story's opening post is older, so it now opens the merged thread.
        self.assertEqual(short.first_post.body_source, "The **harbour bridge** is closed.")
        self.assertEqual(short.author, self.w.member)
        news = _fresh(self.w.news)
        self.assertEqual((news.thread_count, news.post_count, news.last_post_id), (0, 0, None))
        assert_counters_consistent()

    def test_split_posts_into_a_new_thread(self) -> None:
        t = self.w.long_thread
        chosen = [_post(t, 40), _post(t, 12), _post(t, 13)]
        new = actions.split_posts(
            actor=self.w.moderator,
            thread=t,
            posts=chosen,
            title="Bridge tangent",
            forum=self.w.lounge,
            reason="Off topic",
        )
        self.assertEqual(new.forum, self.w.lounge)
        self.assertEqual(_positions(new), [1, 2, 3])
        self.assertEqual(_fresh(new).first_post, chosen[1])
        self.assertEqual(_fresh(new).author_id, chosen[1].author_id)
        self.assertEqual(_positions(t), list(range(1, THREE_PAGE_POSTS - 2)))
        lounge, news = _fresh(self.w.lounge), _fresh(self.w.news)
        self.assertEqual((lounge.thread_count, lounge.post_count), (3, 5))
        self.assertEqual(news.post_count, THREE_PAGE_POSTS - 3)
        entry = ModeratorLogEntry.objects.get()
        self.assertEqual((entry.action, entry.details["new_thread"]), ("thread_split", new.pk))
        assert_counters_consistent()

    def test_split_must_leave_a_post_behind(self) -> None:
        t = self.w.short_thread
        with self.assertRaises(ValidationError):
            actions.split_posts(
                actor=self.w.moderator,
                thread=t,
                posts=[_post(t, 1)],
                title="Everything",
                forum=self.w.lounge,
            )
        self.assertEqual(Thread.objects.count(), 3)

    def test_split_refuses_posts_of_another_thread(self) -> None:
        with self.assertRaises(ValidationError):
            actions.split_posts(
                actor=self.w.moderator,
                thread=self.w.long_thread,
                posts=[_post(self.w.short_thread, 1)],
                title="Sneaky",
                forum=self.w.lounge,
            )
        self.assertEqual(Thread.objects.count(), 3)


class ForumModeratorScopeTests(TestCase):
    """A per-forum moderator acts in their forum only, and moves only where they may post."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        ModeratorLogEntry.objects.all().delete()  # the world's lock; each test counts its own
        cls.lounge_mod = make_member("Lounge Mod")
        add_forum_moderator(member=cls.lounge_mod, forum=cls.w.lounge)
        staff = create_category(title="Staff")
        cls.staff_room = create_forum(category=staff, title="Staff room")
        make_forum_private(
            forum=cls.staff_room,
            allowed_groups=Group.objects.filter(name=registry.ADMINISTRATORS),
        )

    def test_moderates_own_forum_only(self) -> None:
        actions.soft_delete_post(actor=self.lounge_mod, post=_post(self.w.short_thread, 1))
        with self.assertRaises(PermissionDenied):
            actions.soft_delete_post(actor=self.lounge_mod, post=_post(self.w.long_thread, 3))
        with self.assertRaises(PermissionDenied):
            actions.move_thread(
                actor=self.lounge_mod, thread=self.w.long_thread, forum=self.w.lounge
            )
        assert_counters_consistent()

    def test_cannot_move_into_a_forum_they_cannot_see(self) -> None:
        with self.assertRaises(PermissionDenied):
            actions.move_thread(
                actor=self.lounge_mod, thread=self.w.short_thread, forum=self.staff_room
            )
        with self.assertRaises(PermissionDenied):
            actions.split_posts(
                actor=self.lounge_mod,
                thread=self.w.short_thread,
                posts=[],
                title="Hidden",
                forum=self.staff_room,
            )
        self.assertEqual(_fresh(self.w.short_thread).forum, self.w.lounge)
        # The global moderator cannot see it either (administrators only).
        with self.assertRaises(PermissionDenied):
            actions.move_thread(
                actor=self.w.moderator, thread=self.w.short_thread, forum=self.staff_room
            )
        actions.move_thread(actor=self.w.admin, thread=self.w.short_thread, forum=self.staff_room)
        self.assertEqual(Forum.objects.get(pk=self.staff_room.pk).thread_count, 1)
        assert_counters_consistent()

    def test_merge_needs_every_thread_moderated(self) -> None:
        with self.assertRaises(PermissionDenied):
            actions.merge_threads(
                actor=self.lounge_mod, target=self.w.short_thread, sources=[self.w.long_thread]
            )
        self.assertTrue(Thread.objects.filter(pk=self.w.long_thread.pk).exists())

    def test_banned_moderator_cannot_act(self) -> None:
        from parley.moderation.models import Ban
        from parley.permissions.services import permissions_changed

        Ban.objects.create(
            member=self.lounge_mod,
            reason="Rogue",
            created_at=timezone.now(),
            banned_by=self.w.admin,
        )
        permissions_changed()
        victim = _post(self.w.short_thread, 1)
        with self.assertRaises(PermissionDenied):
            actions.soft_delete_post(actor=self.lounge_mod, post=victim)
        self.assertFalse(_fresh(self.w.short_thread).is_deleted)
