"""Model URLs are built with f-strings for speed; they must agree with the URLconf."""

from __future__ import annotations

from django.test import TestCase
from django.urls import resolve, reverse

from parley.forums.models import Post
from tests.world import build_world


class UrlAgreementTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_model_urls_match_reverse_and_resolve(self) -> None:
        t, f, m = self.w.long_thread, self.w.news, self.w.member
        post = Post.objects.get(thread=t, position=2)
        expected = {
            t.get_absolute_url(): reverse(
                "thread", kwargs={"slug": t.slug, "thread_id": str(t.pk)}
            ),
            t.page_url(3): reverse(
                "thread-page", kwargs={"slug": t.slug, "thread_id": str(t.pk), "page": "3"}
            ),
            t.reply_url(): reverse("thread-reply", kwargs={"slug": t.slug, "thread_id": str(t.pk)}),
            f.get_absolute_url(): reverse("forum", kwargs={"slug": f.slug, "forum_id": str(f.pk)}),
            m.get_absolute_url(): reverse(
                "member", kwargs={"slug": m.slug, "member_id": str(m.pk)}
            ),
            post.get_absolute_url(): reverse("post", kwargs={"post_id": post.pk}),
            post.edit_url: reverse("post-edit", kwargs={"post_id": post.pk}),
            post.delete_url: reverse("post-delete", kwargs={"post_id": post.pk}),
            post.report_url: reverse("post-report", kwargs={"post_id": post.pk}),
            post.quote_url: reverse("post-quote", kwargs={"post_id": post.pk}),
        }
        for built, reversed_url in expected.items():
            self.assertEqual(built, reversed_url)
            resolve(built)  # raises if the URLconf does not know it
