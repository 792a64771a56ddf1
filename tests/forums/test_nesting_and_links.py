"""Deeply nested posts over HTTP: reply, new thread, preview and edit answer with a clear message
that keeps the member's text (they used to crash the worker with RecursionError); and stored
posts with deceptive links are fixed by `parley manage rerender_posts`."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import TestCase

from parley.core.markup import RENDERER_VERSION, TOO_DEEP_MESSAGE
from parley.forums import services
from parley.forums.models import Post, Thread
from tests.core.parsed import Node, parse
from tests.world import build_world

# The post: 7.6 KB of colour tags.
COLOURS = "[color=red]" * 400 + "x" + "[/color]" * 400
DEEP_POSTS = {
    "colour tags": COLOURS,
    "link tags": "[url=https://example.org/]" * 400 + "x" + "[/url]" * 400,
    "centre and font": "[center][font=Arial][size=5]" * 150 + "x" + "[/size][/font][/center]" * 150,
    "markdown quotes": ">" * 400 + " deep",
    "markdown lists": "".join("  " * i + "- item\n" for i in range(60)),
    "spoilers": "[spoiler]\n" * 40 + "x" + "\n[/spoiler]" * 40,
}


def body_errors(page: Node) -> list[str]:
    box = page.find("textarea", name="body")
    field = next(n for n in page.find_all("div", cls="field") if box in n.descendants())
    return [p.text for p in field.find_all("p", cls="field-error")]


class DeepNestingTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.thread = cls.w.short_thread
        cls.reply_url = f"{cls.thread.get_absolute_url()}reply"
        cls.thread_url = f"/forums/{cls.w.lounge.slug}.{cls.w.lounge.pk}/post-thread"
        cls.own = services.reply_to_thread(actor=cls.w.member, thread=cls.thread, body="Mine")

    def setUp(self) -> None:
        self.client.force_login(self.w.member)
        self.posts = Post.objects.count()

    def assert_refused_and_kept(self, response, body: str) -> None:  # type: ignore[no-untyped-def]
        self.assertEqual(response.status_code, 200)
        page = parse(response.content)
        self.assertEqual(body_errors(page), [TOO_DEEP_MESSAGE])
        # The textarea gives back exactly what was typed (the template adds one leading newline).
        self.assertEqual(page.find("textarea", name="body").text.removeprefix("\n"), body)
        self.assertFalse(page.find_all("section", cls="preview"))
        self.assertEqual(Post.objects.count(), self.posts)

    def test_reply_and_its_preview(self) -> None:
        for name, body in DEEP_POSTS.items():
            for extra in ({}, {"preview": "1"}):
                with self.subTest(post=name, **extra):
                    response = self.client.post(
                        self.reply_url, {"body": body, "client_token": "t", **extra}
                    )
                    self.assert_refused_and_kept(response, body)

    def test_new_thread_and_its_preview(self) -> None:
        for extra in ({}, {"preview": "1"}):
            with self.subTest(**extra):
                response = self.client.post(
                    self.thread_url, {"title": "Deep thoughts", "body": COLOURS, **extra}
                )
                self.assert_refused_and_kept(response, COLOURS)
        self.assertFalse(Thread.objects.filter(title="Deep thoughts").exists())

    def test_edit_and_its_preview(self) -> None:
        for extra in ({}, {"preview": "1"}):
            with self.subTest(**extra):
                response = self.client.post(
                    f"/posts/{self.own.pk}/edit", {"body": COLOURS, "edit_count": 0, **extra}
                )
                self.assert_refused_and_kept(response, COLOURS)
        self.assertEqual(Post.objects.get(pk=self.own.pk).body_source, "Mine")

    def test_moderator_edit_is_refused_the_same_way(self) -> None:
        self.client.force_login(self.w.admin)
        response = self.client.post(
            f"/posts/{self.own.pk}/moderate/edit",
            {"body": COLOURS, "edit_count": 0, "reason": "tidy"},
        )
        self.assert_refused_and_kept(response, COLOURS)
        self.assertEqual(Post.objects.get(pk=self.own.pk).body_source, "Mine")

    def test_ordinary_nesting_posts(self) -> None:
        body = "> > quoting a quote\n\n- a\n  - b\n\n[b][i][color=red]styled[/color][/i][/b]"
        preview = self.client.post(self.reply_url, {"body": body, "preview": "1"})
        shown = parse(preview.content).find("section", cls="preview").find("div", cls="post-body")
        self.assertEqual(len(shown.find_all("blockquote")), 2)
        self.assertEqual(shown.find("em").text, "styled")
        response = self.client.post(self.reply_url, {"body": body, "client_token": "ok1"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Post.objects.count(), self.posts + 1)


class RerenderTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_rerender_posts_fixes_stored_deceptive_links(self) -> None:
        post = services.reply_to_thread(
            actor=self.w.other,
            thread=self.w.short_thread,
            body="Log in: [https://bank.example/login](https://evil.example/login)",
        )
        # As renderer version 1 (before link texts were checked) stored it: the text names one
        # host, the link opens another. Every post written before the fix carries version 1.
        Post.objects.filter(pk=post.pk).update(
            renderer_version=1,
            body_html='<p>Log in: <a href="https://evil.example/login" rel="nofollow ugc noopener">'
            "https://bank.example/login</a></p>\n",
        )
        out = io.StringIO()
        call_command("rerender_posts", stdout=out)
        self.assertEqual(out.getvalue().strip(), "Re-rendered 1 post(s).")
        page = parse(self.client.get(self.w.short_thread.get_absolute_url()).content)
        (link,) = [
            a for a in page.find_all("a") if a.attrs.get("href") == "https://evil.example/login"
        ]
        self.assertEqual(link.text, "https://evil.example/login")
        self.assertEqual(Post.objects.get(pk=post.pk).renderer_version, RENDERER_VERSION)
