"""Held and deleted replies of a readable thread reach nobody but those who may see them: not
through the live "new replies" stream, not through the `?quote=` pre-fill of the reply form."""

from __future__ import annotations

from html.parser import HTMLParser

from django.test import Client, TestCase

from parley.forums import services
from parley.forums.models import Post, Thread
from tests.moderation.support import gate_settings, make_newcomer
from tests.world import build_world

HELD = "Held reply nobody may read yet"
DELETED = "Deleted reply nobody may read any more"
VISIBLE = "An ordinary visible reply"


class _Text(HTMLParser):
    """Visible text and the contents of every textarea."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.textareas: list[str] = []
        self._in_textarea = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "textarea":
            self._in_textarea = True
            self.textareas.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._in_textarea = False

    def handle_data(self, data: str) -> None:
        if self._in_textarea:
            self.textareas[-1] += data
        else:
            self.text.append(data)


def parsed(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


class HiddenRepliesTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        thread = cls.w.short_thread
        cls.before = Thread.objects.get(pk=thread.pk).last_position
        cls.newcomer = make_newcomer("Fresh Face")
        with gate_settings(PARLEY_APPROVAL_FIRST_POSTS=1):
            cls.held = services.reply_to_thread(actor=cls.newcomer, thread=thread, body=HELD)
        assert cls.held.awaiting_approval
        cls.deleted = services.reply_to_thread(actor=cls.w.member, thread=thread, body=DELETED)
        services.delete_post(actor=cls.w.member, post=cls.deleted, reason="Second thoughts")
        cls.visible = services.reply_to_thread(actor=cls.w.other, thread=thread, body=VISIBLE)
        cls.thread = Thread.objects.get(pk=thread.pk)

    def live(self, client: Client) -> str:
        # Hidden posts share their predecessor's position, so the stream must start one
        # earlier to pass over them at all.
        response = client.get(
            f"{self.thread.get_absolute_url()}new-replies?after={self.before - 1}&load=1"
        )
        self.assertEqual(response.status_code, 200)
        return " ".join(parsed(response.content.decode()).text)

    def test_the_live_stream_carries_only_what_the_reader_may_see(self) -> None:
        reader = Client()
        reader.force_login(self.w.other)
        for client in (Client(), reader):
            text = self.live(client)
            self.assertIn(VISIBLE, text)
            self.assertNotIn(HELD, text)
            self.assertNotIn(DELETED, text)

    def test_hidden_replies_cannot_be_quoted(self) -> None:
        reader = Client()
        reader.force_login(self.w.other)
        url = (
            f"{self.thread.reply_url()}?quote={self.held.pk}&quote={self.deleted.pk}"
            f"&quote={self.visible.pk}"
        )
        response = reader.get(url)
        self.assertEqual(response.status_code, 200)
        body = " ".join(parsed(response.content.decode()).textareas)
        self.assertIn(VISIBLE, body)  # the pre-fill works at all
        self.assertNotIn(HELD, body)
        self.assertNotIn(DELETED, body)
        for post in (self.held, self.deleted):
            self.assertEqual(reader.get(f"/posts/{post.pk}/quote").status_code, 404)
        self.assertTrue(Post.objects.filter(pk=self.deleted.pk, is_deleted=True).exists())
