"""A title or body with nothing visible in it (zero-width characters, empty formatting) is
refused with the same message as a blank one, and what the member typed stays in the form."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.test import TestCase

from parley.forums import services
from parley.forums.models import Post, Thread
from tests.core.parsed import parse
from tests.world import build_world

ZERO_WIDTH_TITLE = "\u200b\u200c\u200d\u2060\ufeff\u200b"
SHORT_TITLE = "Please enter a title of at least 3 characters."
EMPTY_BODY = "Please enter a message."


class InvisibleTextTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.post_thread = f"/forums/{cls.w.news.slug}.{cls.w.news.pk}/post-thread"
        cls.reply = f"/threads/{cls.w.short_thread.slug}.{cls.w.short_thread.pk}/reply"

    def setUp(self) -> None:
        self.client.force_login(self.w.member)

    def form_state(self, response) -> tuple[int, list[str], str]:
        page = parse(response.content)
        errors = [
            li.text.strip() if alert.find_all("li") else alert.text.strip()
            for alert in page.find_all(role="alert")
            for li in (alert.find_all("li") or [alert])
        ]
        body = page.find("textarea", name="body")
        return response.status_code, errors, body.text

    def test_a_title_of_zero_width_characters_is_refused_and_the_body_kept(self) -> None:
        threads = Thread.objects.count()
        response = self.client.post(
            self.post_thread,
            {"title": ZERO_WIDTH_TITLE, "body": "The story I typed", "client_token": "z1"},
        )
        status, errors, body = self.form_state(response)
        self.assertEqual(
            (status, SHORT_TITLE in errors, body.strip()), (200, True, "The story I typed")
        )
        self.assertEqual(Thread.objects.count(), threads)

    def test_an_empty_bold_body_is_refused_as_an_empty_message(self) -> None:
        posts = Post.objects.count()
        for body in ("[b][/b]", "\u200b \u200b", "**\u200b**", "[quote][/quote]"):
            with self.subTest(body=body):
                response = self.client.post(self.reply, {"body": body, "client_token": body})
                status, errors, kept = self.form_state(response)
                self.assertEqual((status, EMPTY_BODY in errors), (200, True))
                self.assertEqual(kept.strip("\n"), body.strip())
        self.assertEqual(Post.objects.count(), posts)

    def test_the_services_refuse_them_too(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            services.create_thread(
                actor=self.w.member,
                forum=self.w.news,
                title="\u3164\u3164\u3164\u3164",
                body="Story",
            )
        self.assertEqual(refused.exception.messages, [SHORT_TITLE])
        with self.assertRaises(ValidationError) as refused:
            services.reply_to_thread(
                actor=self.w.member, thread=self.w.short_thread, body="[i][/i]"
            )
        self.assertEqual(refused.exception.messages, [EMPTY_BODY])

    def test_titles_with_some_invisible_characters_keep_them(self) -> None:
        thread = services.create_thread(
            actor=self.w.member, forum=self.w.news, title="A\u200bB\u200bC", body="Three letters"
        )
        self.assertEqual(thread.title, "A\u200bB\u200bC")
        reply = services.reply_to_thread(
            actor=self.w.member, thread=thread, body="[img]https://example.org/a.png[/img]"
        )
        self.assertIn("<img", reply.body_html)
