"""Search never shows what the reader may not see: private forums, held and deleted posts and
threads, "Moved" stubs. The index holds text only; visibility comes from the live rows through
the permissions module, so each persona finds exactly the posts `can_view_post` allows."""

from __future__ import annotations

from parley.forums.models import Post
from parley.permissions.guardian import perms_for
from tests.search.support import (
    DELETED_REPLY_WORD,
    DELETED_THREAD_WORD,
    HELD_REPLY_WORD,
    HELD_THREAD_WORD,
    MOVED_WORD,
    PRIVATE_WORD,
    SearchTestCase,
)

HIDDEN_WORDS = (
    PRIVATE_WORD,
    HELD_THREAD_WORD,
    HELD_REPLY_WORD,
    DELETED_THREAD_WORD,
    DELETED_REPLY_WORD,
)


class VisibilityTests(SearchTestCase):
    def personas(self) -> dict[str, object]:
        b = self.board
        return {
            "guest": None,
            "member": b.w.member,
            "newcomer": b.newcomer,
            "moderator": b.w.moderator,
            "admin": b.w.admin,
        }

    def test_each_persona_finds_exactly_what_it_may_view(self) -> None:
        for name, member in self.personas().items():
            client = self.guest if member is None else self.client_for(member)  # type: ignore[arg-type]
            perms = perms_for(member)  # type: ignore[arg-type]
            for word in HIDDEN_WORDS:
                with self.subTest(persona=name, word=word):
                    candidates = Post.objects.filter(body_source__icontains=word).select_related(
                        "thread", "thread__forum"
                    )
                    self.assertEqual(len(candidates), 1)
                    expected = [p.pk for p in candidates if perms.can_view_post(p)]
                    self.assertEqual(self.found(client, q=word), expected)

    def test_guests_and_members_see_none_of_the_hidden(self) -> None:
        member = self.client_for(self.board.w.member)
        for word in HIDDEN_WORDS:
            self.assertEqual(self.found(q=word), [], word)
            self.assertEqual(self.found(member, q=word), [], word)

    def test_authors_see_their_held_posts_marked(self) -> None:
        client = self.client_for(self.board.newcomer)
        page = self.search(client, q=HELD_REPLY_WORD)
        self.assertEqual(page.post_ids, [self.board.held_reply.pk])
        labels = [s.text for s in page.results[0].find_all("span", cls="label")]
        self.assertEqual(labels, ["Awaiting approval"])

    def test_moderators_see_deleted_posts_marked(self) -> None:
        client = self.client_for(self.board.w.moderator)
        page = self.search(client, q=DELETED_REPLY_WORD)
        self.assertEqual(page.post_ids, [self.board.deleted_reply.pk])
        labels = [s.text for s in page.results[0].find_all("span", cls="label")]
        self.assertEqual(labels, ["Deleted"])

    def test_administrators_search_private_forums(self) -> None:
        client = self.client_for(self.board.w.admin)
        self.assertEqual(
            self.found(client, q=PRIVATE_WORD), [self.board.private_thread.first_post_id]
        )

    def test_a_moved_thread_is_found_once_in_its_new_forum(self) -> None:
        page = self.search(q=MOVED_WORD)
        self.assertEqual(page.post_ids, [self.board.moved.first_post_id])
        forum_link = page.results[0].find_all("a")[-1]
        self.assertEqual(forum_link.attrs["href"], self.board.w.news.get_absolute_url())
        self.assertEqual(self.found(q=MOVED_WORD, forum=self.board.w.lounge.pk), [])
