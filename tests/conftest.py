import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Importing the test settings creates nothing; the run makes their private data directory
    (and the static root WhiteNoise looks in) before any test or database needs it."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    _quicker_flushes()


# Rows the migrations make and the post_migrate signal makes again after every flush.
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


def _quicker_flushes() -> None:
    """Transactional tests (browser, live server, TransactionTestCase) empty every table after
    each test, then the post_migrate signal writes the content types and permissions again.
    Two changes take that from about 0.7 s a test to 0.06 s on PostgreSQL (a few hundredths
    of a second less on SQLite):
    - content types and permissions are kept (every test starts with the same ones anyway), so
      post_migrate finds them and writes nothing;
    - PostgreSQL empties tables by DELETE in one transaction, not by Django's TRUNCATE, which
      gives each table and index a new file (Django's foreign keys are deferred to the commit,
      so the order does not matter). Sequences are not restarted either way, unless a test asks
      for it (reset_sequences): then Django's own statement is used."""
    # Through the backends' base modules: their operations modules import them first.
    from django.db.backends.base.operations import BaseDatabaseOperations
    from django.db.backends.postgresql.base import DatabaseOperations as PostgreSQL
    from django.db.backends.sqlite3.base import DatabaseOperations as SQLite

    def quicker(operations: type[BaseDatabaseOperations], *, delete: bool) -> None:
        django_flush = operations.sql_flush

        def sql_flush(
            self: BaseDatabaseOperations,
            style: Any,
            tables: Sequence[str],
            *,
            reset_sequences: bool = False,
            allow_cascade: bool = False,
        ) -> list[str]:
            emptied = [t for t in tables if t not in KEPT_BY_FLUSH]
            if delete and not (reset_sequences or allow_cascade):
                return [
                    f"{style.SQL_KEYWORD('DELETE FROM')} {self.quote_name(t)};" for t in emptied
                ]
            return django_flush(
                self, style, emptied, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )

        operations.sql_flush = sql_flush  # type: ignore[method-assign]

    quicker(PostgreSQL, delete=True)
    quicker(SQLite, delete=False)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached permission tables and throttles must not leak from one test's (rolled back)
    database into the next."""
    from tests.fresh import start_fresh

    start_fresh()
    yield


@pytest.fixture(autouse=True)
def _fresh_view_counts():
    """View counts are buffered per process; each test starts with none pending and no failed
    hand-off waiting to be retried."""
    from parley.core import flusher
    from parley.forums import view_counts

    view_counts._pending.clear()
    for job in flusher._jobs.values():
        job.retry = False
    yield
    view_counts._pending.clear()
    for job in flusher._jobs.values():
        job.retry = False


@pytest.fixture(autouse=True)
def _fresh_presence():
    """Presence visits are buffered per process too, in the backend instance (with, for Redis, its
    circuit breaker): each test starts with a new one. Every request a test makes records a
    visit there, and a test that does not tick would otherwise leave its visits to be stored by
    a later test's tick: members of a rolled-back board turning up online, or a visit from a
    test that moved the clock forward (mock.patch of timezone.now) outranking, as the newer
    one, every visit of that member the later test records. (With Redis, what was sent is
    gone too: `_fresh_cache` empties the Redis database the presence keys share.)"""
    from parley.activity.presence.backends import reset_backend

    reset_backend()
    yield
    reset_backend()


# Tests whose code never reads the engine settings: the same in both of `make test`'s passes, so
# the PostgreSQL + Redis pass leaves them to the SQLite one (tests/both_engines.py sets the
# variable). The bench configures its own SQLite board whatever the pass. Path prefixes.
ENGINE_FREE = (
    "tests/test_bench.py",
    "tests/core/test_markup.py",
    "tests/core/test_markup_bbcode",
    "tests/core/test_markup_linear.py",
    "tests/core/test_markup_link",
    "tests/core/test_markup_mutation_",
    "tests/core/test_markup_nesting.py",
    "tests/core/test_markup_visible.py",
    "tests/core/test_markup_xss.py",
    "tests/core/test_markup_fuzz.py::test_render_post_never_raises",
    "tests/core/test_widgets.py",
    "tests/core/test_disk_cache.py",
    "tests/feeds/test_importer_parse.py",
    "tests/search/test_snippets.py",
    "tests/search/test_odd_queries.py::ParsingTests",
)
# Browser tests of what the browser draws (layout at every width, the colour schemes, the
# character counter and the times its script rewrites): they read a few rows, but what they check
# is CSS and JavaScript, the same on any engine. They run in the SQLite pass only; every browser
# test of behaviour (posting, moderation, presence, live replies, search) runs in both.
DRAWN_BY_THE_BROWSER = (
    "tests/browser/test_layout_widths.py",
    "tests/browser/test_layout_page.py",
    "tests/browser/test_layout_long_threads.py",
    "tests/browser/test_layout_colour_scheme.py",
    "tests/browser/test_char_counter.py",
    "tests/browser/test_times.py",
)
SECOND_ENGINE_PASS = "PARLEY_TESTS_SECOND_ENGINE_PASS"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.test import TransactionTestCase

    free = [item for item in items if item.nodeid.startswith(ENGINE_FREE)]
    for item in free:  # a database test added to one of those files must not be left out
        cls = getattr(item, "cls", None)
        if item.get_closest_marker("django_db") or (
            cls is not None and issubclass(cls, TransactionTestCase)
        ):
            raise pytest.UsageError(f"{item.nodeid} uses the database: not engine-free")
    if os.environ.get(SECOND_ENGINE_PASS):
        once = [i for i in items if i.nodeid.startswith((*ENGINE_FREE, *DRAWN_BY_THE_BROWSER))]
        config.hook.pytest_deselected(items=once)
        items[:] = [
            i for i in items if not i.nodeid.startswith((*ENGINE_FREE, *DRAWN_BY_THE_BROWSER))
        ]
