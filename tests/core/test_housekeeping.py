"""Upkeep that rides on traffic: after responses, each job at most once per interval."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from parley.core import housekeeping


@pytest.fixture
def jobs(monkeypatch, settings):
    settings.PARLEY_HOUSEKEEPING = True
    monkeypatch.setattr(housekeeping, "_jobs", [])
    cache.clear()
    return housekeeping


def test_a_job_runs_once_per_interval(jobs) -> None:
    ran: list[str] = []
    jobs.register("count", 60, lambda: ran.append("x"), shared=False)
    jobs._jobs[0].last_run = 0.0  # due now
    jobs.run_due()
    jobs.run_due()
    assert ran == ["x"]


def test_a_shared_job_runs_once_across_workers(jobs) -> None:
    ran: list[str] = []
    jobs.register("shared", 60, lambda: ran.append("x"), shared=True)
    jobs._jobs[0].last_run = 0.0
    jobs.run_due()
    jobs._jobs[0].last_run = 0.0  # another worker whose own clock says it is due
    jobs.run_due()
    assert ran == ["x"]


def test_a_failing_job_does_not_break_the_response(jobs, caplog) -> None:
    def boom() -> None:
        raise RuntimeError("disk full")

    jobs.register("boom", 60, boom, shared=False)
    jobs._jobs[0].last_run = 0.0
    jobs.run_due()
    assert "Housekeeping job boom failed" in caplog.text


@pytest.mark.django_db
def test_view_counts_are_flushed_by_housekeeping(client) -> None:
    from parley.forums import view_counts

    registered = {job.name for job in housekeeping._jobs}
    assert {"flush-view-counts", "prune-read-markers"} <= registered
    assert view_counts.flush() == 0
