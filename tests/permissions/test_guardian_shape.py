"""The guardian's shape, read from its source: one place turns a refusal into a response, and
the permissions layer asks no feature app above it (bans come through a hook the moderation app
fills at start-up)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.test import SimpleTestCase

from parley.moderation.discipline.queries import ban_facts
from parley.permissions import grants
from parley.permissions.guardian import Perms

PERMISSIONS = Path(__file__).resolve().parents[2] / "parley" / "permissions"
GUARDIAN = PERMISSIONS / "guardian"
FEATURE_APPS = ("parley.moderation", "parley.activity", "parley.notifications")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


class GuardianShapeTests(SimpleTestCase):
    def test_only_base_raises(self) -> None:
        """403 or 404 is decided in `base.py` (`_refuse`); subjects call `_ensure`."""
        raising = {
            path.name
            for path in GUARDIAN.glob("*.py")
            for node in ast.walk(_tree(path))
            if isinstance(node, ast.Raise)
        }
        self.assertEqual(raising, {"base.py"})

    def test_no_feature_app_is_imported(self) -> None:
        """Anywhere in the layer, inside functions too (the admin is an entry point: exempt)."""
        sources = [
            path
            for path in PERMISSIONS.rglob("*.py")
            if "migrations" not in path.parts and path.name != "admin.py"
        ]
        imported = {
            (path.name, node.module)
            for path in sources
            for node in ast.walk(_tree(path))
            if isinstance(node, ast.ImportFrom) and node.module
        } | {
            (path.name, alias.name)
            for path in sources
            for node in ast.walk(_tree(path))
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        self.assertEqual(
            sorted((f, m) for f, m in imported if m.startswith(FEATURE_APPS)),
            [],
        )

    def test_every_subject_is_mixed_into_perms(self) -> None:
        subjects = {p.stem for p in GUARDIAN.glob("*.py")} - {"__init__", "base"}
        mixed = {cls.__module__.rsplit(".", 1)[-1] for cls in Perms.__mro__}
        self.assertLessEqual(subjects, mixed)

    def test_bans_come_from_the_moderation_app(self) -> None:
        """The layer's own default bans no one; the moderation app provides the real lookup."""
        self.assertIsNone(grants._no_bans(1))
        self.assertIs(grants._ban_lookup, ban_facts)
