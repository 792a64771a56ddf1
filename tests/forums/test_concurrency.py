"""Many members replying to one thread at once, each writer loading its own rows as a request
does (its own database connection, its own Thread and Member read from the database): every reply
lands, positions stay 1..N contiguous and unique, and the thread's counters agree.

A position must come from the thread row locked inside the posting transaction, never from the
Thread object the caller loaded: every writer loads the thread, then all of them wait for each
other before posting, so every caller's copy is stale by the time it posts. Taking the position
from that copy duplicates positions on both engines; reading the row without
`select_for_update` duplicates them on PostgreSQL (where writers run side by side; SQLite's
IMMEDIATE transaction already queues them)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any
from unittest import mock

from django.db import connection
from django.test import Client, TestCase, TransactionTestCase

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_category, create_forum
from tests.core.parsed import parse
from tests.world import make_member

WRITERS = 6
ROUNDS = 3
BARRIER_TIMEOUT = 30  # seconds: a writer that dies must not hang the others forever


def run_writers(write: Callable[[int, int], None]) -> list[BaseException]:
    """`write(writer, round)` on WRITERS threads, each with its own connection; errors."""
    errors: list[BaseException] = []

    def run(writer: int) -> None:
        try:
            for round_ in range(ROUNDS):
                write(writer, round_)
        except BaseException as error:  # noqa: BLE001 - reported in the main thread
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


class ConcurrentRepliesTestCase(TransactionTestCase):
    def setUp(self) -> None:
        self.forum = create_forum(category=create_category(title="News"), title="Live")
        self.members = [make_member(f"Writer {i}") for i in range(WRITERS)]
        self.thread = services.create_thread(
            actor=self.members[0], forum=self.forum, title="Live blog", body="Go"
        )
        # Everyone has loaded the thread: only then may anyone post (see the module doc).
        self.loaded = threading.Barrier(WRITERS, timeout=BARRIER_TIMEOUT)

    def assert_every_reply_landed_in_order(self) -> None:
        total = 1 + WRITERS * ROUNDS
        positions = list(
            Post.objects.filter(thread=self.thread)
            .order_by("position", "pk")
            .values_list("position", flat=True)
        )
        duplicated = sorted(p for p, n in Counter(positions).items() if n > 1)
        self.assertEqual(duplicated, [], "positions given to more than one post")
        self.assertEqual(positions, list(range(1, total + 1)))
        # Positions follow the order the posts were written in.
        by_time = list(
            Post.objects.filter(thread=self.thread)
            .order_by("created_at", "pk")
            .values_list("position", flat=True)
        )
        self.assertEqual(by_time, positions)
        thread = Thread.objects.get(pk=self.thread.pk)
        last = Post.objects.get(thread=self.thread, position=total)
        self.assertEqual(
            (thread.reply_count, thread.last_position, thread.last_post_id),
            (total - 1, total, last.pk),
        )
        self.assertEqual(Forum.objects.get(pk=self.forum.pk).post_count, total)
        counts = dict(
            Member.objects.filter(pk__in=[m.pk for m in self.members]).values_list(
                "pk", "message_count"
            )
        )
        self.assertEqual(
            counts, {m.pk: ROUNDS + (1 if m == self.members[0] else 0) for m in self.members}
        )


class ConcurrentServiceRepliesTests(ConcurrentRepliesTestCase):
    def test_writers_loading_their_own_rows_get_contiguous_positions(self) -> None:
        def write(writer: int, round_: int) -> None:
            # What a request does: read the member and the thread from the database.
            actor = Member.objects.get(pk=self.members[writer].pk)
            thread = Thread.objects.select_related("forum").get(pk=self.thread.pk)
            self.loaded.wait()
            services.reply_to_thread(actor=actor, thread=thread, body=f"w{writer} r{round_}")

        self.assertEqual(run_writers(write), [])
        self.assert_every_reply_landed_in_order()


class ConcurrentHttpRepliesTests(ConcurrentRepliesTestCase):
    """The same through the reply form: each writer its own client, session and connection."""

    def test_replies_posted_through_the_form_at_once_get_contiguous_positions(self) -> None:
        clients = []
        for member in self.members:
            client = Client()
            client.force_login(member)
            clients.append(client)
        url = f"{self.thread.get_absolute_url()}reply"
        real_reply = services.reply_to_thread

        def after_everyone_loaded(**kwargs: Any) -> Post:
            # The view has read the thread; wait until every other request has too.
            self.loaded.wait()
            return real_reply(**kwargs)

        responses: dict[tuple[int, int], Any] = {}

        def write(writer: int, round_: int) -> None:
            responses[writer, round_] = clients[writer].post(
                url, {"body": f"w{writer} r{round_}", "client_token": f"t{writer}-{round_}"}
            )

        with mock.patch.object(services, "reply_to_thread", after_everyone_loaded):
            errors = run_writers(write)
        self.assertEqual(errors, [])
        self.assert_every_reply_landed_in_order()
        # Each writer is led to their own post.
        for (writer, round_), response in responses.items():
            post = Post.objects.get(thread=self.thread, body_source=f"w{writer} r{round_}")
            self.assertRedirects(response, post.get_absolute_url(), fetch_redirect_response=False)
        # The thread page shows every post once, numbered in order.
        page = parse(self.client.get(self.thread.get_absolute_url()).content)
        numbers = [a.text for a in page.find_all("a", cls="post-number")]
        self.assertEqual(numbers, [f"#{n}" for n in range(1, 1 + WRITERS * ROUNDS + 1)])


class StaleThreadTests(TestCase):
    """Permission is asked again of the locked row: a thread locked after the caller loaded it
    takes no reply (a member's request that read the thread just before a moderator locked it)."""

    @classmethod
    def setUpTestData(cls) -> None:
        from tests.world import build_world

        cls.w = build_world()

    def test_a_reply_to_a_thread_locked_since_it_was_loaded_is_refused(self) -> None:
        from django.core.exceptions import PermissionDenied

        from parley.forums import services
        from parley.forums.models import Post, Thread

        stale = Thread.objects.get(pk=self.w.short_thread.pk)  # as the request loaded it
        services.set_thread_state(actor=self.w.moderator, thread=stale, is_locked=True)
        before = Post.objects.filter(thread=stale).count()
        stale.is_locked = False  # the caller's copy still says open
        with self.assertRaises(PermissionDenied):
            services.reply_to_thread(actor=self.w.member, thread=stale, body="Too late")
        self.assertEqual(Post.objects.filter(thread=stale).count(), before)
