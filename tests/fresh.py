"""Start from what a committed board would hold: no cached permission tables or throttles, and no
permission change waiting to commit. Tests roll their transactions back (stamps included), so a
table cached under a stamp can outlive the rows it was computed from."""

from __future__ import annotations


def start_fresh() -> None:
    from django.core.cache import cache

    from parley.core import page_cache, stamps
    from parley.permissions import grants

    cache.clear()
    grants.tables.forget_local()
    page_cache.forget_local()
    stamps.forget_uncommitted_bump()
