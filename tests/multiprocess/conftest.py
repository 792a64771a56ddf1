"""Fixtures for tests against a real multi-worker `parley serve` (see harness.py and client.py).

The server is built once per test module and shared by its tests, which therefore keep out of
each other's way by using different demo members, threads and forums."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.multiprocess.client import Browser
from tests.multiprocess.harness import ParleyServer, running_server

SERVER_LOG_LINES = 120


@pytest.fixture(scope="module")
def parley_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyServer]:
    with running_server(tmp_path_factory.mktemp("parley-mp")) as server:
        yield server


@pytest.fixture
def new_browser(parley_server: ParleyServer) -> Callable[..., Browser]:
    """A factory of visitors: each call is another person with their own cookies."""
    return parley_server.browser


# The suite-wide autouse fixtures reset this process's cache and view-count buffer; the server
# under test is other processes, whose state these tests must see as it is.
@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    yield


@pytest.fixture(autouse=True)
def _fresh_view_counts() -> Iterator[None]:
    yield


@pytest.fixture(autouse=True)
def _server_log_mark(request: pytest.FixtureRequest) -> None:
    """Remember where the server log stood when the test began, for the failure report."""
    if "parley_server" in request.fixturenames:
        server = request.getfixturevalue("parley_server")
        request.node._parley_log = (server, server.log_size())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test's report carries what the server logged meanwhile (errors, tracebacks;
    the access log lines are left out), since the server's output goes to a file."""
    outcome = yield
    report = outcome.get_result()
    mark = getattr(item, "_parley_log", None)
    if mark is not None and report.when == "call" and report.failed:
        server, since = mark
        text = server.log_tail(since, SERVER_LOG_LINES, access=False).strip()
        report.sections.append(
            (f"server log ({server.engine}, {server.log_path})", text or "(nothing but requests)")
        )
