"""The inline moderation bar as a moderator meets it without JavaScript: the menu starts on
"Choose an action…" (nothing happens by default), ticked items sent without an action come back
with the menu instead of being lost, and a bar sent with nothing ticked returns to the page it was
on with a message. (What the script adds, hiding the bar and counting, is in
tests/browser/test_inline_moderation.py.)"""

from __future__ import annotations

from django.test import TestCase

from parley.forums.models import Post, Thread
from parley.moderation.actions.forms import CHOOSE_ACTION, POST_ACTIONS, THREAD_ACTIONS
from tests.core.parsed import Node, parse
from tests.world import build_world


def _post(thread: Thread, position: int) -> Post:
    return Post.objects.filter(thread=thread, position=position).published().get()


def _messages(page: Node) -> list[str]:
    return [m.text.strip() for m in page.find_all("li", cls="message")]


def _options(select: Node) -> list[tuple[str, str]]:
    return [(o.attrs.get("value", ""), o.text.strip()) for o in select.find_all("option")]


class InlineBarTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.thread_url = cls.w.long_thread.get_absolute_url()
        cls.posts_url = f"{cls.thread_url}moderate/posts"
        cls.threads_url = f"{cls.w.lounge.get_absolute_url()}moderate/threads"
        cls.ticked = [_post(cls.w.long_thread, 3), _post(cls.w.long_thread, 5)]

    def setUp(self) -> None:
        self.client.force_login(self.w.moderator)

    def assertNothingDeleted(self) -> None:  # noqa: N802
        self.assertFalse(Post.objects.filter(is_deleted=True).exists())
        self.assertFalse(Thread.objects.filter(is_deleted=True).exists())

    def test_the_menus_start_on_a_placeholder_the_browser_will_not_send(self) -> None:
        for url, bar_id, actions in [
            (self.thread_url, "inline-mod-posts", POST_ACTIONS),
            (self.w.lounge.get_absolute_url(), "inline-mod-threads", THREAD_ACTIONS),
        ]:
            with self.subTest(bar_id):
                bar = parse(self.client.get(url).content).find("form", id=bar_id)
                select = bar.find("select", name="action")
                self.assertIn("required", select.attrs)
                first = select.find("option")
                self.assertEqual((first.attrs["value"], first.text), ("", CHOOSE_ACTION))
                self.assertIn("selected", first.attrs)
                self.assertEqual(
                    [o for o in select.find_all("option") if "selected" in o.attrs], [first]
                )
                self.assertEqual(_options(select)[1:], actions)  # the same menu as the form's
                # The count is the script's to fill; without it nothing claims a number.
                self.assertIn("hidden", bar.find("span", cls="inline-mod-count").attrs)

    def test_ticked_posts_sent_without_an_action_come_back_with_the_menu(self) -> None:
        ids = [p.pk for p in self.ticked]
        response = self.client.post(self.posts_url, {"action": "", "ids": ids})
        self.assertEqual(response.status_code, 200)
        page = parse(response.content)
        self.assertEqual(page.find("h1").text, "What should happen to the ticked posts?")
        listed = [li.text for li in page.find("ul", cls="mod-items").find_all("li")]
        self.assertEqual(len(listed), 2)
        self.assertTrue(listed[0].startswith("#3 by Bob"), listed)
        self.assertTrue(listed[1].startswith("#5 by Bob"), listed)
        form = page.find("form", cls="mod-confirm")
        self.assertEqual(
            sorted(int(i.attrs["value"]) for i in form.find_all("input", name="ids")), ids
        )
        self.assertEqual(form.find_all("input", name="confirm"), [])  # nothing is done yet
        self.assertEqual(form.find("p", cls="field-error").text, "Choose what to do with them.")
        self.assertEqual(_options(form.find("select", name="action"))[1:], POST_ACTIONS)
        self.assertNothingDeleted()

        # Choosing there leads on as the bar would have: to the delete confirmation.
        response = self.client.post(self.posts_url, {"action": "delete", "ids": ids})
        self.assertEqual(parse(response.content).find("h1").text, "Delete 2 posts?")
        self.assertNothingDeleted()

    def test_ticked_threads_sent_without_an_action_come_back_with_the_menu(self) -> None:
        ids = [self.w.short_thread.pk, self.w.locked_thread.pk]
        response = self.client.post(self.threads_url, {"ids": ids})
        page = parse(response.content)
        self.assertEqual(page.find("h1").text, "What should happen to the ticked threads?")
        listed = page.find("ul", cls="mod-items").text
        self.assertIn("Favourite tea", listed)
        self.assertIn("Old news", listed)
        self.assertEqual(_options(page.find("select", name="action"))[1:], THREAD_ACTIONS)
        self.assertNothingDeleted()
        response = self.client.post(self.threads_url, {"action": "lock", "ids": ids})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Thread.objects.get(pk=self.w.short_thread.pk).is_locked)

    def test_an_action_not_on_the_menu_is_asked_again(self) -> None:
        response = self.client.post(
            self.posts_url, {"action": "explode", "ids": [self.ticked[0].pk]}
        )
        page = parse(response.content)
        self.assertEqual(
            page.find("p", cls="field-error").text, "Choose one of the actions listed."
        )
        self.assertNothingDeleted()

    def test_posts_of_another_thread_are_refused_before_any_menu(self) -> None:
        other = _post(self.w.short_thread, 1)
        response = self.client.post(self.posts_url, {"ids": [self.ticked[0].pk, other.pk]})
        self.assertEqual(response.status_code, 404)

    def test_nothing_ticked_returns_to_the_page_the_bar_was_on(self) -> None:
        page_two = self.w.long_thread.page_url(2)
        response = self.client.post(
            self.posts_url, {"action": "delete", "next": page_two}, follow=True
        )
        self.assertEqual(response.redirect_chain, [(page_two, 302)])
        self.assertEqual(_messages(parse(response.content)), ["Tick some posts first."])
        forum_url = self.w.lounge.get_absolute_url()
        response = self.client.post(self.threads_url, {"action": "lock"}, follow=True)
        self.assertEqual(response.redirect_chain, [(forum_url, 302)])
        self.assertEqual(_messages(parse(response.content)), ["Tick some threads first."])
        self.assertNothingDeleted()

    def test_next_leads_only_to_this_site(self) -> None:
        for elsewhere in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
            with self.subTest(elsewhere):
                response = self.client.post(self.posts_url, {"next": elsewhere})
                self.assertEqual(response["Location"], self.thread_url)
