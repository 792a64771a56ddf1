"""The permission matrix: every persona × action × public/private forum, asked of the
guardian (`request.perms`), and `can_view_*` agreeing with the `visible_*` filters on every
object."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group
from django.test import TestCase
from django.utils import timezone

from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_category, create_forum
from parley.moderation.models import Ban
from parley.permissions import registry
from parley.permissions.guardian import Perms, perms_for
from parley.permissions.services import (
    add_forum_moderator,
    ensure_system_groups,
    make_forum_private,
    permissions_changed,
    set_permission,
)
from tests.world import make_member

PERSONAS = ["guest", "member", "other", "banned", "forum_mod", "moderator", "admin"]
# action -> persona -> (public forum, private forum). Private = Moderators + Administrators only.
# The member acts on their own post; "other" acts on the member's post.
EXPECTED = {
    "view_forum": {
        "banned": (True, False),
        "guest": (True, False),
        "member": (True, False),
        "other": (True, False),
        "forum_mod": (True, True),
        "moderator": (True, True),
        "admin": (True, True),
    },
    "start_thread": {
        "banned": (False, False),
        "guest": (False, False),
        "member": (True, False),
        "other": (True, False),
        "forum_mod": (True, True),
        "moderator": (True, True),
        "admin": (True, True),
    },
    "reply": {
        "banned": (False, False),
        "guest": (False, False),
        "member": (True, False),
        "other": (True, False),
        "forum_mod": (True, True),
        "moderator": (True, True),
        "admin": (True, True),
    },
    "edit_post": {
        "banned": (False, False),
        "guest": (False, False),
        "member": (True, False),
        "other": (False, False),
        "forum_mod": (False, True),
        "moderator": (True, True),
        "admin": (True, True),
    },
    "delete_post": {
        "banned": (False, False),
        "guest": (False, False),
        "member": (True, False),
        "other": (False, False),
        "forum_mod": (False, True),
        "moderator": (True, True),
        "admin": (True, True),
    },
    "report_post": {
        "banned": (False, False),
        "guest": (False, False),
        "member": (False, False),  # not their own
        "other": (True, False),
        "forum_mod": (True, True),
        "moderator": (True, True),
        "admin": (True, True),
    },
    "moderate_thread": {
        "banned": (False, False),
        "guest": (False, False),
        "member": (False, False),
        "other": (False, False),
        "forum_mod": (False, True),
        "moderator": (True, True),
        "admin": (True, True),
    },
}


def ask(action: str, perms: Perms, forum: Forum, thread: Thread, post: Post) -> bool:
    return {
        "view_forum": lambda: perms.can_view_forum(forum),
        "start_thread": lambda: perms.can_start_thread(forum),
        "reply": lambda: perms.can_reply_to_thread(thread),
        "edit_post": lambda: perms.can_edit_post(post),
        "delete_post": lambda: perms.can_delete_post(post),
        "report_post": lambda: perms.can_report_post(post),
        "moderate_thread": lambda: perms.can_moderate_thread(thread),
    }[action]()


class PermissionMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        cls.people = {
            "member": make_member("Member One"),
            "other": make_member("Member Two"),
            "banned": make_member("Banned One"),
            "forum_mod": make_member("Forum Mod"),
            "moderator": make_member("Global Mod", is_staff=True),
            "admin": make_member("Admin One", is_staff=True, is_superuser=True),
        }
        category = create_category(title="Everything")
        cls.public = create_forum(category=category, title="Public")
        cls.private = create_forum(category=category, title="Private")
        make_forum_private(
            forum=cls.private,
            allowed_groups=Group.objects.filter(
                name__in=[registry.MODERATORS, registry.ADMINISTRATORS]
            ),
        )
        add_forum_moderator(member=cls.people["forum_mod"], forum=cls.private)
        Ban.objects.create(
            member=cls.people["banned"], reason="Spam", created_at=timezone.now()
        )  # the ban's own services are tested with discipline; here only its effect matters
        permissions_changed()
        cls.objects = {}
        for forum in (cls.public, cls.private):
            # The admin may post anywhere; the member's post is placed through the admin's
            # thread so the same objects exist in both forums.
            thread = services.create_thread(
                actor=cls.people["admin"], forum=forum, title=f"In {forum.title}", body="Start"
            )
            cls.objects[forum.pk] = thread

    def _member_post(self, forum: Forum) -> tuple[Thread, Post]:
        thread = self.objects[forum.pk]
        # The member cannot reply in the private forum, so their post there is seeded by the
        # service with a temporary grant, then the grant is removed again.
        member = self.people["member"]
        registered = Group.objects.get(name=registry.REGISTERED)
        for name in (registry.VIEW_FORUM, registry.READ_THREADS):
            set_permission(group=registered, permission=name, value="allow", forum=forum)
        post = services.reply_to_thread(actor=member, thread=thread, body="Member's words")
        if forum == self.private:
            make_forum_private(
                forum=forum,
                allowed_groups=Group.objects.filter(
                    name__in=[registry.MODERATORS, registry.ADMINISTRATORS]
                ),
            )
        return Thread.objects.select_related("forum").get(pk=thread.pk), post

    def test_matrix(self) -> None:
        failures = []
        for index, forum in enumerate((self.public, self.private)):
            thread, post = self._member_post(forum)
            post = Post.objects.select_related("thread").get(pk=post.pk)
            for persona in PERSONAS:
                perms = perms_for(self.people.get(persona))
                for action, expected in EXPECTED.items():
                    got = ask(action, perms, forum, thread, post)
                    if got != expected[persona][index]:
                        failures.append(f"{persona} {action} in {forum.title}: {got}")
        self.assertEqual(failures, [])

    def test_can_view_agrees_with_visible_filters(self) -> None:
        for forum in (self.public, self.private):
            self._member_post(forum)
        deleted_thread = services.create_thread(
            actor=self.people["other"], forum=self.public, title="Gone soon", body="x"
        )
        Thread.objects.filter(pk=deleted_thread.pk).update(is_deleted=True)  # until moderation
        threads = list(Thread.objects.select_related("forum"))
        posts = list(Post.objects.select_related("thread", "thread__forum"))
        forums = list(Forum.objects.all())
        for persona in PERSONAS:
            perms = perms_for(self.people.get(persona))
            visible_forums = set(perms.visible_forums(Forum.objects.all()))
            visible_threads = set(perms.visible_threads(Thread.objects.all()))
            visible_posts = set(perms.visible_posts(Post.objects.all()))
            for forum in forums:
                self.assertEqual(perms.can_view_forum(forum), forum in visible_forums, persona)
            for thread in threads:
                self.assertEqual(
                    perms.can_view_thread(thread),
                    thread in visible_threads,
                    f"{persona} {thread}",
                )
            for post in posts:
                self.assertEqual(perms.can_view_post(post), post in visible_posts, persona)


class EditWindowTests(TestCase):
    """ "Edit own posts within N minutes": the most generous of a member's groups applies."""

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        cls.member = make_member("Quick Editor")
        forum = create_forum(category=create_category(title="C"), title="F")
        cls.thread = services.create_thread(actor=cls.member, forum=forum, title="Mine", body="x")
        cls.old = services.reply_to_thread(
            actor=cls.member, thread=cls.thread, body="old", now=timezone.now() - timedelta(hours=2)
        )
        cls.new = services.reply_to_thread(actor=cls.member, thread=cls.thread, body="new")

    def test_posts_older_than_the_window_cannot_be_edited(self) -> None:
        from parley.permissions.models import GroupProfile

        GroupProfile.objects.filter(group__name=registry.REGISTERED).update(edit_window_minutes=30)
        permissions_changed()
        perms = perms_for(self.member)
        old = Post.objects.select_related("thread").get(pk=self.old.pk)
        new = Post.objects.select_related("thread").get(pk=self.new.pk)
        self.assertFalse(perms.can_edit_post(old))
        self.assertTrue(perms.can_edit_post(new))
        GroupProfile.objects.filter(group__name=registry.REGISTERED).update(edit_window_minutes=0)
        permissions_changed()
        self.assertTrue(perms_for(self.member).can_edit_post(old))
