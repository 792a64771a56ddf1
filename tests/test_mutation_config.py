"""`make mutation` runs outside the suite, so its configuration is checked here: a test file
moved or a module renamed would otherwise leave a target testing less, or crash the next run."""

from __future__ import annotations

import pytest

from tests import mutation


def test_every_target_is_covered_and_names_real_tests() -> None:
    mutation.check_config()


def test_a_moved_test_file_is_caught(monkeypatch) -> None:
    real = mutation._pyproject(mutation.ROOT)
    name, target = next(iter(mutation.targets(mutation.ROOT).items()))
    broken = {**target, "tests": [*target["tests"], "tests/core/no_such_test_file.py"]}
    monkeypatch.setattr(mutation, "targets", lambda root=mutation.ROOT: {name: broken})
    monkeypatch.setattr(mutation, "_pyproject", lambda root=mutation.ROOT: real)
    with pytest.raises(SystemExit, match="do not exist: .*tests/core/no_such_test_file.py"):
        mutation.check_config()
