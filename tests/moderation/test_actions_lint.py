"""Lint rules as tests (Lobsters' "every moderator controller checks auth"): every moderation
view asks the permissions module before doing anything, and no view, template or template tag
anywhere reads roles itself."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from django.test import SimpleTestCase
from django.urls import URLPattern

from parley.moderation import action_urls

ROOT = Path(__file__).resolve().parents[2] / "parley"
ROLE_CHECK = re.compile(r"\b(is_staff|is_superuser|is_admin|is_moderator|group_names)\b")
# A permission question a view must ask first: a fetch through permissions, or an ensure.
ASKS_PERMISSION = re.compile(r"\b(get_\w+_for|ensure_can_\w+)\(")


class ModerationLintTests(SimpleTestCase):
    def test_every_moderation_view_asks_permissions_first(self) -> None:
        for pattern in action_urls.urlpatterns:
            assert isinstance(pattern, URLPattern)
            view = inspect.unwrap(pattern.callback)
            source = inspect.getsource(view)
            body = source.split('"""')[-1] if '"""' in source else source
            first_call = ASKS_PERMISSION.search(body)
            self.assertIsNotNone(first_call, f"{view.__name__} never asks permissions")
            before = body[: first_call.start()]
            self.assertNotRegex(
                before, r"\b(actions|services)\.", f"{view.__name__} acts before asking"
            )

    def test_no_role_checks_outside_permissions(self) -> None:
        offenders = []
        files = [
            *ROOT.rglob("*.html"),
            *ROOT.rglob("*views.py"),
            *ROOT.rglob("templatetags/*.py"),
        ]
        for path in files:
            if "permissions" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if ROLE_CHECK.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
        self.assertEqual(offenders, [])
