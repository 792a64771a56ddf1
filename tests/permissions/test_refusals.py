"""Every `ensure_*` and `get_*` of the guardian, refusing: which status (404 when the thing must
stay invisible, 403 otherwise) and the exact reason the reader is given, persona by persona; and
the same calls passing for those who may. The pages print these reasons (StatePagesTests shows
a few end to end); here every refusal the guardian can give is pinned once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import TestCase
from django.utils import timezone

from parley.accounts.models import Member
from parley.core.markup import RENDERER_VERSION
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_forum
from parley.moderation.discipline import services as discipline
from parley.moderation.models import Report, ReportReason
from parley.moderation.reports.services import report_post
from parley.permissions import registry
from parley.permissions.grants import BanFacts
from parley.permissions.guardian import Perms, perms_for
from parley.permissions.guardian.moderation import INLINE_MAX_ITEMS
from parley.permissions.services import make_forum_private, set_permission
from tests.permissions.test_state_matrix import StateBoard
from tests.world import make_member

ONLY_MODERATORS = "Only moderators of this forum may do this."
PASSES = ("ok", "")


@dataclass
class Reported:
    """Anything with a `post` is a report to the guardian."""

    post: Post


def outcome(call: Callable[[], object]) -> tuple[str, str]:
    try:
        call()
    except Http404 as refused:
        return ("404", str(refused))
    except PermissionDenied as refused:
        return ("403", str(refused))
    return PASSES


class RefusalBoard(StateBoard):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        p = cls.people
        category = cls.forum.category
        # A public forum Fay does not moderate, one nobody but administrators sees, and one
        # where members read but neither start threads nor reply.
        cls.elsewhere = create_forum(category=category, title="Elsewhere")
        cls.private = create_forum(category=category, title="Staff room")
        make_forum_private(forum=cls.private, allowed_groups=[])
        cls.read_only = create_forum(category=category, title="Announcements")
        registered = Group.objects.get(name=registry.REGISTERED)
        for permission in (registry.START_THREAD, registry.REPLY):
            set_permission(
                group=registered, permission=permission, value=registry.DENY, forum=cls.read_only
            )
        cls.elsewhere_thread = services.create_thread(
            actor=p["bob"], forum=cls.elsewhere, title="Far away", body="Over there"
        )
        cls.announcement = services.create_thread(
            actor=p["admin"], forum=cls.read_only, title="Rules", body="Be kind"
        )
        cls.inactive = make_member("Gone Gina")
        Member.objects.filter(pk=cls.inactive.pk).update(is_active=False)
        cls.inactive.refresh_from_db()
        reason = ReportReason.objects.create(title="Off topic")
        cls.report = report_post(actor=p["bob"], post=cls.posts["open"], reason=reason)

    def perms(self, persona: str) -> Perms:
        return perms_for(self.people.get(persona))

    def post(self, state: str) -> Post:
        return Post.objects.select_related("thread").get(pk=self.posts[state].pk)

    def thread(self, state: str) -> Thread:
        return Thread.objects.select_related("forum").get(pk=self.threads[state].pk)

    def check(self, cases: list[tuple[str, str, Callable[[Perms], object], tuple[str, str]]]):
        got = [
            (persona, what, outcome(partial(call, self.perms(persona))))
            for persona, what, call, _ in cases
        ]
        want = [(persona, what, expected) for persona, what, _, expected in cases]
        self.assertEqual(got, want)


class ThreadAndPostRefusalTests(RefusalBoard):
    def test_starting_threads(self) -> None:
        news, ro = self.forum, self.read_only
        self.check(
            [
                (
                    "guest",
                    "start",
                    lambda p: p.ensure_can_start_thread(news),
                    ("403", "You must log in to start a thread."),
                ),
                (
                    "banned",
                    "start",
                    lambda p: p.ensure_can_start_thread(news),
                    ("403", "You have been banned: Spam"),
                ),
                (
                    "alice",
                    "start read-only",
                    lambda p: p.ensure_can_start_thread(ro),
                    ("403", "You may not start threads in this forum."),
                ),
                ("alice", "start", lambda p: p.ensure_can_start_thread(news), PASSES),
                ("admin", "start read-only", lambda p: p.ensure_can_start_thread(ro), PASSES),
            ]
        )

    def test_replying(self) -> None:
        rules = self.announcement
        self.check(
            [
                (
                    "guest",
                    "reply",
                    lambda p: p.ensure_can_reply_to_thread(self.thread("open")),
                    ("403", "You must log in or register to reply here."),
                ),
                (
                    "banned",
                    "reply",
                    lambda p: p.ensure_can_reply_to_thread(self.thread("open")),
                    ("403", "You have been banned: Spam"),
                ),
                (
                    "alice",
                    "locked",
                    lambda p: p.ensure_can_reply_to_thread(self.thread("locked")),
                    ("403", "This thread is locked; no more replies can be posted."),
                ),
                (
                    "alice",
                    "read-only",
                    lambda p: p.ensure_can_reply_to_thread(rules),
                    ("403", "You may not reply in this forum."),
                ),
                (
                    "alice",
                    "open",
                    lambda p: p.ensure_can_reply_to_thread(self.thread("open")),
                    PASSES,
                ),
                (
                    "forum_mod",
                    "locked",
                    lambda p: p.ensure_can_reply_to_thread(self.thread("locked")),
                    PASSES,
                ),
            ]
        )

    def test_getting_what_does_not_exist_or_is_not_yours_to_see(self) -> None:
        private_thread = services.create_thread(
            actor=self.people["admin"], forum=self.private, title="Pay rises", body="Secret"
        )
        self.check(
            [
                ("alice", "forum", lambda p: p.get_forum(10**9), ("404", "No such forum.")),
                (
                    "alice",
                    "private forum",
                    lambda p: p.get_forum(self.private.pk),
                    ("404", "No such forum."),
                ),
                ("alice", "thread", lambda p: p.get_thread(10**9), ("404", "No such thread.")),
                (
                    "alice",
                    "private thread",
                    lambda p: p.get_thread(private_thread.pk),
                    ("404", "No such thread."),
                ),
                ("alice", "post", lambda p: p.get_post(10**9), ("404", "No such post.")),
                (
                    "bob",
                    "held post",
                    lambda p: p.get_post(self.posts["post_held"].pk),
                    ("404", "No such post."),
                ),
                ("admin", "private thread", lambda p: p.get_thread(private_thread.pk), PASSES),
            ]
        )

    def test_got_objects_come_with_what_their_pages_print(self) -> None:
        alice = self.perms("alice")
        post = alice.get_post(self.posts["open"].pk)
        thread = alice.get_thread(self.threads["open"].pk)
        forum = alice.get_forum(self.forum.pk)
        with self.assertNumQueries(0):
            self.assertEqual(
                (post.thread.forum.title, post.author.username, thread.forum.category.title),
                ("Public", "Alice", "Everything"),
            )
            self.assertEqual((forum.category.title, forum.parent), ("Everything", None))

    def test_an_author_changing_their_own_post(self) -> None:
        self.check(
            [
                (
                    "banned",
                    "edit own",
                    lambda p: p.ensure_can_edit_post(self.banned_post),
                    ("403", "You have been banned: Spam"),
                ),
                (
                    "banned",
                    "delete own",
                    lambda p: p.ensure_can_delete_post(self.banned_post),
                    ("403", "You have been banned: Spam"),
                ),
                (
                    "bob",
                    "edit",
                    lambda p: p.ensure_can_edit_post(self.post("open")),
                    ("403", "You may not edit this post."),
                ),
                (
                    "bob",
                    "delete",
                    lambda p: p.ensure_can_delete_post(self.post("open")),
                    ("403", "You may not delete this post."),
                ),
                (
                    "alice",
                    "edit locked",
                    lambda p: p.ensure_can_edit_post(self.post("locked")),
                    ("403", "This thread is locked; its posts can no longer be edited."),
                ),
                (
                    "alice",
                    "delete locked",
                    lambda p: p.ensure_can_delete_post(self.post("locked")),
                    ("403", "This thread is locked; its posts can no longer be deleted."),
                ),
                (
                    "forum_mod",
                    "edit locked",
                    lambda p: p.ensure_can_edit_post(self.post("locked")),
                    PASSES,
                ),
                ("alice", "edit", lambda p: p.ensure_can_edit_post(self.post("open")), PASSES),
                ("alice", "delete", lambda p: p.ensure_can_delete_post(self.post("open")), PASSES),
            ]
        )

    def test_a_moderator_who_wrote_a_post_in_a_locked_thread_still_changes_it(self) -> None:
        thread = self.thread("locked")
        mine = services.reply_to_thread(actor=self.people["forum_mod"], thread=thread, body="Mod")
        mine = Post.objects.select_related("thread").get(pk=mine.pk)
        self.check(
            [
                ("forum_mod", "edit", lambda p: p.ensure_can_edit_post(mine), PASSES),
                ("forum_mod", "delete", lambda p: p.ensure_can_delete_post(mine), PASSES),
            ]
        )

    def test_a_ban_with_an_end_says_until_when_and_an_ended_ban_is_over(self) -> None:
        carol, dave = make_member("Carol"), make_member("Dave")
        ends = timezone.now() + timedelta(days=3)
        discipline.ban_member(
            actor=self.people["admin"], member=carol, reason="Cool off", ends_at=ends
        )
        until = f"{timezone.localtime(ends):%b %d, %Y}"
        self.assertEqual(
            outcome(lambda: perms_for(carol).ensure_can_start_thread(self.forum)),
            ("403", f"You have been banned until {until}: Cool off"),
        )
        over = Perms(
            dave,
            perms_for(dave).grants,
            ban=BanFacts(reason="Short", ends_at=timezone.now() - timedelta(seconds=1)),
        )
        self.assertEqual((over.ban, over.can_act), (None, True))
        self.assertEqual(outcome(lambda: over.ensure_can_start_thread(self.forum)), PASSES)
        self.assertEqual(perms_for(carol).ban.reason, "Cool off")


class ModerationRefusalTests(RefusalBoard):
    def test_moderating_posts_and_threads(self) -> None:
        forum = self.forum
        self.check(
            [
                (
                    "bob",
                    "post",
                    lambda p: p.ensure_can_moderate_post(self.post("open")),
                    ("403", ONLY_MODERATORS),
                ),
                (
                    "banned_mod",
                    "post",
                    lambda p: p.ensure_can_moderate_post(self.post("open")),
                    ("403", "You have been banned: Rogue"),
                ),
                (
                    "bob",
                    "thread",
                    lambda p: p.ensure_can_moderate_thread(self.thread("open")),
                    ("403", ONLY_MODERATORS),
                ),
                (
                    "banned_mod",
                    "thread",
                    lambda p: p.ensure_can_moderate_thread(self.thread("open")),
                    ("403", "You have been banned: Rogue"),
                ),
                (
                    "bob",
                    "forum",
                    lambda p: p.ensure_can_moderate_threads_in(forum),
                    ("403", ONLY_MODERATORS),
                ),
                (
                    "banned_mod",
                    "forum",
                    lambda p: p.ensure_can_moderate_threads_in(forum),
                    ("403", "You have been banned: Rogue"),
                ),
                (
                    "forum_mod",
                    "elsewhere",
                    lambda p: p.ensure_can_moderate_threads_in(self.elsewhere),
                    ("403", ONLY_MODERATORS),
                ),
                (
                    "forum_mod",
                    "post",
                    lambda p: p.ensure_can_moderate_post(self.post("open")),
                    PASSES,
                ),
                ("forum_mod", "forum", lambda p: p.ensure_can_moderate_threads_in(forum), PASSES),
            ]
        )

    def test_hard_deleting_is_for_administrators(self) -> None:
        admins_only = ("403", "Only administrators may delete permanently.")
        self.check(
            [
                (
                    "moderator",
                    "post",
                    lambda p: p.ensure_can_hard_delete(self.post("open")),
                    admins_only,
                ),
                (
                    "moderator",
                    "thread",
                    lambda p: p.ensure_can_hard_delete(self.thread("open")),
                    admins_only,
                ),
                ("admin", "post", lambda p: p.ensure_can_hard_delete(self.post("open")), PASSES),
                (
                    "admin",
                    "thread",
                    lambda p: p.ensure_can_hard_delete(self.thread("open")),
                    PASSES,
                ),
                (
                    "admin",
                    "deleted thread",
                    lambda p: p.ensure_can_hard_delete(self.thread("thread_deleted")),
                    PASSES,
                ),
            ]
        )

    def test_moving_merging_and_splitting(self) -> None:
        here, there, private = self.forum, self.elsewhere, self.private
        far = Thread.objects.get(pk=self.elsewhere_thread.pk)
        self.check(
            [
                (
                    "bob",
                    "move",
                    lambda p: p.ensure_can_move_thread_to(self.thread("open"), there),
                    ("403", ONLY_MODERATORS),
                ),
                (
                    "forum_mod",
                    "move to same",
                    lambda p: p.ensure_can_move_thread_to(self.thread("open"), here),
                    ("403", "You may not move threads to that forum."),
                ),
                (
                    "forum_mod",
                    "move to private",
                    lambda p: p.ensure_can_move_thread_to(self.thread("open"), private),
                    ("403", "You may not move threads to that forum."),
                ),
                (
                    "forum_mod",
                    "move",
                    lambda p: p.ensure_can_move_thread_to(self.thread("open"), there),
                    PASSES,
                ),
                (
                    "admin",
                    "move to private",
                    lambda p: p.ensure_can_move_thread_to(self.thread("open"), private),
                    PASSES,
                ),
                (
                    "forum_mod",
                    "merge with elsewhere",
                    lambda p: p.ensure_can_merge_threads(self.thread("open"), [far]),
                    ("403", "You may not merge these threads."),
                ),
                (
                    "forum_mod",
                    "merge",
                    lambda p: p.ensure_can_merge_threads(
                        self.thread("open"), [self.thread("locked")]
                    ),
                    PASSES,
                ),
                (
                    "bob",
                    "split",
                    lambda p: p.ensure_can_split_posts_to(self.thread("open"), here),
                    ("403", ONLY_MODERATORS),
                ),
                (
                    "forum_mod",
                    "split to private",
                    lambda p: p.ensure_can_split_posts_to(self.thread("open"), private),
                    ("403", "You may not create threads there."),
                ),
                (
                    "forum_mod",
                    "split",
                    lambda p: p.ensure_can_split_posts_to(self.thread("open"), here),
                    PASSES,
                ),
            ]
        )

    def test_inline_moderation_refetches_every_id(self) -> None:
        thread = self.thread("open")
        mine = [thread.first_post_id, self.posts["open"].pk]
        other_threads = self.posts["locked"].pk
        no_posts, no_threads = ("404", "No such posts."), ("404", "No such threads.")
        too_many = range(10**6, 10**6 + INLINE_MAX_ITEMS + 1)
        self.check(
            [
                ("forum_mod", "none", lambda p: p.get_posts_to_moderate(thread, []), no_posts),
                (
                    "forum_mod",
                    "too many",
                    lambda p: p.get_posts_to_moderate(thread, too_many),
                    no_posts,
                ),
                (
                    "forum_mod",
                    "another thread's",
                    lambda p: p.get_posts_to_moderate(thread, [*mine, other_threads]),
                    no_posts,
                ),
                (
                    "bob",
                    "not a moderator",
                    lambda p: p.get_posts_to_moderate(thread, mine),
                    no_posts,
                ),
                (
                    "forum_mod",
                    "own thread's",
                    lambda p: p.get_posts_to_moderate(thread, mine),
                    PASSES,
                ),
                (
                    "forum_mod",
                    "no threads",
                    lambda p: p.get_threads_to_moderate(self.forum, []),
                    no_threads,
                ),
                (
                    "forum_mod",
                    "too many threads",
                    lambda p: p.get_threads_to_moderate(self.forum, too_many),
                    no_threads,
                ),
                (
                    "forum_mod",
                    "elsewhere's",
                    lambda p: p.get_threads_to_moderate(
                        self.forum, [thread.pk, self.elsewhere_thread.pk]
                    ),
                    no_threads,
                ),
                (
                    "bob",
                    "threads",
                    lambda p: p.get_threads_to_moderate(self.forum, [thread.pk]),
                    no_threads,
                ),
                (
                    "forum_mod",
                    "threads",
                    lambda p: p.get_threads_to_moderate(self.forum, [thread.pk]),
                    PASSES,
                ),
            ]
        )
        fay = self.perms("forum_mod")
        with self.assertNumQueries(1):
            posts = fay.get_posts_to_moderate(thread, mine)
            self.assertEqual(sorted(p.pk for p in posts), sorted(mine))
            self.assertTrue(all(p.thread is thread for p in posts))
            self.assertEqual({p.author.username for p in posts}, {"Bob", "Alice"})
        with self.assertNumQueries(1):
            (got,) = fay.get_threads_to_moderate(self.forum, [thread.pk])
            self.assertEqual(got.forum.title, "Public")
        self.assertEqual(
            len(
                fay.get_threads_to_moderate(
                    self.forum, [self.threads[s].pk for s in ("open", "locked")]
                )
            ),
            2,
        )

    def test_history_and_the_log_do_not_exist_for_others(self) -> None:
        no_page = ("404", "No such page.")
        self.check(
            [
                ("bob", "history", lambda p: p.ensure_can_view_history(self.post("open")), no_page),
                (
                    "forum_mod",
                    "history elsewhere",
                    lambda p: p.ensure_can_view_history(
                        Post.objects.select_related("thread").get(
                            pk=self.elsewhere_thread.first_post_id
                        )
                    ),
                    no_page,
                ),
                (
                    "forum_mod",
                    "history",
                    lambda p: p.ensure_can_view_history(self.post("open")),
                    PASSES,
                ),
                ("moderator", "log", lambda p: p.ensure_can_view_moderator_log(), no_page),
                ("admin", "log", lambda p: p.ensure_can_view_moderator_log(), PASSES),
            ]
        )

    def test_the_approval_queue(self) -> None:
        held_post, held_thread = self.post("post_held"), self.thread("thread_held")
        refused = ("403", "Only moderators of this forum may approve or reject this.")
        self.check(
            [
                (
                    "bob",
                    "queue",
                    lambda p: p.ensure_can_view_approval_queue(),
                    ("403", "Only moderators may see the approval queue."),
                ),
                (
                    "banned_mod",
                    "queue",
                    lambda p: p.ensure_can_view_approval_queue(),
                    ("403", "Only moderators may see the approval queue."),
                ),
                ("forum_mod", "queue", lambda p: p.ensure_can_view_approval_queue(), PASSES),
                ("bob", "post", lambda p: p.ensure_can_approve(held_post), refused),
                ("bob", "thread", lambda p: p.ensure_can_approve(held_thread), refused),
                ("banned_mod", "post", lambda p: p.ensure_can_approve(held_post), refused),
                ("forum_mod", "post", lambda p: p.ensure_can_approve(held_post), PASSES),
                ("forum_mod", "thread", lambda p: p.ensure_can_approve(held_thread), PASSES),
                (
                    "forum_mod",
                    "elsewhere",
                    lambda p: p.ensure_can_approve(Thread.objects.get(pk=self.elsewhere_thread.pk)),
                    refused,
                ),
            ]
        )

    def test_reports(self) -> None:
        report = Reported(post=self.post("open"))
        reports = Report.objects.all()
        self.check(
            [
                (
                    "alice",
                    "report own",
                    lambda p: p.ensure_can_report_post(self.post("open")),
                    ("403", "You may not report this post."),
                ),
                (
                    "banned",
                    "report",
                    lambda p: p.ensure_can_report_post(self.post("open")),
                    ("403", "You have been banned: Spam"),
                ),
                ("bob", "report", lambda p: p.ensure_can_report_post(self.post("open")), PASSES),
                (
                    "bob",
                    "queue",
                    lambda p: p.ensure_can_view_reports(),
                    ("403", "Only moderators can see reports."),
                ),
                (
                    "guest",
                    "queue",
                    lambda p: p.ensure_can_view_reports(),
                    ("403", "Only moderators can see reports."),
                ),
                ("forum_mod", "queue", lambda p: p.ensure_can_view_reports(), PASSES),
                (
                    "bob",
                    "handle",
                    lambda p: p.ensure_can_handle_report(report),
                    ("404", "No such report."),
                ),
                (
                    "guest",
                    "handle",
                    lambda p: p.ensure_can_handle_report(report),
                    ("404", "No such report."),
                ),
                (
                    "banned_mod",
                    "handle",
                    lambda p: p.ensure_can_handle_report(report),
                    ("403", "You have been banned: Rogue"),
                ),
                ("forum_mod", "handle", lambda p: p.ensure_can_handle_report(report), PASSES),
                (
                    "bob",
                    "get",
                    lambda p: p.get_report(reports, self.report.pk),
                    ("404", "No such report."),
                ),
                (
                    "forum_mod",
                    "get missing",
                    lambda p: p.get_report(reports, 10**9),
                    ("404", "No such report."),
                ),
                ("forum_mod", "get", lambda p: p.get_report(reports, self.report.pk), PASSES),
            ]
        )
        self.assertEqual(self.perms("forum_mod").get_report(reports, self.report.pk), self.report)

    def test_marking_a_forum_read(self) -> None:
        refused = ("403", "You may not mark this forum read.")
        self.check(
            [
                ("guest", "public", lambda p: p.ensure_can_mark_forum_read(self.forum), refused),
                ("alice", "private", lambda p: p.ensure_can_mark_forum_read(self.private), refused),
                ("alice", "public", lambda p: p.ensure_can_mark_forum_read(self.forum), PASSES),
                ("banned", "public", lambda p: p.ensure_can_mark_forum_read(self.forum), PASSES),
            ]
        )


class DisciplineRefusalTests(RefusalBoard):
    def test_who_warns_whom(self) -> None:
        p = self.people
        no = ("403", "You may not warn this member.")
        alices = self.post("open")
        far = Post.objects.select_related("thread").get(pk=self.elsewhere_thread.first_post_id)
        self.check(
            [
                ("bob", "alice", lambda g: g.ensure_can_warn_member(p["alice"]), no),
                ("banned_mod", "alice", lambda g: g.ensure_can_warn_member(p["alice"]), no),
                (
                    "forum_mod",
                    "alice for her post",
                    lambda g: g.ensure_can_warn_member(p["alice"], alices),
                    PASSES,
                ),
                (
                    "forum_mod",
                    "bob for a post elsewhere",
                    lambda g: g.ensure_can_warn_member(p["bob"], far),
                    no,
                ),
                ("forum_mod", "bob", lambda g: g.ensure_can_warn_member(p["bob"]), PASSES),
                ("forum_mod", "herself", lambda g: g.ensure_can_warn_member(p["forum_mod"]), no),
                (
                    "forum_mod",
                    "a moderator",
                    lambda g: g.ensure_can_warn_member(p["moderator"]),
                    no,
                ),
                (
                    "moderator",
                    "a forum moderator",
                    lambda g: g.ensure_can_warn_member(p["forum_mod"]),
                    no,
                ),
                (
                    "moderator",
                    "an administrator",
                    lambda g: g.ensure_can_warn_member(p["admin"]),
                    no,
                ),
                (
                    "moderator",
                    "an inactive member",
                    lambda g: g.ensure_can_warn_member(self.inactive),
                    no,
                ),
                (
                    "admin",
                    "a moderator",
                    lambda g: g.ensure_can_warn_member(p["moderator"]),
                    PASSES,
                ),
                ("admin", "himself", lambda g: g.ensure_can_warn_member(p["admin"]), no),
            ]
        )

    def test_who_bans_whom(self) -> None:
        p = self.people
        no = ("403", "You may not ban this member.")
        self.check(
            [
                ("forum_mod", "alice", lambda g: g.ensure_can_ban_member(p["alice"]), no),
                ("banned_mod", "alice", lambda g: g.ensure_can_ban_member(p["alice"]), no),
                ("moderator", "alice", lambda g: g.ensure_can_ban_member(p["alice"]), PASSES),
                (
                    "moderator",
                    "a forum moderator",
                    lambda g: g.ensure_can_ban_member(p["forum_mod"]),
                    no,
                ),
                (
                    "admin",
                    "a forum moderator",
                    lambda g: g.ensure_can_ban_member(p["forum_mod"]),
                    PASSES,
                ),
                (
                    "admin",
                    "an administrator",
                    lambda g: g.ensure_can_ban_member(
                        make_member("Other Admin", is_superuser=True, is_staff=True)
                    ),
                    no,
                ),
            ]
        )

    def test_the_warn_link_on_a_post(self) -> None:
        p = self.people
        fay, gil, bob = self.perms("forum_mod"), self.perms("moderator"), self.perms("bob")
        alices, fays = (
            self.post("open"),
            Post.objects.select_related("thread").get(
                pk=services.reply_to_thread(
                    actor=p["forum_mod"], thread=self.thread("open"), body="Mine"
                ).pk
            ),
        )
        far = Post.objects.select_related("thread").get(pk=self.elsewhere_thread.first_post_id)
        Post.objects.filter(pk=far.pk).update(author=None)
        far.refresh_from_db()
        with self.assertNumQueries(0):
            self.assertEqual(
                [
                    fay.can_warn_post(alices),
                    fay.can_warn_post(fays),
                    fay.can_warn_post(far),
                    gil.can_warn_post(alices),
                    gil.can_warn_post(far),
                    bob.can_warn_post(alices),
                ],
                [True, False, False, True, False, False],
            )
        self.assertFalse(self.perms("banned_mod").can_warn_post(alices))


class FinePointsTests(RefusalBoard):
    """The edges a mutation run found unguarded: exact boundaries, who else's rows a write
    touches, and what a fetched object brings along."""

    def test_flood_and_approval_bypasses_follow_the_group(self) -> None:
        gil, alice = self.perms("moderator"), self.perms("alice")
        self.assertEqual(
            [gil.can_bypass_flood(self.forum.pk), gil.can_post_without_approval(self.forum.pk)],
            [True, True],
        )
        self.assertEqual(
            [
                alice.can_bypass_flood(self.forum.pk),
                alice.can_post_without_approval(self.forum.pk),
            ],
            [False, False],
        )

    def test_a_moderator_moves_into_a_forum_they_moderate_but_may_not_post_in(self) -> None:
        from parley.permissions.services import add_forum_moderator

        add_forum_moderator(member=self.people["forum_mod"], forum=self.read_only)
        fay = self.perms("forum_mod")
        self.assertEqual(
            outcome(lambda: fay.ensure_can_move_thread_to(self.thread("open"), self.read_only)),
            PASSES,
        )
        targets = {f.title for f in fay.visible_target_forums(Forum.objects.all())}
        self.assertEqual(targets, {"Public", "Elsewhere", "Announcements"})
        alice = {f.title for f in self.perms("alice").visible_target_forums(Forum.objects.all())}
        self.assertEqual(alice, {"Public", "Elsewhere"})
        banned = self.perms("banned").visible_target_forums(Forum.objects.all())
        self.assertEqual(list(banned), [])

    def test_inline_moderation_takes_one_item_and_at_most_the_cap(self) -> None:
        thread = self.thread("open")
        fay, admin = self.perms("forum_mod"), self.perms("admin")
        self.assertEqual(len(fay.get_posts_to_moderate(thread, [thread.first_post_id])), 1)
        self.assertEqual(len(fay.get_threads_to_moderate(self.forum, [thread.pk])), 1)
        # Another forum's thread is not this forum's, even for an administrator.
        self.assertEqual(
            outcome(lambda: admin.get_threads_to_moderate(self.forum, [self.elsewhere_thread.pk])),
            ("404", "No such threads."),
        )
        last = Post.objects.filter(thread=thread).order_by("-position").first()
        Post.objects.bulk_create(
            Post(
                thread=thread,
                author=last.author,
                author_name=last.author_name,
                body_source="filler",
                body_html="<p>filler</p>",
                renderer_version=RENDERER_VERSION,
                position=last.position + n,
                created_at=last.created_at,
            )
            for n in range(1, INLINE_MAX_ITEMS + 1)
        )
        ids = list(
            Post.objects.filter(thread=thread).order_by("position").values_list("pk", flat=True)
        )
        self.assertEqual(len(fay.get_posts_to_moderate(thread, ids[:INLINE_MAX_ITEMS])), 200)
        self.assertEqual(
            outcome(lambda: fay.get_posts_to_moderate(thread, ids[: INLINE_MAX_ITEMS + 1])),
            ("404", "No such posts."),
        )

    def test_a_global_moderator_moves_into_a_forum_where_their_group_may_not_post(self) -> None:
        from parley.permissions.services import group_named

        set_permission(
            group=group_named(registry.MODERATORS),
            permission=registry.START_THREAD,
            value=registry.DENY,
            forum=self.read_only,
        )
        gil = self.perms("moderator")
        self.assertFalse(gil.can_start_thread(self.read_only))
        self.assertEqual(
            outcome(lambda: gil.ensure_can_move_thread_to(self.thread("open"), self.read_only)),
            PASSES,
        )
        targets = {f.title for f in gil.visible_target_forums(Forum.objects.all())}
        self.assertIn("Announcements", targets)

    def test_only_administrators_open_the_admin_site(self) -> None:
        self.assertEqual(
            {
                p: self.perms(p).can_open_admin_site()
                for p in ("guest", "alice", "moderator", "forum_mod", "admin")
            },
            {"guest": False, "alice": False, "moderator": False, "forum_mod": False, "admin": True},
        )

    def test_inline_moderation_takes_at_most_the_cap_of_threads(self) -> None:
        bob = self.people["bob"]
        now = timezone.now()
        Thread.objects.bulk_create(
            Thread(
                forum=self.forum,
                title=f"Filler {n}",
                slug=f"filler-{n}",
                author=bob,
                author_name=bob.username,
                created_at=now,
                last_post_at=now,
            )
            for n in range(INLINE_MAX_ITEMS + 1)
        )
        ids = list(
            Thread.objects.filter(title__startswith="Filler ")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        fay = self.perms("forum_mod")
        self.assertEqual(len(fay.get_threads_to_moderate(self.forum, ids[:INLINE_MAX_ITEMS])), 200)
        self.assertEqual(
            outcome(lambda: fay.get_threads_to_moderate(self.forum, ids)),
            ("404", "No such threads."),
        )

    def test_fetched_objects_bring_their_sub_forums_parent(self) -> None:
        sub = create_forum(category=self.forum.category, title="Local", parent=self.forum)
        thread = services.create_thread(
            actor=self.people["alice"], forum=sub, title="Street fair", body="Saturday"
        )
        alice = self.perms("alice")
        got_forum, got_thread = alice.get_forum(sub.pk), alice.get_thread(thread.pk)
        got_post = alice.get_post(thread.first_post_id)
        with self.assertNumQueries(0):
            self.assertEqual(
                (
                    got_forum.parent.title,
                    got_thread.forum.parent.title,
                    got_thread.forum.title,
                    got_post.thread.title,
                ),
                ("Public", "Public", "Local", "Street fair"),
            )

    def test_an_author_does_not_see_their_held_thread_once_deleted(self) -> None:
        alice = self.perms("alice")
        held = self.threads["thread_held"]
        self.assertIn(held, alice.visible_threads(Thread.objects.all()))
        from parley.moderation.actions import services as actions

        actions.soft_delete_thread(
            actor=self.people["moderator"], thread=self.thread("thread_held")
        )
        self.assertNotIn(held, alice.visible_threads(Thread.objects.all()))
        self.assertNotIn(held.first_post, alice.visible_posts(Post.objects.all()))


class EditWindowMessageTests(TestCase):
    """The edit window's refusal names the window, in the singular for one minute, only to the
    post's author; others are told plainly they may not edit."""

    @classmethod
    def setUpTestData(cls) -> None:
        from parley.permissions.models import GroupProfile
        from parley.permissions.services import ensure_system_groups
        from tests.world import build_world

        ensure_system_groups()
        cls.w = build_world()
        cls.registered = GroupProfile.objects.get(group__name=registry.REGISTERED)
        cls.old = services.reply_to_thread(
            actor=cls.w.member,
            thread=cls.w.short_thread,
            body="Written long ago",
            now=timezone.now() - timedelta(hours=2),
        )

    def refusal(self, member: Member, minutes: int) -> tuple[str, str]:
        from parley.permissions.services import save_group_profile

        save_group_profile(
            group=self.registered.group,
            user_title="Member",
            display_priority=10,
            edit_window_minutes=minutes,
        )
        post = Post.objects.select_related("thread").get(pk=self.old.pk)
        return outcome(lambda: perms_for(member).ensure_can_edit_post(post))

    def test_the_author_is_told_the_window(self) -> None:
        self.assertEqual(
            self.refusal(self.w.member, 1),
            (
                "403",
                "Posts can be edited for 1 minute after posting; this one can no longer be edited.",
            ),
        )
        self.assertEqual(
            self.refusal(self.w.member, 2)[1],
            "Posts can be edited for 2 minutes after posting; this one can no longer be edited.",
        )

    def test_someone_else_is_told_they_may_not_edit(self) -> None:
        self.assertEqual(self.refusal(self.w.other, 1), ("403", "You may not edit this post."))

    def test_someone_else_in_a_locked_thread_is_not_told_about_the_lock(self) -> None:
        post = services.reply_to_thread(actor=self.w.member, thread=self.w.short_thread, body="Hi")
        from parley.forums.services import set_thread_state

        set_thread_state(actor=self.w.moderator, thread=self.w.short_thread, is_locked=True)
        post = Post.objects.select_related("thread").get(pk=post.pk)
        self.assertEqual(
            outcome(lambda: perms_for(self.w.other).ensure_can_edit_post(post)),
            ("403", "You may not edit this post."),
        )

    def test_the_window_ends_after_its_last_minute_not_on_it(self) -> None:
        from unittest import mock

        self.refusal(self.w.member, 30)
        post = Post.objects.select_related("thread").get(pk=self.old.pk)
        perms = perms_for(self.w.member)
        at = post.created_at + timedelta(minutes=30)
        with mock.patch("parley.permissions.guardian.posts.timezone.now", return_value=at):
            self.assertTrue(perms.can_edit_post(post))
        later = at + timedelta(microseconds=1)
        with mock.patch("parley.permissions.guardian.posts.timezone.now", return_value=later):
            self.assertFalse(perms.can_edit_post(post))
