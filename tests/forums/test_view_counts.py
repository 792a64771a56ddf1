"""Thread view counts: tallied in memory by page views, handed to the job queue by the
per-process flusher every few ticks, added by the queued task, kept while the queue is down and
handed over when a worker exits. Test settings run queued tasks inline (HUEY immediate)."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from parley import cli
from parley.core import flusher
from parley.forums import view_counts
from parley.forums.models import Thread
from parley.forums.tasks import apply_thread_views
from tests.world import build_world, warm_permission_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def stored_views(thread: Thread) -> int:
    return Thread.objects.values_list("view_count", flat=True).get(pk=thread.pk)


def shown_views(client: Client, thread: Thread) -> int:
    """The count the thread page shows its reader."""
    html = client.get(thread.get_absolute_url()).content.decode()
    match = re.search(r"([\d,]+)\s*views?", html, re.IGNORECASE)
    assert match, "the thread page shows its view count"
    return int(match.group(1).replace(",", ""))


@pytest.fixture
def queue_down(monkeypatch):
    def refuse(task: object) -> None:
        raise ConnectionError("job queue unreachable")

    monkeypatch.setattr(HUEY, "enqueue", refuse)


def test_a_page_view_writes_nothing_and_the_flusher_stores_it(world, client):
    thread = world.long_thread
    before = stored_views(thread)
    warm_permission_cache(client)
    with CaptureQueriesContext(connection) as captured:
        client.get(thread.get_absolute_url())
        client.get(thread.get_absolute_url())
    assert not [q["sql"] for q in captured if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"])]
    assert stored_views(thread) == before
    flusher.run_due(1)  # presence's turn; view counts wait for theirs
    assert stored_views(thread) == before
    flusher.run_due(view_counts.FLUSH_EVERY_TICKS)
    assert stored_views(thread) == before + 2
    assert view_counts.pending_views(thread.pk) == 0


def test_one_hand_off_is_one_task_with_one_update_per_thread(world, monkeypatch):
    enqueued: list[object] = []
    real_enqueue = HUEY.enqueue

    def spy(task: object) -> object:
        enqueued.append(task)
        return real_enqueue(task)

    monkeypatch.setattr(HUEY, "enqueue", spy)
    for _ in range(3):
        view_counts.record_view(world.long_thread.pk)
    view_counts.record_view(world.short_thread.pk)
    with CaptureQueriesContext(connection) as captured:
        assert view_counts.flush() == 2
    assert len(enqueued) == 1
    updates = [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 2
    assert "view_count" in updates[0]


def test_the_task_adds_to_the_stored_count(world):
    thread = world.long_thread
    Thread.objects.filter(pk=thread.pk).update(view_count=40)
    apply_thread_views.call_local({thread.pk: 2, 999_999: 5})  # a deleted thread is skipped
    apply_thread_views.call_local({thread.pk: 1})
    assert stored_views(thread) == 43


def test_the_page_shows_views_not_yet_handed_on(world, client, settings):
    # Rendered afresh each time (a guest's cached page shows the count it was rendered with:
    # tests/core/test_page_cache.py).
    settings.PARLEY_GUEST_PAGE_CACHE = False
    thread = world.long_thread
    before = stored_views(thread)
    assert shown_views(client, thread) == before + 1
    assert shown_views(client, thread) == before + 2


def test_a_queue_outage_keeps_the_views_and_the_next_tick_hands_them_on(
    world, client, queue_down, monkeypatch, caplog, settings
):
    settings.PARLEY_GUEST_PAGE_CACHE = False
    thread = world.long_thread
    before = stored_views(thread)
    client.get(thread.get_absolute_url())
    with caplog.at_level(logging.ERROR, logger="parley.core.flusher"):
        flusher.run_due(view_counts.FLUSH_EVERY_TICKS)
        flusher.run_due(view_counts.FLUSH_EVERY_TICKS + 1)  # retried at once, fails again
    assert len(caplog.records) == 1  # one line per outage, not one per tick
    assert "view-counts failed" in caplog.records[0].getMessage()
    assert view_counts.pending_views(thread.pk) == 1
    assert shown_views(client, thread) == before + 2  # still shown while waiting
    monkeypatch.undo()  # the queue is back
    flusher.run_due(view_counts.FLUSH_EVERY_TICKS + 2)  # not its regular turn: a retry
    assert stored_views(thread) == before + 2
    assert view_counts.pending_views(thread.pk) == 0


def test_views_kept_during_an_outage_are_bounded(world, queue_down, monkeypatch):
    monkeypatch.setattr(view_counts, "MAX_PENDING_THREADS", 2)
    for thread_id, views in ((1, 5), (2, 1), (3, 9)):
        for _ in range(views):
            view_counts.record_view(thread_id)
    with pytest.raises(ConnectionError):
        view_counts.flush()
    assert [view_counts.pending_views(t) for t in (1, 2, 3)] == [5, 0, 9]


def test_a_worker_leaving_hands_on_what_it_counted(world, client):
    thread = world.long_thread
    before = stored_views(thread)
    client.get(thread.get_absolute_url())
    flusher.flush_all()  # what gunicorn's worker_exit hook runs
    assert stored_views(thread) == before + 1


def test_parley_serve_runs_the_hand_off_when_a_worker_exits():
    server = cli.build_server(host="127.0.0.1", port=8123, workers=3)
    assert server.cfg.worker_exit is flusher.worker_exit
