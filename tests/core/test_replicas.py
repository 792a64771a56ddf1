"""Read replicas (`parley/core/replicas.py`): which database each read goes to.

The replica here is a second alias on the test database itself (Django's TEST MIRROR), a
replica with no lag; the tests tell the two apart by the alias a query ran on. They are
transactional: inside a test's transaction every read goes to the primary (rightly), and the
replica connection could not see the world anyway."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from parley.accounts.models import MemberSession
from parley.core import replicas, stamps
from parley.core.knobs import DATABASE_REPLICA_URLS
from parley.core.models import RateLimitBucket, Stamp
from parley.forums.models import Forum, Thread
from tests.core.mirror_alias import committed_thread, mirrored_alias
from tests.world import make_member

pytestmark = pytest.mark.django_db(transaction=True)

REPLICA = "replica_0"


@pytest.fixture
def replica() -> Iterator[str]:
    """`replica_0`, mirroring the test database, added as the settings add one per URL."""
    with mirrored_alias(REPLICA) as alias:
        yield alias


@pytest.fixture
def thread() -> Thread:
    return committed_thread()


def decided(request: HttpRequest, *models: type) -> list[str | None]:
    """Where the router sends a read of each model while the middleware handles `request`."""
    found: list[str | None] = []

    def view(request: HttpRequest) -> HttpResponse:
        found.extend(router.db_for_read(model) for model in models)
        return HttpResponse("ok")

    replicas.ReplicaMiddleware(view)(request)
    return found


def get(**cookies: str) -> HttpRequest:
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)
    return request


# --- The router, decision by decision -----------------------------------------------------------


def test_without_replicas_the_router_has_no_opinion() -> None:
    assert replicas.replica_aliases() == ()
    own = replicas.ReplicaRouter()
    assert own.db_for_read(Thread) is None and own.db_for_write(Thread) is None
    assert decided(get(), Thread) == [DEFAULT_DB_ALIAS]  # Django's own default
    assert DATABASE_REPLICA_URLS.default == ()


def test_a_guest_get_reads_from_the_replica(replica: str) -> None:
    assert decided(get(), Thread, Forum) == [replica, replica]


def test_a_request_that_writes_reads_from_the_primary(replica: str) -> None:
    for method in ("post", "put", "delete", "patch"):
        request = getattr(RequestFactory(), method)("/")
        assert decided(request, Thread) == [DEFAULT_DB_ALIAS], method


def test_reads_outside_a_request_go_to_the_primary(replica: str) -> None:
    assert router.db_for_read(Thread) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Thread) == DEFAULT_DB_ALIAS


def test_writes_always_go_to_the_primary(replica: str) -> None:
    found: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        found.append(router.db_for_write(Thread))
        found.append(router.db_for_read(Thread))  # and what the request wrote is read there
        return HttpResponse("ok")

    replicas.ReplicaMiddleware(view)(get())
    assert found == [DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS]


def test_fresh_models_always_read_from_the_primary(replica: str) -> None:
    always = decided(get(), Stamp, MemberSession, RateLimitBucket, Thread)
    assert always == [DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS, replica]


def test_reads_inside_a_transaction_go_to_the_primary(replica: str) -> None:
    found: list[str | None] = []

    def view(request: HttpRequest) -> HttpResponse:
        with transaction.atomic():
            found.append(router.db_for_read(Thread))
        found.append(router.db_for_read(Thread))
        return HttpResponse("ok")

    replicas.ReplicaMiddleware(view)(get())
    assert found == [DEFAULT_DB_ALIAS, replica]


def test_a_browser_that_wrote_moments_ago_reads_from_the_primary(replica: str) -> None:
    now = int(time.time())
    just_now = get(**{replicas.WROTE_COOKIE: str(now - 1)})
    long_ago = get(**{replicas.WROTE_COOKIE: str(now - replicas.READ_YOUR_WRITES_SECONDS - 1)})
    assert decided(just_now, Thread) == [DEFAULT_DB_ALIAS]
    assert decided(long_ago, Thread) == [replica]
    assert decided(get(**{replicas.WROTE_COOKIE: "nonsense"}), Thread) == [replica]


def test_a_replica_behind_the_requests_stamps_is_not_read(replica: str) -> None:
    ahead = {name: stamps.value(stamps.read_all(), name) + 1 for name in stamps_names()}
    for name in stamps_names():
        request = get()
        request.perms = SimpleNamespace(stamps={**stamps.read_all(), name: ahead[name]})  # type: ignore[attr-defined]
        assert decided(request, Thread) == [DEFAULT_DB_ALIAS], f"{name} behind"
    caught_up = get()
    caught_up.perms = SimpleNamespace(stamps=stamps.read_all())  # type: ignore[attr-defined]
    assert decided(caught_up, Thread) == [replica]


def stamps_names() -> tuple[str, ...]:
    return (stamps.PERMS, stamps.CONTENT)


def test_an_unreachable_replica_leaves_the_request_to_the_primary(
    replica: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(alias: str) -> None:
        raise OperationalError(f"could not connect to {alias}")

    monkeypatch.setattr(replicas, "_stamps_on", unreachable)
    replicas._breakers.clear()
    try:
        assert decided(get(), Thread, Forum) == [DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS]
        assert replicas._breaker(replica).is_open  # the next requests do not wait on it
    finally:
        replicas._breakers.clear()


# --- Through the whole stack ---------------------------------------------------------------------


def queried(alias: str, do: Callable[[], HttpResponse]) -> tuple[HttpResponse, list[str]]:
    with CaptureQueriesContext(connections[alias]) as queries:
        response = do()
    return response, [q["sql"] for q in queries.captured_queries]


def reads_table(sqls: list[str], table: str) -> bool:
    return any(sql.lstrip().upper().startswith("SELECT") and table in sql for sql in sqls)


def test_a_guests_thread_page_is_read_from_the_replica(replica: str, thread: Thread) -> None:
    guest = Client()
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:
        response, on_replica = queried(replica, lambda: guest.get(thread.get_absolute_url()))
    assert response.status_code == 200
    assert reads_table(on_replica, Thread._meta.db_table), on_replica
    on_primary = [q["sql"] for q in primary.captured_queries]
    assert not reads_table(on_primary, Thread._meta.db_table), on_primary
    # The stamps the page is cached under come from the primary; the replica is asked for its
    # own once, to know it has caught up with them.
    assert reads_table(on_primary, Stamp._meta.db_table)
    assert sum(Stamp._meta.db_table in sql for sql in on_replica) == 1, on_replica
    assert replicas.WROTE_COOKIE not in response.cookies


def test_a_members_post_and_their_next_pages_read_from_the_primary(
    replica: str, thread: Thread, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = make_member("Reader")
    browser = Client()
    browser.force_login(member)
    response, on_replica = queried(
        replica,
        lambda: browser.post(thread.reply_url(), {"body": "Still going.", "client_token": "t1"}),
    )
    assert response.status_code == 302, response
    assert on_replica == []
    assert response.cookies[replicas.WROTE_COOKIE]["max-age"] == replicas.READ_YOUR_WRITES_SECONDS

    response, on_replica = queried(replica, lambda: browser.get(thread.get_absolute_url()))
    assert response.status_code == 200
    assert b"Still going." in response.content
    assert on_replica == [], "the member's page just after their reply was read from a replica"

    # Once the window has passed (the browser drops the cookie), their pages may lag again.
    later = time.time() + replicas.READ_YOUR_WRITES_SECONDS + 1
    monkeypatch.setattr(replicas.time, "time", lambda: later)
    response, on_replica = queried(replica, lambda: browser.get(thread.get_absolute_url()))
    assert response.status_code == 200
    assert reads_table(on_replica, Thread._meta.db_table), on_replica


def test_sessions_and_stamps_are_read_from_the_primary_on_a_replica_page(
    replica: str, thread: Thread
) -> None:
    member = make_member("Reader")
    browser = Client()
    browser.force_login(member)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:
        response, on_replica = queried(replica, lambda: browser.get(thread.get_absolute_url()))
    assert response.status_code == 200
    on_primary = [q["sql"] for q in primary.captured_queries]
    assert reads_table(on_primary, MemberSession._meta.db_table)
    assert not any(MemberSession._meta.db_table in sql for sql in on_replica), on_replica
    assert reads_table(on_replica, Thread._meta.db_table), on_replica
