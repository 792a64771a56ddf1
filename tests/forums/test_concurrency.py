"""Many members replying at once: no "database is locked", no duplicate or missing positions."""

from __future__ import annotations

import threading

from django.db import connection
from django.test import TransactionTestCase

from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.setup import create_category, create_forum
from tests.world import make_member

WRITERS = 6
REPLIES_EACH = 5


class ConcurrentReplyTests(TransactionTestCase):
    def test_simultaneous_replies_all_land_with_contiguous_positions(self) -> None:
        forum = create_forum(category=create_category(title="News"), title="Live")
        members = [make_member(f"Writer {i}") for i in range(WRITERS)]
        thread = services.create_thread(actor=members[0], forum=forum, title="Live blog", body="Go")
        start = threading.Barrier(WRITERS)
        errors: list[BaseException] = []

        def write(member_index: int) -> None:
            try:
                start.wait()
                for n in range(REPLIES_EACH):
                    services.reply_to_thread(
                        actor=members[member_index], thread=thread, body=f"w{member_index} r{n}"
                    )
            except BaseException as error:  # noqa: BLE001 - reported below, in the main thread
                errors.append(error)
            finally:
                connection.close()

        workers = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

        self.assertEqual(errors, [])
        total = 1 + WRITERS * REPLIES_EACH
        positions = sorted(Post.objects.filter(thread=thread).values_list("position", flat=True))
        self.assertEqual(positions, list(range(1, total + 1)))
        thread = Thread.objects.get(pk=thread.pk)
        self.assertEqual((thread.reply_count, thread.last_position), (total - 1, total))
        self.assertEqual(Forum.objects.get(pk=forum.pk).post_count, total)
