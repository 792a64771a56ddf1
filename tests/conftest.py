import pytest


@pytest.fixture(autouse=True)
def _fresh_view_counts():
    """View counts are buffered per process; each test starts with none pending."""
    from parley.forums import view_counts

    view_counts._pending.clear()
    yield
    view_counts._pending.clear()
