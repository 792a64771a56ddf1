"""Searches are kept for a minute, as XenForo and vBulletin keep them: the ranked ids of a
search (at most `RESULTS_CAP` + 1) go to the shared cache, so its other pages, and the same
search by the next reader with the same permissions, cost a small query instead of the
full-text match and its ranking (tens of milliseconds on a board of millions of posts).

A kept search stays current where readers would notice:
- posts written since are added: on reuse, only posts newer than the board's newest when the
  search ran are matched and ranked (a range of ids the index seeks to), and merged in; while
  the `content` stamp (moved by every write a guest could see) has not moved, not even that;
- whether a post may be shown is asked again of the live rows for the page's posts
  (`queries.search`), so a deletion, a hold or a move out of sight hides it at once;
- the key holds the `perms` stamp and the reader (authors see their own held posts), so a
  permission change, or another reader, never meets it.
What may wait up to `KEEP_SECONDS`: an older post edited into or out of the match, approved,
restored or moved into sight. A search that found nothing is not kept (it was cheap)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.cache import cache

from parley.core import stamps
from parley.permissions.guardian import Perms

KEEP_SECONDS = 60
FORMAT = 2  # in the key: a KeptSearch pickled by an older release is never read


@dataclass(frozen=True)
class Ranked:
    pk: int
    order: tuple[float, float, int]  # ascending, best first: (relevance, -posted, -id)


@dataclass(frozen=True)
class KeptSearch:
    rows: tuple[Ranked, ...]  # best first, at most `limit`
    newest: int  # the newest post id when the search ran: matches above it are merged in
    started: float  # when the search first ran (time.time()): it is kept KEEP_SECONDS from then
    content: int  # the `content` stamp it is current with: while it stays, nothing is asked


# `run(newer_than)`: the best matches and the board's newest post id; given an id, only the
# matches among posts newer than it.
Runner = Callable[[int | None], tuple[list[Ranked], int | None]]


def key(perms: Perms, parts: Sequence[object]) -> str:
    """The reader's permission stamp and id (or none, for guests) with the search's parts."""
    perms_stamp = stamps.value(perms.stamps, stamps.PERMS)
    text = repr((perms_stamp, perms.member_id, *parts))
    return f"search:{FORMAT}:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def ranked(cache_key: str, run: Runner, *, limit: int, content: int) -> list[Ranked]:
    """The search's best `limit` matches, from the kept search when there is one. `content`:
    the request's `content` stamp, which every write a guest could see moves (posts included):
    while it has not moved since, the kept search is current without asking anything."""
    kept: KeptSearch | None = cache.get(cache_key)
    if kept is None or time.time() - kept.started >= KEEP_SECONDS:
        rows, newest = run(None)
        if rows and newest is not None:
            _keep(cache_key, KeptSearch(tuple(rows), newest, time.time(), content))
        return rows
    if kept.content == content:
        return list(kept.rows)
    newer, newest = run(kept.newest)
    rows = list(kept.rows)
    if newer and newest is not None:
        merged = {row.pk: row for row in rows} | {row.pk: row for row in newer}
        rows = sorted(merged.values(), key=lambda row: row.order)[:limit]
    newest = max(newest or 0, kept.newest)
    _keep(cache_key, KeptSearch(tuple(rows), newest, kept.started, content))
    return rows


def _keep(cache_key: str, kept: KeptSearch) -> None:
    if stamps.uncommitted_bump():  # what this request read may yet be rolled back
        return
    left = KEEP_SECONDS - (time.time() - kept.started)
    if left >= 1:
        cache.set(cache_key, kept, int(left))
