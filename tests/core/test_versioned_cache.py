"""The one versioned cache: a value is computed once per stamp and key, per board (the shared
cache) and then per process (memory); a newer stamp retires every copy; an uncommitted bump
caches nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from parley.core import stamps
from parley.core.versioned_cache import VersionedCache

pytestmark = pytest.mark.django_db


class Counter:
    def __init__(self, value: object = "value") -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def make(max_entries: int = 100) -> VersionedCache:
    return VersionedCache("test-versioned", shared_seconds=60, local_max_entries=max_entries)


def test_computed_once_per_stamp_and_key() -> None:
    vc, compute = make(), Counter()
    assert vc.get_or_compute(1, "k", compute) == "value"
    assert vc.get_or_compute(1, "k", compute) == "value"
    assert compute.calls == 1
    vc.get_or_compute(1, "other", compute)
    assert compute.calls == 2


def test_another_process_reads_the_shared_copy() -> None:
    compute = Counter()
    make().get_or_compute(1, "k", compute)
    other_process = make()
    assert other_process.get_or_compute(1, "k", compute) == "value"
    assert compute.calls == 1
    assert cache.get(other_process.shared_key(1, "k")) == "value"


def test_a_newer_stamp_retires_every_copy() -> None:
    vc, compute = make(), Counter()
    vc.get_or_compute(1, "k", compute)
    compute.value = "new"
    assert vc.get_or_compute(2, "k", compute) == "new"
    assert make().get_or_compute(2, "k", compute) == "new"
    assert compute.calls == 2


def test_a_reader_still_on_the_older_stamp_keeps_the_newer_memo() -> None:
    vc, compute = make(), Counter()
    vc.get_or_compute(2, "k", compute)
    assert vc.get_or_compute(1, "k", compute) == "value"  # computed under 1, shared only
    assert compute.calls == 2
    assert vc.get_or_compute(2, "k", compute) == "value"  # the stamp-2 memo survived
    assert compute.calls == 2


def test_none_is_a_value() -> None:
    vc, compute = make(), Counter(None)
    assert vc.get_or_compute(1, "k", compute) is None
    assert make().get_or_compute(1, "k", compute) is None
    assert compute.calls == 1


def test_process_copies_are_bounded() -> None:
    vc, compute = make(max_entries=2), Counter()
    for key in ("a", "b", "c"):
        vc.get_or_compute(1, key, compute)
    cache.clear()  # only this process's memory can answer now
    vc.get_or_compute(1, "c", compute)
    vc.get_or_compute(1, "a", compute)  # dropped when the third key came in
    assert compute.calls == 4


def test_an_uncommitted_bump_caches_nothing() -> None:
    vc, compute = make(), Counter()
    try:
        with transaction.atomic():
            stamps.bump("test-versioned")
            vc.get_or_compute(1, "k", compute)
            vc.get_or_compute(1, "k", compute)
            assert compute.calls == 2
            assert cache.get(vc.shared_key(1, "k")) is None
    finally:
        stamps.forget_uncommitted_bump()
    vc.get_or_compute(1, "k", compute)
    vc.get_or_compute(1, "k", compute)
    assert compute.calls == 3
