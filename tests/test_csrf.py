"""CSRF is enforced on every POST the site accepts: each URL pattern, filled in with real ids,
refuses a POST that carries no token (none is exempt)."""

from __future__ import annotations

import re

from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver

from parley.forums.models import Post
from tests.world import build_world


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_patterns(entry, pattern))
        else:
            found.append((pattern, entry))
    return found


class CsrfEverywhereTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def _fill(self, pattern: str) -> str:
        """A concrete path for a URL pattern, with ids of real objects."""
        post = Post.objects.filter(thread=self.w.long_thread, position=3).get()
        values = {
            "slug": "x",
            "thread_id": str(self.w.long_thread.pk),
            "forum_id": str(self.w.news.pk),
            "member_id": str(self.w.other.pk),
            "post_id": str(post.pk),
            "page": "1",
        }
        path = pattern.lstrip("^").rstrip("$")
        path = re.sub(r"\(\?:\(\?P<slug>[^)]*\)\\\.\)\?", "x.", path)
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values.get(m.group(1), "1"), path)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), path)
        path = path.replace("/?", "/").replace("\\", "")
        return "/" + path

    def test_every_post_without_a_token_is_refused(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.w.admin)
        checked = []
        for pattern, _ in _patterns(get_resolver()):
            if pattern.startswith(("admin/", "static/")):
                continue  # Django's own admin; its CSRF protection is Django's
            path = self._fill(pattern)
            response = client.post(path, {"body": "x", "reason": "1"})
            self.assertEqual(response.status_code, 403, f"{pattern} -> {path}")
            self.assertIn(b"CSRF", response.content, path)
            checked.append(path)
        self.assertGreater(len(checked), 20)
