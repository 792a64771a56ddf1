"""Kept searches (`parley/search/kept.py`): the same search by the next reader with the same
permissions reuses the ranked ids instead of matching and ranking again, yet shows posts
written since, hides at once what was deleted or moved out of sight, and is never handed to a
reader whose permissions or own posts differ."""

from __future__ import annotations

from unittest import mock

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from parley.forums import services
from parley.moderation.actions import services as actions
from parley.search import kept, queries
from tests.search.support import HELD_REPLY_WORD, SearchTestCase


@override_settings(PARLEY_FLOOD_SECONDS=0, PARLEY_NEWCOMER_FLOOD_SECONDS=0)
class KeptSearchTests(SearchTestCase):
    def full_searches(self) -> mock.MagicMock:
        """Counts the searches that compute the rank window (a kept search's update does not)."""
        return mock.patch.object(queries, "RankWindowFloor", wraps=queries.RankWindowFloor)

    def test_the_same_search_again_is_not_run_again(self) -> None:
        with self.full_searches() as floors:
            first = self.found(q="kelp")
            again = self.found(q="kelp")
            self.found(q="kelp", page="2")
        self.assertEqual(again, first)
        self.assertEqual(floors.call_count, 1)

    def test_on_an_unchanged_board_a_kept_search_asks_nothing(self) -> None:
        def queries_run() -> int:
            with CaptureQueriesContext(connection) as run:
                self.found(q="kelp")
            return len(run)

        first = queries_run()
        self.assertEqual(queries_run(), first - 1)  # the page's posts only: no match at all
        w = self.board.w
        services.reply_to_thread(actor=w.member, thread=w.short_thread, body="No match here.")
        self.assertEqual(queries_run(), first)  # the board moved: the newer posts are asked
        self.assertEqual(queries_run(), first - 1)  # and the kept search is current again

    def test_another_search_is_run(self) -> None:
        with self.full_searches() as floors:
            self.found(q="kelp")
            self.found(q="kelp crab")
            self.found(q="kelp", titles_only="on")
        self.assertEqual(floors.call_count, 3)

    def test_a_post_written_since_is_found_and_ranked(self) -> None:
        w = self.board.w
        self.assertEqual(self.found(q="kelp"), self.ids("kelp_thrice", "kelp_once"))
        newer = services.reply_to_thread(
            actor=w.member, thread=w.short_thread, body="Kelp, kelp, kelp, kelp and more kelp."
        )
        with self.full_searches() as floors:
            found = self.found(q="kelp")
        self.assertEqual(found, [newer.pk, *self.ids("kelp_thrice", "kelp_once")])
        self.assertEqual(floors.call_count, 0)  # merged into the kept search
        self.assertEqual(self.found(q="kelp"), found)  # and kept so

    def test_a_deleted_post_is_gone_at_once(self) -> None:
        self.assertEqual(self.found(q="kelp"), self.ids("kelp_thrice", "kelp_once"))
        post = self.board.posts["kelp_thrice"]
        services.delete_post(actor=self.board.w.moderator, post=post, reason="Spam")
        self.assertEqual(self.found(q="kelp"), self.ids("kelp_once"))

    def test_a_thread_moved_out_of_sight_is_gone_at_once(self) -> None:
        b = self.board
        self.assertEqual(self.found(q="walrusquote"), self.ids("walrus"))
        gazebo = b.posts["walrus"].thread
        actions.move_thread(actor=b.w.moderator, thread=gazebo, forum=b.private)
        self.assertEqual(self.found(q="walrusquote"), [])

    def test_a_moderator_is_not_given_a_guests_search(self) -> None:
        b = self.board
        services.reply_to_thread(actor=b.w.member, thread=b.w.short_thread, body="Pangolinledger!")
        public = self.found(q="pangolinledger")
        self.assertEqual(len(public), 1)
        moderator = self.client_for(b.w.moderator)
        found = self.found(moderator, q="pangolinledger")
        self.assertEqual(sorted(found), sorted([*public, b.deleted_reply.pk]))

    def test_an_author_is_not_given_another_members_search(self) -> None:
        b = self.board
        public = services.reply_to_thread(
            actor=b.w.member, thread=b.w.short_thread, body=f"Who wrote {HELD_REPLY_WORD}?"
        )
        self.assertEqual(self.found(self.client_for(b.w.other), q=HELD_REPLY_WORD), [public.pk])
        found = self.found(self.client_for(b.newcomer), q=HELD_REPLY_WORD)
        self.assertEqual(sorted(found), sorted([public.pk, b.held_reply.pk]))

    def test_a_kept_search_ends_after_its_time(self) -> None:
        now = kept.time.time()
        with self.full_searches() as floors:
            self.found(q="kelp")
            with mock.patch.object(kept, "time") as clock:  # kept's clock only, not the cache's
                clock.time.return_value = now + kept.KEEP_SECONDS + 1
                self.found(q="kelp")
        self.assertEqual(floors.call_count, 2)

    def test_a_search_that_found_nothing_is_not_kept(self) -> None:
        with self.full_searches() as floors:
            self.assertEqual(self.found(q="xylophonequartz"), [])
            self.assertEqual(self.found(q="xylophonequartz"), [])
        self.assertEqual(floors.call_count, 2)
