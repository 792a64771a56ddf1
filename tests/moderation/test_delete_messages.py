"""Deleting says so, on the page the deleter lands on: a member deleting her own reply reads
"Your post was deleted.", as reporting, approving, merging and banning each confirm themselves;
a moderator's soft delete says moderators still see what was deleted."""

from __future__ import annotations

from django.test import TestCase

from parley.forums.models import Post, Thread
from tests.core.parsed import Node, parse
from tests.world import build_world


def _post(thread: Thread, position: int) -> Post:
    return Post.objects.filter(thread=thread, position=position).published().get()


def _messages(page: Node) -> list[str]:
    return [m.text.strip() for m in page.find_all("li", cls="message")]


class DeleteMessageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def delete(self, url: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        response = self.client.post(url, data or {}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.redirect_chain), 1)
        return response

    def test_a_member_deleting_her_own_reply_is_told_on_the_page_she_lands_on(self) -> None:
        mine = _post(self.w.long_thread, 24)  # Alice's, on page 2
        self.assertEqual(mine.author_id, self.w.member.pk)
        self.client.force_login(self.w.member)
        page = parse(self.client.get(f"/posts/{mine.pk}/delete").content)
        self.assertEqual(_messages(page), [])  # the confirmation page is not the confirmation
        response = self.delete(f"/posts/{mine.pk}/delete")
        self.assertEqual(response.redirect_chain[0][0], self.w.long_thread.page_url(2))
        page = parse(response.content)
        self.assertEqual(_messages(page), ["Your post was deleted."])
        self.assertEqual(page.find_all("article", id=f"post-{mine.pk}"), [])
        self.assertTrue(Post.objects.get(pk=mine.pk).is_deleted)
        # Shown once: the next page has no message.
        self.assertEqual(
            _messages(parse(self.client.get(response.request["PATH_INFO"]).content)), []
        )

    def test_a_moderator_deleting_someone_elses_post_is_told_moderators_still_see_it(self) -> None:
        bobs = _post(self.w.long_thread, 3)
        self.client.force_login(self.w.moderator)
        page = parse(self.delete(f"/posts/{bobs.pk}/delete").content)
        self.assertEqual(_messages(page), ["Post deleted (moderators see it)."])
        placeholder = page.find("article", id=f"post-{bobs.pk}")
        self.assertIn("is-deleted", placeholder.classes)

    def test_a_moderator_deleting_a_first_post_is_told_the_thread_went(self) -> None:
        first = _post(self.w.short_thread, 1)
        self.client.force_login(self.w.moderator)
        page = parse(self.delete(f"/posts/{first.pk}/delete").content)
        self.assertEqual(_messages(page), ["Thread deleted (moderators see it)."])
        self.assertTrue(Thread.objects.get(pk=self.w.short_thread.pk).is_deleted)

    def test_moderator_soft_deletes_from_their_tools_say_so(self) -> None:
        self.client.force_login(self.w.moderator)
        reply = _post(self.w.long_thread, 5)
        page = parse(self.delete(f"/posts/{reply.pk}/moderate/delete", {"confirm": "1"}).content)
        self.assertEqual(_messages(page), ["Post deleted (moderators see it)."])
        url = f"{self.w.short_thread.get_absolute_url()}moderate/delete"
        page = parse(self.delete(url, {"confirm": "1"}).content)
        self.assertEqual(_messages(page), ["Thread deleted (moderators see it)."])
        self.assertTrue(Thread.objects.get(pk=self.w.short_thread.pk).is_deleted)
