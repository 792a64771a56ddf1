"""Counter consistency: after any moderator action, every stored counter (post positions, reply
counts, first/last posts, forum totals and last posts, member message counts) equals what the
`resync_*` repair functions compute from scratch. Checked after each action in the service
tests, and here over random sequences of actions (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services import counters
from parley.forums.services.structure import create_category, create_forum
from parley.moderation.actions import services as actions
from parley.permissions.services import ensure_system_groups
from tests.world import make_member


def counters_snapshot() -> dict[str, dict[int, tuple]]:
    return {
        "posts": {
            p.pk: (p.thread_id, p.position)
            for p in Post.objects.only("thread_id", "position").order_by("pk")
        },
        "threads": {
            t.pk: (
                t.reply_count,
                t.last_position,
                t.first_post_id,
                t.last_post_id,
                t.last_post_at,
            )
            for t in Thread.objects.filter(redirect_to__isnull=True)
        },
        "forums": {
            f.pk: (f.thread_count, f.post_count, f.last_post_id) for f in Forum.objects.all()
        },
        "members": dict(Member.objects.values_list("pk", "message_count")),
    }


def _differences(stored: dict, rebuilt: dict) -> list[str]:
    return [
        f"{kind} {key}: stored {rows.get(key)} != rebuilt {rebuilt[kind].get(key)}"
        for kind, rows in stored.items()
        for key in sorted(rows.keys() | rebuilt[kind].keys())
        if rows.get(key) != rebuilt[kind].get(key)
    ]


def assert_counters_consistent() -> None:
    """Stored counters equal resync's, redirect stubs hold nothing, and every thread starts
    where its first post does. Runs the resyncs in a savepoint it rolls back."""
    stored = counters_snapshot()
    with transaction.atomic():
        for thread in Thread.objects.filter(redirect_to__isnull=True):
            counters.resync_thread(thread)
        for forum in Forum.objects.all():
            counters.resync_forum(forum)
        for member in Member.objects.all():
            counters.resync_member(member)
        rebuilt = counters_snapshot()
        transaction.set_rollback(True)
    problems = _differences(stored, rebuilt)
    for stub in Thread.objects.filter(redirect_to__isnull=False):
        if stub.posts.exists() or stub.reply_count or stub.first_post_id:
            problems.append(f"redirect stub {stub.pk} holds posts or counts")
    for thread in Thread.objects.filter(redirect_to__isnull=True).select_related("first_post"):
        first = thread.first_post
        if first and (thread.author_id, thread.created_at) != (first.author_id, first.created_at):
            problems.append(f"thread {thread.pk} does not start at its first post")
    assert not problems, "\n".join(problems)


# --- Random sequences of moderator actions over a small board ---------------------------------

ACTIONS = [
    "delete_post",
    "undelete_post",
    "hard_delete_post",
    "delete_thread",
    "undelete_thread",
    "hard_delete_thread",
    "move",
    "merge",
    "split",
    "reply",
    "moderator_reply",
    "author_delete",
]


class CounterConsistencyProperty(TestCase):
    """Two forums, four threads of four posts by three writers; an administrator acts."""

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        cls.admin = make_member("Admin", is_staff=True, is_superuser=True)
        cls.writers = [make_member(name) for name in ("Ann", "Ben", "Cyd")]
        category = create_category(title="Board")
        cls.forums = [create_forum(category=category, title=t) for t in ("One", "Two")]
        start = cls.admin.date_joined - timedelta(days=1)
        minute = 0
        for i in range(4):
            minute += 1
            thread = services.create_thread(
                actor=cls.writers[i % 3],
                forum=cls.forums[i % 2],
                title=f"Thread {i}",
                body=f"Opening {i}",
                now=start + timedelta(minutes=minute),
            )
            for j in range(3):
                minute += 1
                services.reply_to_thread(
                    actor=cls.writers[(i + j) % 3],
                    thread=thread,
                    body=f"Reply {i}.{j}",
                    now=start + timedelta(minutes=minute),
                )

    def _apply(self, action: str, pick: int, step: int) -> None:
        threads = list(Thread.objects.filter(redirect_to__isnull=True).order_by("pk"))
        if not threads:
            return
        thread = threads[pick % len(threads)]
        posts = list(Post.objects.filter(thread=thread).order_by("created_at", "pk"))
        replies = [p for p in posts if p.pk != thread.first_post_id]
        post = replies[pick % len(replies)] if replies else None
        other = threads[(pick + 1) % len(threads)]
        admin = self.admin
        if action == "delete_post" and post:
            actions.soft_delete_post(actor=admin, post=post, reason="r")
        elif action == "undelete_post" and post and post.is_deleted:
            actions.undelete_post(actor=admin, post=post)
        elif action == "hard_delete_post" and post:
            actions.hard_delete_post(actor=admin, post=post)
        elif action == "delete_thread":
            actions.soft_delete_thread(actor=admin, thread=thread)
        elif action == "undelete_thread":
            actions.undelete_thread(actor=admin, thread=thread)
        elif action == "hard_delete_thread" and len(threads) > 2:
            actions.hard_delete_thread(actor=admin, thread=thread)
        elif action == "move":
            forum = next(f for f in self.forums if f.pk != thread.forum_id)
            actions.move_thread(actor=admin, thread=thread, forum=forum, leave_redirect=pick % 2)
        elif action == "merge" and other.pk != thread.pk:
            actions.merge_threads(
                actor=admin, target=thread, sources=[other], leave_redirects=bool(pick % 2)
            )
        elif action == "split" and len(replies) >= 2 and not replies[-1].is_deleted:
            visible = [p for p in posts if not p.is_deleted]
            if len(visible) >= 2 and replies[-1] in visible:
                actions.split_posts(
                    actor=admin,
                    thread=thread,
                    posts=[replies[-1]],
                    title="Split off",
                    forum=self.forums[pick % 2],
                )
        elif action == "reply" and not thread.is_deleted:
            services.reply_to_thread(
                actor=self.writers[pick % 3],
                thread=thread,
                body=f"More {step}",
                now=timezone.now() + timedelta(hours=step),  # clear of flood control
            )
        elif action == "moderator_reply":  # deleted threads included
            services.reply_to_thread(
                actor=admin,
                thread=thread,
                body=f"Moderator note {step}",
                now=timezone.now() + timedelta(hours=step),
            )
        elif action == "author_delete" and post and post.author_id and not thread.is_deleted:
            author = Member.objects.get(pk=post.author_id)
            if not post.is_deleted:
                services.delete_post(actor=author, post=post)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 50)), max_size=8))
    def test_counters_survive_any_sequence_of_actions(self, steps: list[tuple[str, int]]) -> None:
        # hypothesis' TestCase runs each example in its own transaction, rolled back after it.
        for step, (action, pick) in enumerate(steps, start=1):
            self._apply(action, pick, step)
            assert_counters_consistent()
