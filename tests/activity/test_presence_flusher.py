"""Presence is stored by each process's background flusher, not by requests: a page view writes
nothing, one tick stores every visit the process buffered (with or without a presence read), and
the thread itself keeps going through failures, closes its connection and restarts after a fork.

Most tests tick the flusher by hand (test settings switch the thread off); the `RealThread`
tests run the thread itself, in transactional tests so that its own connection sees the data."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parley.activity.models import Presence
from parley.activity.presence.backends import get_backend
from parley.core import flusher
from tests.activity.presence_support import guest, site_backend, tick, visit
from tests.world import build_world, warm_permission_cache

GUEST_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
PATIENCE_SECONDS = 15.0  # generous: the thread ticks every second, the machine may be busy


def viewers_line(response) -> str:
    visible = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    match = re.search(r"Users Who Are Viewing This Thread \([^)]*\)", visible)
    assert match, "the page shows the viewers block"
    return match.group(0)


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(params=["db", "redis"])
def site(request):
    with site_backend(request.param):
        yield request.param


# --- Ticked by hand -----------------------------------------------------------------------------


def test_a_guest_page_view_writes_nothing(world, site):
    guest_client = Client(HTTP_USER_AGENT=GUEST_AGENT)
    warm_permission_cache(guest_client)
    urls = [
        "/",
        world.news.get_absolute_url(),
        world.long_thread.get_absolute_url(),
        f"/threads/{world.long_thread.pk}/viewers",
        "/online/",
    ]
    with CaptureQueriesContext(connection) as captured:
        for url in urls:
            assert guest_client.get(url).status_code == 200
    assert [q["sql"] for q in captured if WRITE.match(q["sql"])] == []


def test_one_tick_stores_a_page_view_nobody_polled(world):
    with site_backend("db"):
        reader = Client(HTTP_USER_AGENT=GUEST_AGENT)
        reader.get(world.long_thread.get_absolute_url())  # no script: no poll, no presence read
        assert not Presence.objects.exists()
        tick()
        row = Presence.objects.get()
        assert (row.location_kind, row.location_id) == ("thread", world.long_thread.pk)


def test_after_a_tick_a_member_and_a_guest_count_each_other_in_the_page(world, site):
    alice = Client(HTTP_USER_AGENT=GUEST_AGENT)
    alice.force_login(world.member)
    thread_url = world.long_thread.get_absolute_url()
    assert viewers_line(alice.get(thread_url)) == (
        "Users Who Are Viewing This Thread (Total: 1, Members: 1, Guests: 0)"
    )
    tick()
    guest_client = Client(HTTP_USER_AGENT=GUEST_AGENT)
    assert viewers_line(guest_client.get(thread_url)) == (
        "Users Who Are Viewing This Thread (Total: 2, Members: 1, Guests: 1)"
    )
    tick()
    assert viewers_line(alice.get(thread_url)) == (
        "Users Who Are Viewing This Thread (Total: 2, Members: 1, Guests: 1)"
    )


def test_a_failing_job_is_logged_and_the_others_still_run(monkeypatch, caplog):
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(flusher, "_jobs", {})
    flusher.register("broken", broken)
    flusher.register("fine", lambda: ran.append("fine"))
    flusher.run_due(1)
    flusher.run_due(2)
    assert ran == ["fine", "fine"]
    failures = [r for r in caplog.records if r.name == "parley.core.flusher"]
    assert len(failures) == 1  # logged once, not every tick
    assert "broken failed" in failures[0].getMessage()


# --- The real thread ----------------------------------------------------------------------------


@pytest.fixture
def real_thread(settings, monkeypatch):
    """The thread on, with its own job list (so tests can add to it), stopped afterwards."""
    settings.PARLEY_BACKGROUND_FLUSH = True
    monkeypatch.setattr(flusher, "_jobs", dict(flusher._jobs))
    yield flusher
    flusher.stop()


@pytest.mark.django_db(transaction=True)
def test_real_thread_stores_visits_with_no_request_at_all(real_thread):
    thread_connections: list[object] = []
    real_thread.register("spy", lambda: thread_connections.append(connections["default"]))
    with site_backend("db"):
        get_backend().record(visit(guest(1), "thread", 7))  # starts the thread, lazily
        assert real_thread.is_running()
        assert wait_for(lambda: Presence.objects.filter(location_id=7).exists())
        real_thread.stop()
    assert not real_thread.is_running()
    assert thread_connections, "the jobs ran in the thread"
    assert thread_connections[0] is not connections["default"]  # its own connection…
    assert thread_connections[0].connection is None  # …closed when it stopped


@pytest.mark.django_db(transaction=True)
def test_real_thread_survives_a_failing_job(real_thread):
    def broken() -> None:
        raise RuntimeError("disk full")

    real_thread.register("broken", broken)
    with site_backend("db"):
        get_backend().record(visit(guest(1), "thread", 7))
        assert wait_for(lambda: Presence.objects.filter(location_id=7).exists())
        get_backend().record(visit(guest(2), "thread", 8))
        assert wait_for(lambda: Presence.objects.filter(location_id=8).exists())
    assert real_thread.is_running()


def test_a_forked_worker_starts_its_own_thread(real_thread, monkeypatch):
    monkeypatch.setattr(flusher, "_jobs", {})  # nothing to do in either process
    real_thread.ensure_started()
    assert real_thread.is_running()
    pid = os.fork()
    if pid == 0:  # the child: the parent's thread did not come along
        ok = not real_thread.is_running()
        real_thread.ensure_started()
        ok = ok and real_thread.is_running()
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert real_thread.is_running()
