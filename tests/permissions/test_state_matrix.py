"""The permission matrix with a state axis: what each persona may do with Alice's post and its
thread while the thread is open, locked, deleted or held, and while the post itself is deleted
or held. Asked of the guardian (every `can_*`), then through the pages a member uses
(403 with the reason, or 404 when the thing is not theirs to see), then through the services.

Also: the edit window of a member in two groups (the more generous wins, none beats any),
sub-forums inside a hidden forum (hidden too, whatever their own entries say), a member in two
groups whose "No" and "Allow" meet (allowed) or whose "Never" meets "Allow" (refused), and a
permission change reaching the next request through the stamp alone."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import TestCase, override_settings
from django.utils import timezone

from parley.accounts.models import Member
from parley.core import stamps
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_category, create_forum
from parley.moderation.actions import services as actions
from parley.moderation.discipline import services as discipline
from parley.permissions import registry
from parley.permissions.guardian import Perms, perms_for
from parley.permissions.models import GroupProfile
from parley.permissions.services import (
    add_forum_moderator,
    ensure_system_groups,
    group_named,
    make_forum_private,
    set_member_groups,
    set_permission,
)
from tests.core.parsed import parse
from tests.world import make_member

PERSONAS = ["guest", "alice", "bob", "banned", "forum_mod", "moderator", "banned_mod", "admin"]
STATES = ["open", "locked", "thread_deleted", "thread_held", "post_deleted", "post_held"]
COLUMNS = ["thread", "post", "reply", "edit", "delete", "report", "act"]

# state -> persona -> one character per column: Y allowed, - refused.
#   thread: can_view_thread     post: can_view_post (Alice's post)   reply: can_reply_to_thread
#   edit / delete / report: Alice's post      act: moderator thread actions (can_moderate_thread)
# Alice's post is her reply in Bob's thread, except in "thread_held", where it is the first post
# of her own thread, held for approval. forum_mod moderates the forum; banned_mod is a global
# moderator who was banned (reads like a moderator, acts on nothing).
EXPECTED = {
    "open": {
        "guest": "YY-----",
        "alice": "YYYYY--",
        "bob": "YYY--Y-",
        "banned": "YY-----",
        "forum_mod": "YYYYYYY",
        "moderator": "YYYYYYY",
        "banned_mod": "YY-----",
        "admin": "YYYYYYY",
    },
    "locked": {
        "guest": "YY-----",
        "alice": "YY-----",  # no reply, and her own post can no longer be edited or deleted
        "bob": "YY---Y-",  # reporting still works
        "banned": "YY-----",
        "forum_mod": "YYYYYYY",  # moderators reply in locked threads
        "moderator": "YYYYYYY",
        "banned_mod": "YY-----",
        "admin": "YYYYYYY",
    },
    "thread_deleted": {
        "guest": "-------",
        "alice": "-------",  # her post went with the thread
        "bob": "-------",  # his own thread too
        "banned": "-------",
        "forum_mod": "YYYYYYY",
        "moderator": "YYYYYYY",
        "banned_mod": "YY-----",
        "admin": "YYYYYYY",
    },
    "thread_held": {
        "guest": "-------",
        "alice": "YYYY---",  # her own held thread: she reads, replies and edits; the first post
        # is the thread, so deleting it is a moderator's thread action
        "bob": "-------",
        "banned": "-------",
        "forum_mod": "YYYYYYY",
        "moderator": "YYYYYYY",
        "banned_mod": "YY-----",
        "admin": "YYYYYYY",
    },
    "post_deleted": {
        "guest": "Y------",
        "alice": "Y-Y----",  # her deleted post is gone for her; the thread is open
        "bob": "Y-Y----",
        "banned": "Y------",
        "forum_mod": "YYY---Y",  # a deleted post is undeleted, not edited, deleted or reported
        "moderator": "YYY---Y",
        "banned_mod": "YY-----",
        "admin": "YYY---Y",
    },
    "post_held": {
        "guest": "Y------",
        "alice": "YYYYY--",  # her own held post: she sees, edits and deletes it
        "bob": "Y-Y----",
        "banned": "Y------",
        "forum_mod": "YYYYYYY",
        "moderator": "YYYYYYY",
        "banned_mod": "YY-----",
        "admin": "YYYYYYY",
    },
}


def answers(perms: Perms, thread: Thread, post: Post) -> str:
    asked = [
        perms.can_view_thread(thread),
        perms.can_view_post(post),
        perms.can_reply_to_thread(thread),
        perms.can_edit_post(post),
        perms.can_delete_post(post),
        perms.can_report_post(post),
        perms.can_moderate_thread(thread),
    ]
    return "".join("Y" if a else "-" for a in asked)


def refusal(response: HttpResponse) -> str:
    """The reason a 403 page gives, as the reader sees it."""
    return parse(response.content).find(cls="block-body").find("p").text.strip()


class StateBoard(TestCase):
    """Alice's post in each state, in one public forum."""

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        cls.people: dict[str, Member] = {
            "alice": make_member("Alice"),
            "bob": make_member("Bob"),
            "banned": make_member("Banned Bea"),
            "forum_mod": make_member("Forum Fay"),
            "moderator": make_member("Global Gil", is_staff=True),
            "banned_mod": make_member("Rogue Rex", is_staff=True),
            "admin": make_member("Admin Ada", is_staff=True, is_superuser=True),
        }
        p = cls.people
        cls.forum = create_forum(category=create_category(title="Everything"), title="Public")
        add_forum_moderator(member=p["forum_mod"], forum=cls.forum)
        cls.threads: dict[str, Thread] = {}
        cls.posts: dict[str, Post] = {}
        for state in STATES:
            if state == "thread_held":
                continue
            thread = services.create_thread(
                actor=p["bob"], forum=cls.forum, title=f"Bob's {state} thread", body="Opening"
            )
            if state == "post_held":
                with override_settings(PARLEY_APPROVAL_FIRST_POSTS=1000):
                    post = services.reply_to_thread(actor=p["alice"], thread=thread, body="Held")
                assert post.awaiting_approval
            else:
                post = services.reply_to_thread(actor=p["alice"], thread=thread, body="Mine")
            cls.threads[state], cls.posts[state] = thread, post
        with override_settings(PARLEY_APPROVAL_FIRST_POSTS=1000):
            held = services.create_thread(
                actor=p["alice"], forum=cls.forum, title="Alice's held thread", body="Please"
            )
        assert held.awaiting_approval
        cls.threads["thread_held"], cls.posts["thread_held"] = held, held.first_post
        # Written before the ban: a banned member's own post.
        cls.banned_post = services.reply_to_thread(
            actor=p["banned"], thread=cls.threads["open"], body="Before the ban"
        )
        services.set_thread_state(
            actor=p["moderator"], thread=cls.threads["locked"], is_locked=True
        )
        actions.soft_delete_thread(actor=p["moderator"], thread=cls.threads["thread_deleted"])
        actions.soft_delete_post(actor=p["moderator"], post=cls.posts["post_deleted"])
        discipline.ban_member(actor=p["admin"], member=p["banned"], reason="Spam")
        discipline.ban_member(actor=p["admin"], member=p["banned_mod"], reason="Rogue")

    def fresh(self, state: str) -> tuple[Thread, Post]:
        thread = Thread.objects.select_related("forum").get(pk=self.threads[state].pk)
        post = Post.objects.select_related("thread").get(pk=self.posts[state].pk)
        return thread, post

    def as_persona(self, persona: str) -> None:
        if persona != "guest":
            self.client.force_login(self.people[persona])


class StateMatrixTests(StateBoard):
    def test_every_persona_in_every_state(self) -> None:
        got = {
            state: {
                persona: answers(perms_for(self.people.get(persona)), *self.fresh(state))
                for persona in PERSONAS
            }
            for state in STATES
        }
        self.assertEqual(got, EXPECTED)

    def test_listings_agree_with_the_answers(self) -> None:
        for persona in PERSONAS:
            perms = perms_for(self.people.get(persona))
            threads = set(perms.visible_threads(Thread.objects.all()))
            posts = set(perms.visible_posts(Post.objects.all()))
            for state in STATES:
                thread, post = self.fresh(state)
                row = EXPECTED[state][persona]
                with self.subTest(persona=persona, state=state):
                    self.assertEqual(thread in threads, row[0] == "Y")
                    self.assertEqual(post in posts, row[1] == "Y")


class StatePagesTests(StateBoard):
    """The same answers as a member meets them: the page opens, or 403 with the reason, or 404
    when the thing is not theirs to see."""

    CASES = [
        # persona, state, what, status, the reason on a 403 page
        ("alice", "locked", "reply", 403, "This thread is locked; no more replies can be posted."),
        (
            "alice",
            "locked",
            "edit",
            403,
            "This thread is locked; its posts can no longer be edited.",
        ),
        (
            "alice",
            "locked",
            "delete",
            403,
            "This thread is locked; its posts can no longer be deleted.",
        ),
        ("bob", "open", "edit", 403, "You may not edit this post."),
        ("bob", "open", "delete", 403, "You may not delete this post."),
        ("alice", "thread_held", "delete", 403, "You may not delete this post."),
        ("banned", "open", "reply", 403, "You have been banned: Spam"),
        ("banned_mod", "open", "lock", 403, "You have been banned: Rogue"),
        ("bob", "open", "lock", 403, "Only moderators of this forum may do this."),
        ("bob", "thread_deleted", "reply", 404, ""),
        ("bob", "thread_held", "reply", 404, ""),
        ("bob", "post_held", "edit", 404, ""),
        ("alice", "post_deleted", "edit", 404, ""),
        ("alice", "thread_deleted", "delete", 404, ""),
        ("alice", "open", "edit", 200, ""),
        ("alice", "post_held", "edit", 200, ""),
        ("alice", "thread_held", "reply", 200, ""),
        ("forum_mod", "locked", "reply", 200, ""),
        ("moderator", "thread_deleted", "reply", 200, ""),
    ]

    def url(self, state: str, what: str) -> str:
        thread, post = self.threads[state], self.posts[state]
        return {
            "reply": thread.reply_url(),
            "edit": post.edit_url,
            "delete": post.delete_url,
            "lock": f"{thread.get_absolute_url()}moderate/lock",
        }[what]

    def test_pages_answer_with_the_right_status_and_reason(self) -> None:
        got, want = [], []
        for persona, state, what, status, reason in self.CASES:
            self.client.logout()
            self.as_persona(persona)
            method = self.client.post if what == "lock" else self.client.get
            response = method(self.url(state, what))
            got.append(
                (
                    persona,
                    state,
                    what,
                    response.status_code,
                    refusal(response) if response.status_code == 403 else "",
                )
            )
            want.append((persona, state, what, status, reason))
        self.assertEqual(got, want)

    def test_alice_cannot_change_her_post_once_the_thread_is_locked(self) -> None:
        self.as_persona("alice")
        post = self.posts["locked"]
        response = self.client.post(post.edit_url, {"body": "Rewritten", "edit_count": 0})
        self.assertEqual(response.status_code, 403)
        response = self.client.post(post.delete_url)
        self.assertEqual(response.status_code, 403)
        fresh = Post.objects.get(pk=post.pk)
        self.assertEqual(
            (fresh.body_source, fresh.is_deleted, fresh.edit_count), ("Mine", False, 0)
        )
        # The page offers neither.
        page = parse(self.client.get(self.threads["locked"].get_absolute_url()).content)
        links = {a.attrs.get("href") for a in page.find_all("a")}
        self.assertNotIn(post.edit_url, links)
        self.assertNotIn(post.delete_url, links)

    def test_a_forum_moderator_replies_in_a_locked_thread(self) -> None:
        self.as_persona("forum_mod")
        thread = self.threads["locked"]
        response = self.client.post(
            thread.reply_url(), {"body": "Locked for a reason.", "client_token": "x1"}
        )
        post = Post.objects.get(thread=thread, body_source="Locked for a reason.")
        self.assertRedirects(response, post.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(post.position, 3)
        self.assertFalse(post.awaiting_approval)


class StateServicesTests(StateBoard):
    """The services refuse what the pages refuse, and write nothing."""

    def test_alice_editing_or_deleting_in_a_locked_thread_is_refused(self) -> None:
        _, post = self.fresh("locked")
        alice = self.people["alice"]
        with self.assertRaisesMessage(PermissionDenied, "This thread is locked"):
            services.edit_post(actor=alice, post=post, body="Rewritten", base_edit_count=0)
        with self.assertRaisesMessage(PermissionDenied, "This thread is locked"):
            services.delete_post(actor=alice, post=post)
        fresh = Post.objects.get(pk=post.pk)
        self.assertEqual((fresh.body_source, fresh.is_deleted), ("Mine", False))

    def test_moderators_reply_in_locked_threads_and_members_do_not(self) -> None:
        thread, _ = self.fresh("locked")
        with self.assertRaisesMessage(PermissionDenied, "This thread is locked"):
            services.reply_to_thread(actor=self.people["alice"], thread=thread, body="Let me in")
        for persona in ("forum_mod", "moderator", "admin"):
            post = services.reply_to_thread(
                actor=self.people[persona], thread=thread, body=f"From {persona}"
            )
            self.assertFalse(post.awaiting_approval)
        self.assertEqual(Thread.objects.get(pk=thread.pk).reply_count, 4)

    def test_a_banned_moderator_cannot_lock_or_stick(self) -> None:
        thread, _ = self.fresh("open")
        with self.assertRaisesMessage(PermissionDenied, "You have been banned: Rogue"):
            services.set_thread_state(
                actor=self.people["banned_mod"], thread=thread, is_locked=True
            )
        with self.assertRaises(PermissionDenied):
            actions.set_threads_state(
                actor=self.people["banned_mod"], threads=[thread], is_sticky=True
            )
        fresh = Thread.objects.get(pk=thread.pk)
        self.assertEqual((fresh.is_locked, fresh.is_sticky), (False, False))

    def test_set_thread_state_asks_what_the_lock_page_asks(self) -> None:
        """The service refuses with the lock page's own status and reason, so the page may rely
        on it: a banned moderator is told of the ban, a member that only moderators may lock."""
        thread, _ = self.fresh("open")
        for persona in ("banned_mod", "bob"):
            self.client.logout()
            self.as_persona(persona)
            page = self.client.post(f"{thread.get_absolute_url()}moderate/lock")
            with self.assertRaises(PermissionDenied) as refused:
                services.set_thread_state(actor=self.people[persona], thread=thread, is_locked=True)
            with self.subTest(persona=persona):
                self.assertEqual((page.status_code, refusal(page)), (403, str(refused.exception)))
        self.assertFalse(Thread.objects.get(pk=thread.pk).is_locked)

    def test_a_banned_author_is_told_they_are_banned(self) -> None:
        post = Post.objects.select_related("thread").get(pk=self.banned_post.pk)
        perms = perms_for(self.people["banned"])
        for ensure in (perms.ensure_can_edit_post, perms.ensure_can_delete_post):
            with self.assertRaisesMessage(PermissionDenied, "You have been banned: Spam"):
                ensure(post)


class TwoGroupEditWindowTests(TestCase):
    """Registered members may edit for 30 minutes. A member in a second group gets the more
    generous of the two windows; a group without a window (0) beats every window."""

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        GroupProfile.objects.filter(group__name=registry.REGISTERED).update(edit_window_minutes=30)
        cls.registered = group_named(registry.REGISTERED)
        cls.groups = {}
        for name, window in (
            ("Unlimited", 0),
            ("Three hours", 180),
            ("One hour", 60),
            ("Ten minutes", 10),
        ):
            group = Group.objects.create(name=name)
            GroupProfile.objects.create(group=group, user_title=name, edit_window_minutes=window)
            cls.groups[name] = group
        cls.forum = create_forum(category=create_category(title="C"), title="F")
        cls.starter = make_member("Starter")
        cls.thread = services.create_thread(
            actor=cls.starter, forum=cls.forum, title="Talk", body="x"
        )
        cls.members = {}
        now = timezone.now()
        cls.post_ages = (20, 45, 120, 240)  # minutes
        cls.posts: dict[tuple[str, int], Post] = {}
        for name in (None, *cls.groups):
            member = make_member(f"In {name or 'Registered only'}")
            set_member_groups(
                member=member, groups=[cls.registered, *([cls.groups[name]] if name else [])]
            )
            cls.members[name] = member
            for age in cls.post_ages:
                cls.posts[name, age] = services.reply_to_thread(
                    actor=member,
                    thread=cls.thread,
                    body=f"{age} minutes ago",
                    now=now - timedelta(minutes=age),
                )

    def editable(self, name: str | None) -> list[int]:
        perms = perms_for(self.members[name])
        return [
            age
            for age in self.post_ages
            if perms.can_edit_post(
                Post.objects.select_related("thread").get(pk=self.posts[name, age].pk)
            )
        ]

    def test_the_more_generous_window_wins(self) -> None:
        self.assertEqual(
            {name: self.editable(name) for name in self.members},
            {
                None: [20],  # Registered: 30 minutes
                "Unlimited": [20, 45, 120, 240],
                "Three hours": [20, 45, 120],
                "One hour": [20, 45],
                "Ten minutes": [20],  # Registered's 30 beats 10
            },
        )

    def test_the_edit_page_says_the_window_is_over(self) -> None:
        self.client.force_login(self.members["One hour"])
        late = self.posts["One hour", 120]
        response = self.client.get(late.edit_url)
        self.assertEqual(
            (response.status_code, refusal(response)),
            (
                403,
                "Posts can be edited for 60 minutes after posting; "
                "this one can no longer be edited.",
            ),
        )
        self.assertEqual(self.client.get(self.posts["One hour", 45].edit_url).status_code, 200)

    def test_no_window_still_stops_at_a_locked_thread(self) -> None:
        admin = make_member("Window Admin", is_staff=True, is_superuser=True)
        services.set_thread_state(actor=admin, thread=self.thread, is_locked=True)
        self.assertEqual(self.editable("Unlimited"), [])


class NestedPrivateForumTests(TestCase):
    """Staff room is private to Moderators, Administrators and Helpers. Inside it, Staff archive
    (whose own entries even allow Registered to view it) and inside that, Old minutes: both are
    hidden wherever the Staff room is. Town square and its sub-forum are public."""

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        helpers = Group.objects.create(name="Helpers")
        muted = Group.objects.create(name="Muted")
        set_permission(group=muted, permission=registry.REPLY, value=registry.NEVER)
        category = create_category(title="Board")
        cls.forums = {}
        cls.forums["Town square"] = create_forum(category=category, title="Town square")
        cls.forums["Town sub"] = create_forum(
            category=category, title="Town sub", parent=cls.forums["Town square"]
        )
        room = create_forum(category=category, title="Staff room")
        archive = create_forum(category=category, title="Staff archive", parent=room)
        minutes = create_forum(category=category, title="Old minutes", parent=archive)
        cls.forums.update({"Staff room": room, "Staff archive": archive, "Old minutes": minutes})
        make_forum_private(
            forum=room,
            allowed_groups=Group.objects.filter(
                name__in=[registry.MODERATORS, registry.ADMINISTRATORS, "Helpers"]
            ),
        )
        registered = group_named(registry.REGISTERED)
        for name in (registry.VIEW_FORUM, registry.READ_THREADS, registry.REPLY):
            set_permission(group=registered, permission=name, value=registry.ALLOW, forum=archive)
        cls.people = {
            "member": make_member("Plain Pat"),
            "helper": make_member("Helper Hal"),  # Registered ("No" here) + Helpers ("Allow")
            "muted": make_member("Muted Mo"),  # Registered ("Allow" reply) + Muted ("Never")
            "archive_mod": make_member("Archivist"),  # moderates Staff archive only
            "moderator": make_member("Global Gil", is_staff=True),
            "admin": make_member("Admin Ada", is_staff=True, is_superuser=True),
        }
        set_member_groups(member=cls.people["helper"], groups=[registered, helpers])
        set_member_groups(member=cls.people["muted"], groups=[registered, muted])
        add_forum_moderator(member=cls.people["archive_mod"], forum=archive)
        cls.threads = {
            title: services.create_thread(
                actor=cls.people["admin"], forum=forum, title=f"In {title}", body="Words"
            )
            for title, forum in cls.forums.items()
        }

    PUBLIC = {"Town square", "Town sub"}
    STAFF = {"Staff room", "Staff archive", "Old minutes"}
    SEES = {
        "guest": PUBLIC,
        "member": PUBLIC,  # the archive's own "Allow" does not lift it out of the Staff room
        "helper": PUBLIC | STAFF,  # "No" from one group, "Allow" from another: allowed
        "muted": PUBLIC,
        "archive_mod": PUBLIC | {"Staff archive", "Old minutes"},  # their forum and below
        "moderator": PUBLIC | STAFF,
        "admin": PUBLIC | STAFF,
    }
    REPLIES = {
        "guest": set(),
        "member": PUBLIC,
        "helper": PUBLIC | STAFF,
        "muted": set(),  # "Never" beats every "Allow"
        "archive_mod": PUBLIC | {"Staff archive", "Old minutes"},
        "moderator": PUBLIC | STAFF,
        "admin": PUBLIC | STAFF,
    }

    def test_who_sees_and_replies_where(self) -> None:
        seen, replied = {}, {}
        for persona in self.SEES:
            perms = perms_for(self.people.get(persona))
            listed = {f.title for f in perms.visible_forums(Forum.objects.all())}
            asked = {t for t, f in self.forums.items() if perms.can_view_forum(f)}
            self.assertEqual(listed, asked, persona)
            seen[persona] = asked
            replied[persona] = {
                t
                for t, thread in self.threads.items()
                if perms.can_reply_to_thread(Thread.objects.get(pk=thread.pk))
            }
        self.assertEqual(seen, self.SEES)
        self.assertEqual(replied, self.REPLIES)

    def test_hidden_sub_forums_answer_404_and_are_not_listed(self) -> None:
        for persona in ("guest", "member", "helper", "archive_mod"):
            self.client.logout()
            if persona != "guest":
                self.client.force_login(self.people[persona])
            index = parse(self.client.get("/").content)
            listed = {
                a.text.strip()
                for a in index.find_all("a")
                if a.attrs.get("href") in {f.get_absolute_url() for f in self.forums.values()}
            }
            # The index shows top forums and their sub-forums under a top forum one sees.
            expected = {
                title
                for title, forum in self.forums.items()
                if title in self.SEES[persona]
                and (
                    forum.parent is None
                    or (forum.parent.parent is None and forum.parent.title in self.SEES[persona])
                )
            }
            with self.subTest(persona=persona):
                self.assertEqual(listed, expected)
                for title, forum in self.forums.items():
                    thread = self.threads[title]
                    expected = 200 if title in self.SEES[persona] else 404
                    for url in (forum.get_absolute_url(), thread.get_absolute_url()):
                        self.assertEqual(self.client.get(url).status_code, expected, (title, url))


class StampReachesTheNextRequestTests(TestCase):
    """A permission change bumps the stamp inside its own transaction: the very next request
    sees it, with nothing left for after commit (which a crash could lose)."""

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        cls.forum = create_forum(category=create_category(title="C"), title="Open forum")
        cls.alice = make_member("Alice")
        cls.thread = services.create_thread(
            actor=cls.alice, forum=cls.forum, title="Chat", body="Hi"
        )

    def quick_reply_shown(self) -> bool:
        page = parse(self.client.get(self.thread.get_absolute_url()).content)
        return bool(page.find_all(id="quick-reply"))

    def test_a_never_entry_refuses_the_next_reply(self) -> None:
        self.client.force_login(self.alice)
        stamps.forget_uncommitted_bump()
        self.assertTrue(self.quick_reply_shown())  # Alice's table is cached now
        with self.captureOnCommitCallbacks(execute=False) as after_commit:
            set_permission(
                group=group_named(registry.REGISTERED),
                permission=registry.REPLY,
                value=registry.NEVER,
                forum=self.forum,
            )
        self.assertEqual(after_commit, [])
        stamps.forget_uncommitted_bump()  # as committed: caches may be used again
        self.assertFalse(self.quick_reply_shown())
        response = self.client.get(self.thread.reply_url())
        self.assertEqual(
            (response.status_code, refusal(response)), (403, "You may not reply in this forum.")
        )
