"""`make mutation [TARGET=name]`: mutation testing (mutmut) of the code each target names, with
only that target's fast tests, on SQLite with the test settings. A habit tool, not part of
`make test`; it prints each target's score and the mutants that survived (`.venv/bin/mutmut show
NAME` prints one's diff). `python -m tests.mutation --report [TARGET]` reprints the last results,
`--survivors [TARGET]` re-checks only the mutants the last run did not kill (after adding tests).

Targets are `[tool.parley.mutation.<name>]` tables in pyproject.toml: `mutate` (source globs) and
`tests` (path prefixes of the tests that guard that code). `[tool.mutmut]` mutates the union of the
targets; this module checks that it does.

This module is also the pytest plugin mutmut loads (`-p tests.mutation`) in every test run:
- only the current target's tests are kept (`PARLEY_MUTATION_TARGET`; all targets' without it);
- every test session gets its own database and cache, and imports the test modules afresh.
  mutmut forks a process per mutant, two at a time, from a parent that already set Django up,
  so they would otherwise share one test database file and one cache directory (and clear each
  other's). Each session starts from a copy of a database migrated once per run, which saves
  the migrations per mutant;
- a target's `reload` modules are re-imported where a mutant must reach what their import
  builds: the markup renderer is built once, when its module is imported (before mutmut picks a
  mutant), so a mutant in the functions that build it could otherwise never be seen. They are
  re-imported once per mutant's session, and before every test while mutmut maps which tests
  call which functions (so every test that renders counts as one that uses the builder).
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TARGET_ENV = "PARLEY_MUTATION_TARGET"


def _pyproject(root: Path = ROOT) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text("utf-8"))


def targets(root: Path = ROOT) -> dict[str, dict[str, list[str]]]:
    return _pyproject(root)["tool"]["parley"]["mutation"]


# --- the pytest plugin ------------------------------------------------------------------------


def _test_prefixes(config: pytest.Config) -> list[str]:
    return [prefix for target in _current_targets(config) for prefix in target["tests"]]


def _reload(config: pytest.Config) -> None:
    for target in _current_targets(config):
        for module in target.get("reload", []):
            importlib.reload(importlib.import_module(module))


def _mutant_under_test() -> str:
    return os.environ.get("MUTANT_UNDER_TEST", "")


def _current_targets(config: pytest.Config) -> list[dict[str, list[str]]]:
    every = targets(Path(str(config.rootpath)))
    name = os.environ.get(TARGET_ENV)
    return [every[name]] if name else list(every.values())


def _selected(nodeid: str, prefixes: list[str]) -> bool:
    """Prefixes of test paths: a directory, a file, or the start of file names
    (tests/core/test_markup keeps test_markup.py and test_markup_xss.py)."""
    return nodeid.split("::", 1)[0].startswith(tuple(prefixes))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    prefixes = _test_prefixes(config)
    keep = [item for item in items if _selected(item.nodeid, prefixes)]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


def _template_database(config: pytest.Config, data_dir: Path) -> Path:
    """A freshly migrated test database, made once per mutmut run (in its first test session,
    in the parent process, before any mutant is forked) and copied for each session after."""
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    template = data_dir / "mutation-template.sqlite3"
    if not template.exists():
        settings_dict = connection.settings_dict
        settings_dict["TEST"]["NAME"] = str(template)
        old_name = settings_dict["NAME"]
        with config.stash[blocking_manager_key].unblock():
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=True)
    return template


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    from asgiref.local import Local
    from django.conf import settings
    from django.core.cache import caches

    database = settings.DATABASES["default"]
    if database["ENGINE"] != settings.SQLITE_ENGINE:
        raise pytest.UsageError("make mutation runs on SQLite: unset PARLEY_DATABASE_URL")
    own = Path(tempfile.mkdtemp(prefix="parley-mutant-"))
    session.config.add_cleanup(lambda: shutil.rmtree(own, ignore_errors=True))
    shutil.copyfile(
        _template_database(session.config, Path(settings.DATA_DIR)), own / "test.sqlite3"
    )
    # The connection keeps this very dict, so the test database is created from it (kept as it
    # is: pytest runs with --reuse-db, which here reuses only this session's private copy).
    database["TEST"]["NAME"] = str(own / "test.sqlite3")
    if settings.CACHES["default"]["BACKEND"] != "parley.core.disk_cache.DiskCache":
        raise pytest.UsageError("make mutation runs with the file cache: unset PARLEY_REDIS_URL")
    settings.CACHES["default"]["LOCATION"] = str(own / "cache")
    caches._connections = Local(caches.thread_critical)  # forget the inherited cache object
    # Test modules are imported afresh, as in a process of their own: the parent's copies hold
    # state from its earlier sessions (hypothesis would call a test class "run from multiple
    # executors" and fail it).
    for module in [m for m in sys.modules if m.rpartition(".")[2].startswith("test_")]:
        if module.startswith("tests."):
            del sys.modules[module]
    if "__mutmut_" in _mutant_under_test():
        _reload(session.config)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _mutant_under_test() == "stats":
        _reload(item.config)


# --- the command ------------------------------------------------------------------------------

# mutmut's exit codes (mutmut.stats.status_by_exit_code), as they are reported here.
KILLED, SURVIVED, NO_TESTS, TIMEOUT = "killed", "survived", "no tests", "timeout"
STATUS = {1: KILLED, 3: KILLED, 0: SURVIVED, 5: NO_TESTS, 33: NO_TESTS, 36: TIMEOUT, 24: TIMEOUT}
STATUS.update({-24: TIMEOUT, 152: TIMEOUT, 255: TIMEOUT})


def mutant_globs(mutate: list[str]) -> list[str]:
    """mutmut names mutants after their module: parley/moderation/gate.py's are
    parley.moderation.gate.*, a package's (its __init__ included) parley.permissions.*."""
    globs = []
    for pattern in mutate:
        if pattern.endswith("/*"):
            globs.append(pattern[:-2].replace("/", ".") + ".*")
        elif pattern.endswith(".py"):
            globs.append(pattern[:-3].replace("/", ".") + ".*")
        else:
            raise SystemExit(f"mutate patterns are 'dir/*' or 'file.py', not {pattern!r}")
    return globs


def check_config(root: Path = ROOT) -> None:
    """[tool.mutmut] must mutate every target's files and collect every target's tests."""
    mutmut = _pyproject(root)["tool"]["mutmut"]
    for name, target in targets(root).items():
        missing = [p for p in target["mutate"] if p not in mutmut["only_mutate"]]
        collected = mutmut["pytest_add_cli_args_test_selection"]
        missing += [t for t in target["tests"] if not _selected(t, collected)]
        if missing:
            raise SystemExit(f"[tool.mutmut] does not cover target {name!r}: {missing}")
        # A test path that matches nothing (a file moved since) would quietly test less.
        gone = [t for t in target["tests"] if not any(root.glob(t + "*"))]
        if gone:
            raise SystemExit(f"target {name!r} names tests that do not exist: {gone}")
    gone = [t for t in mutmut["pytest_add_cli_args_test_selection"] if not (root / t).exists()]
    if gone:
        raise SystemExit(f"[tool.mutmut] collects tests that do not exist: {gone}")


def results(mutate: list[str], root: Path = ROOT) -> dict[str, str]:
    """Each of the target's mutants with its outcome in the last run."""
    outcome = {}
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        source = meta.relative_to(root / "mutants").as_posix()[: -len(".meta")]
        if any(fnmatch.fnmatch(source, pattern) for pattern in mutate):
            codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
            for key, code in codes.items():
                outcome[key] = "not run" if code is None else STATUS.get(code, f"exit {code}")
    return outcome


def _sync_non_python(root: Path) -> None:
    """mutmut copies the source tree once and then refreshes only .py files: templates and
    static files changed since would be tested stale."""
    for path in (root / "parley").rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc"):
            copy = root / "mutants" / path.relative_to(root)
            if copy.parent.exists() and (
                not copy.exists() or copy.read_bytes() != path.read_bytes()
            ):
                shutil.copy2(path, copy)


def run(name: str, target: dict[str, list[str]], *, only: list[str] | None = None) -> None:
    """Run mutmut on the target's mutants (or on `only`, mutant names)."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PARLEY_DATABASE_URL", "PARLEY_REDIS_URL")
    }
    env[TARGET_ENV] = name
    env.pop("PARLEY_DATA_DIR", None)
    mutmut = Path(sys.executable).with_name("mutmut")
    print(f"\n=== mutation: {name} ({', '.join(target['mutate'])})", flush=True)
    if (ROOT / "mutants").exists():
        _sync_non_python(ROOT)
        # Which tests run for which function is mapped afresh for each target (mutmut would
        # otherwise keep a map made with another target's tests, or before a test changed).
        (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    command = [str(mutmut), "run", *(only or mutant_globs(target["mutate"]))]
    code = subprocess.call(command, cwd=ROOT, env=env)  # noqa: S603 - our own venv's mutmut
    if code:
        raise SystemExit(f"mutmut failed on target {name!r} (exit {code})")


def report(name: str, target: dict[str, list[str]]) -> tuple[int, int]:
    """Print the mutants that were not killed; (killed, all). A mutant whose tests time out
    (it loops) counts as killed."""
    outcome = results(target["mutate"])
    killed = sum(1 for o in outcome.values() if o in (KILLED, TIMEOUT))
    print(f"\n{name}: not killed")
    for status, key in sorted((o, key) for key, o in outcome.items() if o not in (KILLED, TIMEOUT)):
        print(f"  {status:<10} {key}")
    return killed, len(outcome)


def main(argv: list[str]) -> None:
    check_config()
    every = targets()
    flags = {arg for arg in argv if arg.startswith("--")}
    if flags - {"--report", "--survivors"}:
        raise SystemExit("usage: python -m tests.mutation [--report | --survivors] [TARGET ...]")
    names = [name for name in argv if name not in flags] or list(every)
    unknown = [name for name in names if name not in every]
    if unknown:
        raise SystemExit(f"unknown target(s) {unknown}; targets: {', '.join(every)}")
    for name in names:
        if "--survivors" in flags:  # re-check only what the last run did not kill
            left = [
                k for k, o in results(every[name]["mutate"]).items() if o not in (KILLED, TIMEOUT)
            ]
            if left:
                run(name, every[name], only=left)
        elif "--report" not in flags:
            run(name, every[name])
    scores = {name: report(name, every[name]) for name in names}
    print("\nmutation scores (killed / all mutants; `mutmut show NAME` shows one):")
    for name, (killed, total) in scores.items():
        print(f"  {name:<12} {killed:>5}/{total:<5} {100 * killed / max(total, 1):5.1f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
