from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Importing the test settings creates nothing; the run makes their private data directory
    (and the static root WhiteNoise looks in) before any test or database needs it."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


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
