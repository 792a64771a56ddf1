"""`perms.posts_in_thread(thread)`: the posts of one thread a reader sees, decided from the thread
as loaded, with a filter on each post's own state only (no join to the thread or its forum).
It must give exactly what `visible_posts` gives of that thread, for every reader and every
thread, visible or not: published, deleted and held posts, held and deleted threads, a private
forum, moderators of the forum and of another one."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import TestCase, override_settings

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Post, Thread
from parley.forums.services.structure import create_forum
from parley.moderation.actions import services as actions
from parley.moderation.discipline import services as discipline
from parley.permissions import registry
from parley.permissions.guardian import Perms, perms_for
from parley.permissions.services import add_forum_moderator, make_forum_private
from tests.world import World, build_world, make_member

HOLD = {"PARLEY_APPROVAL_FIRST_POSTS": 1000}  # members' posts wait for approval


class PostStatesBoard(TestCase):
    """The shared world, plus posts and threads in every state and readers of every kind."""

    w: World
    people: dict[str, Member | None]
    threads: dict[str, Thread]
    posts: dict[str, Post]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = w = build_world()
        alice, bob, mod = w.member, w.other, w.moderator
        fay, lou, carol = make_member("Fay"), make_member("Lou"), make_member("Carol")
        banned = make_member("Banned Bea")
        add_forum_moderator(member=fay, forum=w.news)
        add_forum_moderator(member=lou, forum=w.lounge)
        cls.people = {
            "guest": None,
            "alice": alice,  # wrote held posts and a held thread
            "bob": bob,  # wrote a held post; his post was deleted
            "carol": carol,  # a member with nothing of her own here
            "banned": banned,
            "fay": fay,  # moderates the news forum
            "lou": lou,  # moderates the lounge only
            "moderator": mod,
            "admin": w.admin,
        }
        long = w.long_thread
        posts = {"deleted": long.posts.get(position=3)}
        actions.soft_delete_post(actor=mod, post=posts["deleted"])
        with override_settings(**HOLD):
            posts["alice_held"] = services.reply_to_thread(actor=alice, thread=long, body="Mine")
            posts["bob_held"] = services.reply_to_thread(actor=bob, thread=long, body="His")
            posts["held_deleted"] = services.reply_to_thread(actor=alice, thread=long, body="Gone")
            held_thread = services.create_thread(
                actor=alice, forum=w.news, title="Alice's held thread", body="Please"
            )
            services.reply_to_thread(actor=alice, thread=held_thread, body="Also mine")
        services.reply_to_thread(actor=mod, thread=held_thread, body="A moderator's note")
        actions.soft_delete_post(actor=mod, post=posts["held_deleted"])
        deleted_thread = services.create_thread(
            actor=bob, forum=w.lounge, title="Bob's deleted thread", body="Oops"
        )
        services.reply_to_thread(actor=alice, thread=deleted_thread, body="Indeed")
        actions.soft_delete_thread(actor=mod, thread=deleted_thread)
        vault = create_forum(category=w.category, title="The vault")
        make_forum_private(
            forum=vault, allowed_groups=Group.objects.filter(name=registry.ADMINISTRATORS)
        )
        private = services.create_thread(actor=w.admin, forum=vault, title="Plans", body="Hush")
        services.reply_to_thread(actor=w.admin, thread=private, body="Quiet")
        discipline.ban_member(actor=w.admin, member=banned, reason="Spam")
        cls.posts = posts
        cls.threads = {
            "long": long,
            "short": w.short_thread,
            "locked": w.locked_thread,
            "held": held_thread,
            "deleted": deleted_thread,
            "private": private,
        }
        for post in posts.values():
            post.refresh_from_db()
        assert posts["alice_held"].awaiting_approval and posts["bob_held"].awaiting_approval
        assert posts["held_deleted"].is_deleted
        assert Thread.objects.get(pk=held_thread.pk).awaiting_approval

    def perms(self, persona: str) -> Perms:
        return perms_for(self.people[persona])

    def loaded(self, name: str) -> Thread:
        """The thread as get_thread loads it (fresh: the fixtures' copies may be stale)."""
        return Thread.objects.select_related("forum").get(pk=self.threads[name].pk)


class PostsInThreadTests(PostStatesBoard):
    def test_agrees_with_visible_posts_for_every_reader_and_thread(self) -> None:
        for persona in self.people:
            perms = self.perms(persona)
            for name in self.threads:
                thread = self.loaded(name)
                want = set(perms.visible_posts(Post.objects.filter(thread=thread)))
                got = set(perms.visible_posts_in_thread(Post.objects.all(), thread))
                with self.subTest(persona=persona, thread=name):
                    self.assertEqual(got, want)
                    # Not vacuous: every thread's own posts are seen by someone.
                    self.assertEqual(bool(got), perms.can_view_thread(thread))

    def test_the_shape_names_the_kind_of_reader(self) -> None:
        long, private = self.loaded("long"), self.loaded("private")
        expected = {
            "guest": ("published", {}),
            "alice": ("published_or_own", {"member_id": self.w.member.pk}),
            "carol": ("published_or_own", {"member_id": self.people["carol"].pk}),  # type: ignore[union-attr]
            "banned": ("published_or_own", {"member_id": self.people["banned"].pk}),  # type: ignore[union-attr]
            "lou": ("published_or_own", {"member_id": self.people["lou"].pk}),  # type: ignore[union-attr]
            "fay": ("all", {}),
            "moderator": ("all", {}),
            "admin": ("all", {}),
        }
        for persona, (shape, values) in expected.items():
            got = self.perms(persona).posts_in_thread(long)
            self.assertEqual((got.shape, dict(got.values)), (shape, values), persona)
        for persona in self.people:
            shape = self.perms(persona).posts_in_thread(private).shape
            self.assertEqual(shape, "all" if persona == "admin" else "none", persona)

    def test_who_sees_which_post_of_the_long_thread(self) -> None:
        """The states the agreement above is about, spelled out for one thread."""
        long, p = self.loaded("long"), self.posts
        seen = {
            persona: {
                name
                for name, post in p.items()
                if self.perms(persona)
                .visible_posts_in_thread(Post.objects.all(), long)
                .filter(pk=post.pk)
                .exists()
            }
            for persona in self.people
        }
        self.assertEqual(
            seen,
            {
                "guest": set(),
                "alice": {"alice_held"},
                "bob": {"bob_held"},
                "carol": set(),
                "banned": set(),
                "lou": set(),
                "fay": {"deleted", "alice_held", "bob_held", "held_deleted"},
                "moderator": {"deleted", "alice_held", "bob_held", "held_deleted"},
                "admin": {"deleted", "alice_held", "bob_held", "held_deleted"},
            },
        )
        # Every published post of it, for every reader.
        published = long.posts.filter(is_deleted=False, awaiting_approval=False).count()
        self.assertEqual(published, 45 - 1)
        for persona in self.people:
            qs = self.perms(persona).visible_posts_in_thread(Post.objects.all(), long)
            self.assertEqual(qs.filter(is_deleted=False, awaiting_approval=False).count(), 44)

    def test_no_join_to_the_thread_or_its_forum(self) -> None:
        long = self.loaded("long")
        for persona in self.people:
            sql = str(self.perms(persona).visible_posts_in_thread(Post.objects.all(), long).query)
            self.assertNotIn(Thread._meta.db_table, sql, persona)
