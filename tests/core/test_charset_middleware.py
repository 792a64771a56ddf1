"""A form POST declaring a character set other than UTF-8 is a clear 400, never a 500.

Django refuses such a urlencoded body with BadRequest, but its 400 page is CSRF-protected and
reads the body again, so the refusal itself used to fail into a 500. Multipart bodies were even
decoded in the declared charset (UTF-7 "+ADw-" is "<")."""

from __future__ import annotations

from django.test import Client, TestCase

from parley.forums.models import Post
from tests.core.parsed import parse
from tests.world import build_world

FORM = "application/x-www-form-urlencoded"
BOUNDARY = "parleyboundary"


def multipart(fields: dict[str, str]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


class CharsetTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.reply_url = f"{cls.w.long_thread.get_absolute_url()}reply"

    def setUp(self) -> None:
        # A real browser's request: CSRF checked, so the middleware reads the body first.
        self.browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
        self.browser.force_login(self.w.member)
        page = self.browser.get(self.reply_url)
        self.token = parse(page.content).find("input", name="csrfmiddlewaretoken").attrs["value"]
        self.posts = Post.objects.count()

    def post_form(self, charset: str, body: str = "Hello +ADw-b+AD4-there") -> object:
        token = charset.replace("-", "")  # one post per charset (a repeated token is one post)
        data = f"csrfmiddlewaretoken={self.token}&body={body}&client_token={token}"
        return self.browser.post(
            self.reply_url, data=data.encode(), content_type=f"{FORM}; charset={charset}"
        )

    def assert_refused(self, response, charset: str) -> None:  # type: ignore[no-untyped-def]
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        message = response.content.decode()
        self.assertIn(repr(charset), message)
        self.assertIn("only accepts UTF-8", message)
        self.assertEqual(Post.objects.count(), self.posts)

    def test_utf7_form_post_is_a_400_with_a_reason(self) -> None:
        # (The test client encodes the body in the declared charset, so it must be a real one.)
        for charset in ("utf-7", "UTF-7", "utf8", "latin-1", "utf-16"):
            with self.subTest(charset=charset):
                self.assert_refused(self.post_form(charset), charset)

    def test_utf7_multipart_post_is_a_400_not_decoded_as_utf7(self) -> None:
        body = multipart(
            {"csrfmiddlewaretoken": self.token, "body": "+ADw-b+AD4-hi", "client_token": "x"}
        )
        response = self.browser.post(
            self.reply_url,
            data=body,
            content_type=f"multipart/form-data; boundary={BOUNDARY}; charset=utf-7",
        )
        self.assert_refused(response, "utf-7")

    def test_utf8_posts_still_work(self) -> None:
        for charset in ("utf-8", "UTF-8"):
            with self.subTest(charset=charset):
                response = self.post_form(charset, body=f"Plain reply in {charset}")
                self.assertEqual(response.status_code, 302)
        self.assertEqual(Post.objects.count(), self.posts + 2)
        response = self.browser.post(
            self.reply_url,
            {"csrfmiddlewaretoken": self.token, "body": "No charset", "client_token": "y"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Post.objects.count(), self.posts + 3)
