"""The guardian's shape, read from its source: one place turns a refusal into a response, and
the permissions layer asks no feature app above it."""

from __future__ import annotations

import ast
from pathlib import Path

from django.test import SimpleTestCase

from parley.permissions.guardian import Perms

GUARDIAN = Path(__file__).resolve().parents[2] / "parley" / "permissions" / "guardian"
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
        imported = {
            (path.name, node.module)
            for path in GUARDIAN.glob("*.py")
            for node in ast.walk(_tree(path))
            if isinstance(node, ast.ImportFrom) and node.module
        } | {
            (path.name, alias.name)
            for path in GUARDIAN.glob("*.py")
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
